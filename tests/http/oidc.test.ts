/**
 * The OpenID Connect provider against openid-client (panva, a client nobody here wrote) with
 * its default strict checks, and every attack of issue 13 as its own test. The browser is a
 * cookie-holding Client here; tests/e2e/oidc-browser.test.ts drives the same flow in Chromium.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as oidc from "openid-client";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { TEST_APP_URL } from "../support/env";
import { Client, serverSql, signedInClient } from "../support/http";
import { clientFor, signedInAdmin, type Principal } from "../support/principals";
import {
  POST_LOGOUT_URI,
  REDIRECT_URI,
  authorizationRequest,
  discover,
  followAuthorization,
  registerClient,
  serverFetch,
  serverPath,
  type RegisteredClient,
} from "../support/oidc";

let admin: Principal;
let clientA: RegisteredClient;
let clientB: RegisteredClient;
let configA: oidc.Configuration;
let configB: oidc.Configuration;

beforeAll(async () => {
  admin = await signedInAdmin();
  clientA = await registerClient(admin, { name: "Site A" });
  clientB = await registerClient(admin, { name: "Site B" });
  configA = await discover(clientA);
  configB = await discover(clientB, "basic");
});

/** A signed-in browser that has completed an authorization with client A; returns the callback URL. */
async function codeFor(config: oidc.Configuration, browser?: Client, extra: Record<string, string> = {}) {
  const session = browser ?? (await signedInClient()).client;
  const request = await authorizationRequest(config, extra);
  const callback = await followAuthorization(session, request.url);
  return { browser: session, request, callback };
}

function grant(config: oidc.Configuration, flow: { request: { verifier: string; state: string; nonce: string }; callback: URL }) {
  return oidc.authorizationCodeGrant(config, flow.callback, {
    pkceCodeVerifier: flow.request.verifier,
    expectedState: flow.request.state,
    expectedNonce: flow.request.nonce,
    idTokenExpected: true,
  });
}

/** The OAuth error code a failed openid-client call met (from the body of a 401 challenge too). */
async function oauthErrorOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    const error = e as { error?: string; code?: string; cause?: { error?: string }; response?: Response };
    if (error.code === "OAUTH_WWW_AUTHENTICATE_CHALLENGE" && error.response) {
      const body = (await error.response
        .clone()
        .json()
        .catch(() => ({}))) as { error?: string };
      return body.error ?? error.code;
    }
    return error.error ?? error.cause?.error ?? error.code ?? String(e);
  }
  throw new Error("expected the request to fail");
}

/** openid-client's error message with the message of its cause (where it names the parameter). */
async function failureText(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    const error = e as Error & { cause?: { message?: string } };
    return `${error.message} ${error.cause?.message ?? ""}`;
  }
  throw new Error("expected the request to fail");
}

describe("openid-client against the provider", () => {
  it("discovers the provider: issuer, endpoints, S256 only, RS256 ID tokens, iss in the response", () => {
    const meta = configA.serverMetadata();
    expect(meta.issuer).toBe(TEST_APP_URL);
    expect(meta.code_challenge_methods_supported).toEqual(["S256"]);
    expect(meta.id_token_signing_alg_values_supported).toEqual(["RS256"]);
    expect(meta.authorization_response_iss_parameter_supported).toBe(true);
    expect(meta.response_types_supported).toEqual(["code"]);
    expect(meta.end_session_endpoint).toBe(`${TEST_APP_URL}/api/oauth/end-session`);
  });

  it("runs code + PKCE, validates the ID token, reads UserInfo, refreshes, revokes and ends the session", async () => {
    const user = await signedInClient();
    const flow = await codeFor(configA, user.client);
    expect(flow.callback.origin + flow.callback.pathname).toBe(REDIRECT_URI);
    expect(flow.callback.searchParams.get("iss")).toBe(TEST_APP_URL);
    expect(flow.callback.searchParams.get("state")).toBe(flow.request.state);
    expect(flow.callback.searchParams.get("code")).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const tokens = await grant(configA, flow);
    const claims = tokens.claims()!;
    expect(decodeProtectedHeader(tokens.id_token!).alg).toBe("RS256");
    expect(claims).toMatchObject({
      iss: TEST_APP_URL,
      sub: user.userId,
      aud: clientA.id,
      nonce: flow.request.nonce,
      email: user.email,
      email_verified: false,
      acr: "aal1",
      amr: ["pwd"],
    });
    expect(typeof claims.auth_time).toBe("number");
    expect(typeof claims.sid).toBe("string");
    expect(tokens.scope).toBe("openid profile email offline_access");
    expect(tokens.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(decodeJwt(tokens.access_token)).toMatchObject({ client_id: clientA.id, sub: user.userId });

    const info = await oidc.fetchUserInfo(configA, tokens.access_token, user.userId);
    expect(info).toEqual({ sub: user.userId, email: user.email, email_verified: false });

    const refreshed = await oidc.refreshTokenGrant(configA, tokens.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect((await oidc.fetchUserInfo(configA, refreshed.access_token, user.userId)).sub).toBe(user.userId);

    await oidc.tokenRevocation(configA, refreshed.refresh_token!);
    expect(await oauthErrorOf(oidc.refreshTokenGrant(configA, refreshed.refresh_token!))).toBe("invalid_grant");
    expect(await oauthErrorOf(oidc.fetchUserInfo(configA, refreshed.access_token, user.userId))).toBe("invalid_token");

    const logout = oidc.buildEndSessionUrl(configA, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: POST_LOGOUT_URI,
      state: "bye-1",
    });
    const res = await user.client.get(serverPath(logout));
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`${POST_LOGOUT_URI}?state=bye-1`);
    expect((await user.client.get("/api/auth/session")).status).toBe(401);
    const audit = await serverSql<{ event_type: string }>(
      "SELECT event_type FROM audit_logs WHERE target_id = $1 AND event_type LIKE 'oauth.%' ORDER BY id",
      [user.userId],
    );
    expect(audit.map((r) => r.event_type)).toEqual(["oauth.consent.granted", "oauth.code.issued", "oauth.token.issued", "oauth.logout"]);
  });

  it("authenticates with client_secret_basic, remembers consent per client and scopes, and gives no refresh token without offline_access", async () => {
    const user = await signedInClient();
    const first = await codeFor(configB, user.client, { scope: "openid" });
    const tokens = await grant(configB, first);
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.claims()!.email).toBeUndefined();
    // the same scopes again: no consent page; more scopes: asked again
    const again = await authorizationRequest(configB, { scope: "openid" });
    const direct = await user.client.get(serverPath(again.url));
    expect(new URL(direct.headers.get("location")!).origin).toBe(new URL(REDIRECT_URI).origin);
    const more = await authorizationRequest(configB, { scope: "openid email" });
    expect(new URL((await user.client.get(serverPath(more.url))).headers.get("location")!, TEST_APP_URL).pathname).toBe("/oauth/consent");
  });

  it("skips the consent page for a first-party client and issues codes to a public client (PKCE only, no secret)", async () => {
    const pub = await registerClient(admin, { public: true, firstParty: true });
    const config = await discover(pub);
    const user = await signedInClient();
    const request = await authorizationRequest(config);
    const res = await user.client.get(serverPath(request.url));
    const callback = new URL(res.headers.get("location")!);
    expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
    const tokens = await grant(config, { request, callback });
    expect(tokens.claims()!.sub).toBe(user.userId);
  });

  it("answers denial on the consent page with access_denied at the client, audited", async () => {
    const user = await signedInClient();
    const request = await authorizationRequest(configA);
    const callback = await followAuthorization(user.client, request.url, "deny");
    expect(callback.searchParams.get("error")).toBe("access_denied");
    expect(callback.searchParams.get("iss")).toBe(TEST_APP_URL);
    const rows = await serverSql("SELECT 1 FROM audit_logs WHERE event_type = 'oauth.consent.denied' AND target_id = $1", [user.userId]);
    expect(rows).toHaveLength(1);
  });
});

describe("attacks (issue 13)", () => {
  it("refuses a wrong or extra redirect URI with an error page, never a redirect to it", async () => {
    const user = await signedInClient();
    for (const uri of [
      "https://evil.example/callback",
      `${REDIRECT_URI}/extra`,
      `${REDIRECT_URI}?x=1`,
      REDIRECT_URI.toUpperCase(),
      "https://rp.example/callbac",
    ]) {
      const request = await authorizationRequest(configA, { redirect_uri: uri });
      const res = await user.client.get(serverPath(request.url));
      expect([uri, res.status, res.headers.get("location")]).toEqual([uri, 302, "/oauth/error?error=invalid_redirect_uri"]);
    }
    const twice = await authorizationRequest(configA);
    twice.url.searchParams.append("redirect_uri", "https://evil.example/callback");
    expect((await user.client.get(serverPath(twice.url))).headers.get("location")).toBe("/oauth/error?error=invalid_request");
  });

  it("refuses a request without PKCE, and plain PKCE, at the redirect URI with iss", async () => {
    const user = await signedInClient();
    const missing = await authorizationRequest(configA);
    missing.url.searchParams.delete("code_challenge");
    missing.url.searchParams.delete("code_challenge_method");
    const plain = await authorizationRequest(configA, { code_challenge_method: "plain" });
    for (const request of [missing, plain]) {
      const callback = new URL((await user.client.get(serverPath(request.url))).headers.get("location")!);
      expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
      expect(callback.searchParams.get("error")).toBe("invalid_request");
      expect(callback.searchParams.get("state")).toBe(request.state);
      expect(callback.searchParams.get("iss")).toBe(TEST_APP_URL);
      expect(callback.searchParams.get("code")).toBeNull();
    }
  });

  it("refuses a wrong PKCE verifier", async () => {
    const flow = await codeFor(configA);
    const wrong = { ...flow, request: { ...flow.request, verifier: oidc.randomPKCECodeVerifier() } };
    expect(await oauthErrorOf(grant(configA, wrong))).toBe("invalid_grant");
  });

  it("answers a replayed code with invalid_grant and kills the tokens the first use got", async () => {
    const flow = await codeFor(configA);
    const tokens = await grant(configA, flow);
    const sub = tokens.claims()!.sub;
    expect(await oauthErrorOf(grant(configA, flow))).toBe("invalid_grant");
    expect(await oauthErrorOf(oidc.refreshTokenGrant(configA, tokens.refresh_token!))).toBe("invalid_grant");
    expect(await oauthErrorOf(oidc.fetchUserInfo(configA, tokens.access_token, sub))).toBe("invalid_token");
    const replays = await serverSql<{ details: { familyRevoked: boolean } }>(
      "SELECT details FROM audit_logs WHERE event_type = 'oauth.code.replayed' AND target_id = $1",
      [sub],
    );
    expect(replays.map((r) => r.details.familyRevoked)).toEqual([true]);
  });

  it("refuses client A's code at client B", async () => {
    const flow = await codeFor(configA);
    expect(await oauthErrorOf(grant(configB, flow))).toBe("invalid_grant");
    // A can still redeem it: B's attempt did not spend it
    expect((await grant(configA, flow)).claims()!.aud).toBe(clientA.id);
  });

  it("refuses a wrong client secret (401 invalid_client)", async () => {
    const wrong = await discover({ id: clientA.id, secret: "x".repeat(43) }, "basic");
    const flow = await codeFor(configA);
    expect(await oauthErrorOf(grant(wrong, flow))).toBe("invalid_client");
    // the real secret with its last character changed (never the same character: that would be the secret)
    const last = clientA.secret!.at(-1) === "A" ? "B" : "A";
    const post = await discover({ id: clientA.id, secret: `${clientA.secret!.slice(0, -1)}${last}` });
    expect(await oauthErrorOf(grant(post, flow))).toBe("invalid_client");
  });

  it("leaves state to the client (openid-client refuses a tampered one) and puts iss in every response", async () => {
    const flow = await codeFor(configA);
    expect(flow.callback.searchParams.get("iss")).toBe(TEST_APP_URL);
    const tampered = new URL(flow.callback);
    tampered.searchParams.set("state", "tampered");
    expect(await failureText(grant(configA, { ...flow, callback: tampered }))).toMatch(/"state"/);
    const otherIssuer = new URL(flow.callback);
    otherIssuer.searchParams.set("iss", "https://evil.example");
    expect(await failureText(grant(configA, { ...flow, callback: otherIssuer }))).toMatch(/"iss"/);
  });

  it("refuses an unregistered post_logout_redirect_uri (no open redirect) and signs nobody out", async () => {
    const flow = await codeFor(configA);
    const tokens = await grant(configA, flow);
    for (const target of ["https://evil.example/", `${POST_LOGOUT_URI}/x`, "https://rp.example/callback"]) {
      const url = oidc.buildEndSessionUrl(configA, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: target });
      const res = await flow.browser.get(serverPath(url));
      expect([target, res.headers.get("location")]).toEqual([target, "/oauth/error?error=invalid_post_logout_redirect_uri"]);
    }
    const noHint = await flow.browser.get(`/api/oauth/end-session?post_logout_redirect_uri=${encodeURIComponent(POST_LOGOUT_URI)}`);
    expect(noHint.headers.get("location")).toBe("/oauth/error?error=invalid_request");
    const forged = await flow.browser.get(
      `/api/oauth/end-session?id_token_hint=${tokens.access_token}&post_logout_redirect_uri=${encodeURIComponent(POST_LOGOUT_URI)}`,
    );
    expect(forged.headers.get("location")).toBe("/oauth/error?error=invalid_id_token_hint");
    expect((await flow.browser.get("/api/auth/session")).status).toBe(200);
  });

  it("answers prompt=none while signed out with login_required at the redirect URI", async () => {
    const request = await authorizationRequest(configA, { prompt: "none" });
    const res = await new Client().get(serverPath(request.url));
    const callback = new URL(res.headers.get("location")!);
    expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
    expect(Object.fromEntries(callback.searchParams)).toMatchObject({ error: "login_required", state: request.state, iss: TEST_APP_URL });
    // and an interactive request goes through /sign-in and comes back to the authorization endpoint
    const interactive = await authorizationRequest(configA);
    const toSignIn = new URL((await new Client().get(serverPath(interactive.url))).headers.get("location")!, TEST_APP_URL);
    expect(toSignIn.pathname).toBe("/sign-in");
    expect(toSignIn.searchParams.get("returnTo")).toMatch(/^\/api\/oauth\/authorize\?/);
  });

  it("refuses client A's refresh token at client B, and at the first-party refresh route", async () => {
    const tokens = await grant(configA, await codeFor(configA));
    expect(await oauthErrorOf(oidc.refreshTokenGrant(configB, tokens.refresh_token!))).toBe("invalid_grant");
    expect((await new Client().post("/api/auth/token/refresh", { refreshToken: tokens.refresh_token })).status).toBe(401);
    expect((await oidc.refreshTokenGrant(configA, tokens.refresh_token!)).access_token).toBeTruthy();
  });

  it("ends the client's refresh families when the person revokes the consent", async () => {
    const user = await signedInClient();
    const tokens = await grant(configA, await codeFor(configA, user.client));
    const listed = await user.client.get("/api/oauth/consents");
    expect(listed.body.consents).toEqual([expect.objectContaining({ clientId: clientA.id, clientName: "Site A" })]);
    expect([...listed.body.consents[0].scopes].sort()).toEqual(["email", "offline_access", "openid", "profile"]);
    const revoked = await user.client.delete(`/api/oauth/consents/${clientA.id}`);
    expect(revoked.body).toEqual({ clientId: clientA.id, familiesRevoked: 1 });
    expect(await oauthErrorOf(oidc.refreshTokenGrant(configA, tokens.refresh_token!))).toBe("invalid_grant");
    expect((await user.client.get("/api/oauth/consents")).body.consents).toEqual([]);
  });
});

describe("prompt, max_age and acr_values", () => {
  it("prompt=login and an exceeded max_age send a signed-in person through /sign-in again; the login marker is honoured only when genuine", async () => {
    const user = await signedInClient();
    await followAuthorization(user.client, (await authorizationRequest(configA)).url); // consent given
    const login = await authorizationRequest(configA, { prompt: "login" });
    const res = await user.client.get(serverPath(login.url));
    const signIn = new URL(res.headers.get("location")!, TEST_APP_URL);
    expect(signIn.pathname).toBe("/sign-in");
    expect((await user.client.get("/api/auth/session")).status).toBe(401);
    const returnTo = new URL(signIn.searchParams.get("returnTo")!, TEST_APP_URL);
    expect(returnTo.searchParams.get("prompt")).toBeNull();
    // sign in again (what /sign-in does), then come back: a code, with a fresh auth_time
    const again = await user.client.post("/api/auth/login", { email: user.email, password: user.password });
    expect(again.status).toBe(200);
    const callback = new URL((await user.client.get(serverPath(returnTo))).headers.get("location")!);
    const tokens = await grant(configA, { request: login, callback });
    expect(tokens.claims()!.auth_time).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) - 30);
    // a forged marker does not satisfy max_age=0
    const stale = await clientFor(user.userId, { reauthenticatedAt: new Date(Date.now() - 3600_000) });
    const maxAge = await authorizationRequest(configA, { max_age: "60", login_marker: "forged" });
    expect(new URL((await stale.get(serverPath(maxAge.url))).headers.get("location")!, TEST_APP_URL).pathname).toBe("/sign-in");
  });

  it("acr_values=aal2 with prompt=none on a password-only session answers interaction_required", async () => {
    const user = await signedInClient();
    await followAuthorization(user.client, (await authorizationRequest(configA)).url);
    const request = await authorizationRequest(configA, { acr_values: "aal2", prompt: "none" });
    const callback = new URL((await user.client.get(serverPath(request.url))).headers.get("location")!);
    expect(callback.searchParams.get("error")).toBe("interaction_required");
  });
});

describe("client administration", () => {
  it("lists clients without secrets, rotates a secret (the old one stops working) and disables a client (its families end)", async () => {
    const client = await registerClient(admin, { name: "Rotating" });
    const list = await admin.client.get("/api/admin/oauth/clients");
    expect(JSON.stringify(list.body)).not.toContain(client.secret!);
    expect(list.body.clients.find((c: { id: string }) => c.id === client.id)).toMatchObject({
      name: "Rotating",
      public: false,
      firstParty: false,
    });
    const before = await discover(client);
    const tokens = await grant(before, await codeFor(before));
    const rotated = await admin.client.post(`/api/admin/oauth/clients/${client.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(await oauthErrorOf(oidc.refreshTokenGrant(before, tokens.refresh_token!))).toBe("invalid_client");
    const after = await discover({ id: client.id, secret: rotated.body.clientSecret });
    const next = await oidc.refreshTokenGrant(after, tokens.refresh_token!);
    const disabled = await admin.client.post(`/api/admin/oauth/clients/${client.id}/disable`);
    expect(disabled.body.familiesRevoked).toBe(1);
    expect(await oauthErrorOf(oidc.refreshTokenGrant(after, next.refresh_token!))).toBe("invalid_client");
    const rows = await serverSql<{ event_type: string; actor_id: string }>(
      "SELECT event_type, actor_id FROM audit_logs WHERE details->>'clientId' = $1 AND event_type LIKE 'oauth.client.%' ORDER BY id",
      [client.id],
    );
    expect(rows).toEqual(
      ["oauth.client.created", "oauth.client.secret_rotated", "oauth.client.disabled"].map((t) => ({
        event_type: t,
        actor_id: admin.userId,
      })),
    );
  });

  it("stores only SHA-256 hashes of client secrets and codes", async () => {
    const client = await registerClient(admin);
    const rows = await serverSql<{ secret_hash: string }>("SELECT secret_hash FROM oauth_clients WHERE id = $1", [client.id]);
    expect(rows[0]!.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]!.secret_hash).not.toContain(client.secret!);
    const flow = await codeFor(configA);
    const code = flow.callback.searchParams.get("code")!;
    expect(await serverSql("SELECT 1 FROM oauth_authorization_codes WHERE code_hash = $1", [code])).toHaveLength(0);
  });

  it("refuses an expired code", async () => {
    const flow = await codeFor(configA);
    await serverSql(
      "UPDATE oauth_authorization_codes SET created_at = created_at - interval '2 minutes', expires_at = now() - interval '1 second' WHERE used_at IS NULL AND client_id = $1",
      [clientA.id],
    );
    expect(await oauthErrorOf(grant(configA, flow))).toBe("invalid_grant");
  });

  it("rate limits the token endpoint per IP (429 with Retry-After)", async () => {
    const fetcher = serverFetch();
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 301 && !retryAfter; i++) {
      const res = await fetcher(`${TEST_APP_URL}/api/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=x",
        redirect: "manual",
      });
      statuses.push(res.status);
      retryAfter = res.headers.get("retry-after");
    }
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.filter((s) => s === 429)).toHaveLength(1);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });
});
