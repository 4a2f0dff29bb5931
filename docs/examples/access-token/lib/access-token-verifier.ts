/**
 * One verifier per process, shared by proxy.ts and the route handlers. Copy
 * lib/tokens/verify-access-token.ts from Portcullis to the same path in this site (its only dependency is jose).
 */
import { createAccessTokenVerifier } from "@/lib/tokens/verify-access-token";

// The key set is fetched on first use and cached (10 minutes; refetched early, at most every
// 30 s, when a token names a kid it has not seen: a key rotation).
export const verifier = createAccessTokenVerifier({
  jwksUrl: "https://auth.example.com/.well-known/jwks.json",
  issuer: "https://auth.example.com", // Portcullis's JWT_ISSUER (default: its APP_URL origin)
  audience: "portcullis", // Portcullis's JWT_AUDIENCE
});
