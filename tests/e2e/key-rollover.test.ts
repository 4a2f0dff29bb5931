/**
 * Key rollover that no verifier notices (issue 13). A Portcullis server starts with the next
 * EdDSA and RS256 keys already published but signing only from `activeFrom` (270 s after
 * boot). A client runs across the switch: it refreshes its access token every 2 s and
 * verifies each with the edge verifier (jose's remote key set, default cache and cooldown),
 * and signs in through openid-client before and after the switch with one Configuration (one
 * cached key set). Every token verifies, both kids are seen, and no verifier meets an unknown kid.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as oidc from "openid-client";
import { decodeProtectedHeader } from "jose";
import { randomBytes } from "node:crypto";
import { generateSigningJwk } from "../../lib/tokens/jwt";
import { createAccessTokenVerifier } from "../../lib/tokens/verify-access-token";
import { GOOD_PASSWORD, randomIp, uniqueEmail } from "../support/http";
import { runsOnce, startPortcullis, type StartedServer } from "../support/portcullis-server";

// generous: the server must boot (under CI load, up to a minute) before the switch
const SWITCH_AFTER_MS = 270_000;
const REFRESH_EVERY_MS = 2_000;
const RUN_PAST_SWITCH_MS = 6_000;
const REDIRECT_URI = "http://127.0.0.1:9/callback";

let server: StartedServer | undefined;
let switchAt: Date;
const kids: Record<string, string> = {};

beforeAll(async () => {
  if (!runsOnce) return;
  switchAt = new Date(Date.now() + SWITCH_AFTER_MS);
  const [edCurrent, edNext, rsCurrent, rsNext] = await Promise.all([
    generateSigningJwk("EdDSA"),
    generateSigningJwk("EdDSA"),
    generateSigningJwk("RS256"),
    generateSigningJwk("RS256"),
  ]);
  Object.assign(kids, { edCurrent: edCurrent.kid, edNext: edNext.kid, rsCurrent: rsCurrent.kid, rsNext: rsNext.kid });
  const activeFrom = switchAt.toISOString();
  const keys = [{ ...edNext, activeFrom }, edCurrent, { ...rsNext, activeFrom }, rsCurrent];
  server = await startPortcullis("rollover", { JWT_SIGNING_KEYS: JSON.stringify(keys) });
}, 300_000);

afterAll(async () => {
  await server?.stop();
});

async function post(
  path: string,
  body: unknown,
  ip: string,
  cookie?: string,
): Promise<{ status: number; body: any; cookie: string | null }> {
  const res = await fetch(`${server!.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: server!.url, "x-real-ip": ip, ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
  const setCookie = res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0]!)
    .join("; ");
  return { status: res.status, body: await res.json(), cookie: setCookie || null };
}

/** A code for the public client through the authorization endpoint, with a signed-in cookie, then tokens via openid-client. */
async function signInThroughOidc(config: oidc.Configuration, cookie: string, ip: string) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: "openid",
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
  });
  const res = await fetch(url, { headers: { cookie, "x-real-ip": ip }, redirect: "manual" });
  const callback = new URL(res.headers.get("location")!);
  return oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
}

describe.skipIf(!runsOnce)("signing-key rollover during a running client", () => {
  it("publishes the next key before it signs: no token from before or after the switch is ever refused", async () => {
    const ip = randomIp();
    const email = uniqueEmail("rollover");
    expect((await post("/api/auth/register", { email, password: GOOD_PASSWORD }, ip)).status).toBe(201);
    const login = await post("/api/auth/login", { email, password: GOOD_PASSWORD }, ip);
    expect(login.status).toBe(200);
    const issued = await post("/api/auth/token", { email, password: GOOD_PASSWORD }, ip);
    expect(issued.status).toBe(200);
    let refreshToken: string = issued.body.refreshToken;

    const clientId = randomBytes(16).toString("base64url");
    await server!.sql(
      "INSERT INTO oauth_clients (id, name, is_public, first_party, redirect_uris) VALUES ($1, 'Rollover client', true, true, $2)",
      [clientId, [REDIRECT_URI]],
    );
    // the issuer is plain http here (a local server): openid-client's one relaxation is allowInsecureRequests
    const config = await oidc.discovery(new URL(server!.url), clientId, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    const before = await signInThroughOidc(config, login.cookie!, ip);
    expect(decodeProtectedHeader(before.id_token!).kid).toBe(kids.rsCurrent);

    const verifier = createAccessTokenVerifier({
      jwksUrl: `${server!.url}/.well-known/jwks.json`,
      issuer: server!.url,
      audience: "portcullis",
    });
    const seen = new Map<string, number>();
    const refused: string[] = [];
    expect(Date.now()).toBeLessThan(switchAt.getTime() - 5_000);
    while (Date.now() < switchAt.getTime() + RUN_PAST_SWITCH_MS) {
      const pair = await post("/api/auth/token/refresh", { refreshToken }, ip);
      expect(pair.status).toBe(200);
      refreshToken = pair.body.refreshToken;
      const kid = decodeProtectedHeader(pair.body.accessToken).kid!;
      seen.set(kid, (seen.get(kid) ?? 0) + 1);
      const verdict = await verifier.verify(pair.body.accessToken);
      if (!verdict.ok) refused.push(`${new Date().toISOString()} ${kid} ${verdict.reason}`);
      await new Promise((r) => setTimeout(r, REFRESH_EVERY_MS));
    }
    expect(refused).toEqual([]);
    expect([...seen.keys()]).toEqual([kids.edCurrent, kids.edNext]);

    const after = await signInThroughOidc(config, login.cookie!, ip);
    expect(decodeProtectedHeader(after.id_token!).kid).toBe(kids.rsNext);
    expect(after.claims()!.sub).toBe(before.claims()!.sub);
  }, 360_000);
});
