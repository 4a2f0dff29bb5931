/**
 * Example (type-checked with the project): another Next.js 16 site protecting its /api/private
 * routes with Portcullis access tokens. Save as `proxy.ts` at that site's root, and copy
 * lib/tokens/verify-access-token.ts to the same path in that site (its only dependency is jose).
 */
import { NextResponse, type NextRequest } from "next/server";
import { createAccessTokenVerifier } from "@/lib/tokens/verify-access-token";

// Once per process: the key set is fetched on first use and cached (10 minutes; refetched
// early, at most every 30 s, when a token names a kid it has not seen: a key rotation).
const verifier = createAccessTokenVerifier({
  jwksUrl: "https://auth.example.com/.well-known/jwks.json",
  issuer: "https://auth.example.com", // Portcullis's JWT_ISSUER (default: its APP_URL origin)
  audience: "portcullis", // Portcullis's JWT_AUDIENCE
});

export async function proxy(request: NextRequest): Promise<NextResponse> {
  const verdict = await verifier.verifyRequest(request);
  if (!verdict.ok) {
    if (verdict.reason === "unavailable") {
      return NextResponse.json({ error: { code: "auth_unavailable" } }, { status: 503, headers: { "Retry-After": "5" } });
    }
    // "expired": the client refreshes (POST /api/auth/token/refresh) and retries.
    const error = verdict.reason === "expired" ? 'error="invalid_token", error_description="expired"' : 'error="invalid_token"';
    return NextResponse.json({ error: { code: verdict.reason } }, { status: 401, headers: { "WWW-Authenticate": `Bearer ${error}` } });
  }
  // Pass the verified identity on; set() replaces any value the client sent itself.
  const headers = new Headers(request.headers);
  headers.set("x-user-id", verdict.claims.sub);
  headers.set("x-user-roles", verdict.claims.roles.join(","));
  headers.set("x-user-aal", String(verdict.claims.aal));
  return NextResponse.next({ request: { headers } });
}

export const config = { matcher: ["/api/private/:path*"] };
