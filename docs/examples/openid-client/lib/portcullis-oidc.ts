/**
 * Sign-in with Portcullis from any Node.js server, with openid-client: authorization code + PKCE,
 * state and nonce. Keep `PendingSignIn` server-side (e.g. in an encrypted, HttpOnly cookie)
 * between the two steps.
 */
import * as client from "openid-client";

const ISSUER = new URL("https://auth.example.com"); // Portcullis's APP_URL
const CLIENT_ID = process.env.PORTCULLIS_CLIENT_ID ?? "";
const CLIENT_SECRET = process.env.PORTCULLIS_CLIENT_SECRET ?? "";
const REDIRECT_URI = "https://site.example/auth/callback"; // registered with --redirect-uri

export interface PendingSignIn {
  readonly codeVerifier: string;
  readonly state: string;
  readonly nonce: string;
}

let discovered: Promise<client.Configuration> | undefined;
/** Discovery once per process (retried after a failure). */
function configuration(): Promise<client.Configuration> {
  discovered ??= client.discovery(ISSUER, CLIENT_ID, CLIENT_SECRET).catch((error: unknown) => {
    discovered = undefined;
    throw error;
  });
  return discovered;
}

/** Step 1: where to send the browser, and what to keep until it comes back. */
export async function startSignIn(): Promise<{ url: URL; pending: PendingSignIn }> {
  const config = await configuration();
  const pending: PendingSignIn = {
    codeVerifier: client.randomPKCECodeVerifier(),
    state: client.randomState(),
    nonce: client.randomNonce(),
  };
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: "openid email",
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await client.calculatePKCECodeChallenge(pending.codeVerifier),
    code_challenge_method: "S256",
  });
  return { url, pending };
}

/** Step 2: the browser came back to REDIRECT_URI (`currentUrl`, with its query). Throws on any failed check. */
export async function finishSignIn(currentUrl: URL, pending: PendingSignIn) {
  const config = await configuration();
  const tokens = await client.authorizationCodeGrant(config, currentUrl, {
    pkceCodeVerifier: pending.codeVerifier,
    expectedState: pending.state,
    expectedNonce: pending.nonce,
  });
  const claims = tokens.claims(); // the verified ID token: sub, email, acr, amr, ...
  return { subject: claims?.sub, email: claims?.email, idToken: tokens.id_token, accessToken: tokens.access_token };
}
