/**
 * The token routes over HTTP: POST /api/auth/token (credentials or session cookie),
 * GET /.well-known/jwks.json, POST /api/auth/token/revoke, and the error codes of the token
 * routes. Access tokens are checked with the edge helper against the server's own JWKS.
 * Rotation, reuse, races and expiry are in refresh-races.test.ts.
 */
import { describe, expect, it } from "vitest";
import { createHash, randomBytes } from "node:crypto";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { Client, GOOD_PASSWORD, baseUrl, serverSql, signedInClient, uniqueEmail } from "../support/http";
import { TEST_APP_URL } from "../support/env";
import { createAccessTokenVerifier } from "../../lib/tokens/verify-access-token";

const COOKIE = "__Host-portcullis_session";
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

function verifier() {
  return createAccessTokenVerifier({ jwksUrl: `${baseUrl()}/.well-known/jwks.json`, issuer: TEST_APP_URL, audience: "portcullis" });
}

async function registered(): Promise<{ email: string; client: Client }> {
  const email = uniqueEmail("tokens");
  const client = new Client();
  const res = await client.post("/api/auth/register", { email, password: GOOD_PASSWORD });
  expect(res.status).toBe(201);
  return { email, client };
}

function expectPairShape(body: any): void {
  expect(Object.keys(body).sort()).toEqual(["accessToken", "expiresIn", "refreshExpiresAt", "refreshToken", "tokenType"]);
  expect(body.tokenType).toBe("Bearer");
  expect(body.expiresIn).toBe(300);
  expect(body.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(Buffer.from(body.refreshToken, "base64url")).toHaveLength(32);
  expect(Number.isNaN(Date.parse(body.refreshExpiresAt))).toBe(false);
}

describe("POST /api/auth/token with email and password", () => {
  it("returns an access JWT the edge helper verifies, bound to a new session, and an opaque refresh token stored only as SHA-256", async () => {
    const { email, client } = await registered();
    const res = await client.post("/api/auth/token", { email, password: GOOD_PASSWORD });
    expect(res.status).toBe(200);
    expectPairShape(res.body);
    expect(res.headers.get("cache-control")).toContain("no-store");
    expect(res.headers.getSetCookie().some((l) => l.startsWith(`${COOKIE}=`))).toBe(false);

    const verdict = await verifier().verify(res.body.accessToken);
    expect(verdict.ok).toBe(true);
    if (!verdict.ok) return;
    const claims = verdict.claims;
    expect(claims).toMatchObject({ iss: TEST_APP_URL, aud: "portcullis", aal: 1, amr: ["pwd"] });
    expect(claims.exp - claims.iat).toBe(300);
    const [user] = await serverSql("SELECT id FROM users WHERE email = $1", [email]);
    expect(claims.sub).toBe(user.id);

    const [session] = await serverSql("SELECT user_id, aal, revoked_at, idle_expires_at FROM sessions WHERE id = $1", [claims.sid]);
    expect(session).toMatchObject({ user_id: user.id, aal: 1, revoked_at: null });
    expect(new Date(session.idle_expires_at).toISOString()).toBe(res.body.refreshExpiresAt);

    const rows = await serverSql(
      "SELECT session_id, user_id, parent_id, token_hash, used_at, revoked_at, successor_sealed FROM refresh_tokens WHERE user_id = $1",
      [user.id],
    );
    expect(rows).toEqual([
      {
        session_id: claims.sid,
        user_id: user.id,
        parent_id: null,
        token_hash: sha256(res.body.refreshToken),
        used_at: null,
        revoked_at: null,
        successor_sealed: null,
      },
    ]);
    const leaks = await serverSql("SELECT count(*)::int AS n FROM refresh_tokens r WHERE r::text LIKE '%' || $1 || '%'", [
      res.body.refreshToken,
    ]);
    expect(leaks[0].n).toBe(0);
    const audit = await serverSql("SELECT event_type, details FROM audit_logs WHERE session_id = $1 AND event_type = 'token.issued'", [
      claims.sid,
    ]);
    expect(audit).toEqual([{ event_type: "token.issued", details: { source: "password", aal: 1 } }]);
    expect(JSON.stringify(await serverSql("SELECT details FROM audit_logs WHERE target_id = $1", [user.id]))).not.toContain(
      res.body.refreshToken,
    );
  });

  it("answers a wrong password with 401 invalid_credentials and issues nothing", async () => {
    const { email, client } = await registered();
    const res = await client.post("/api/auth/token", { email, password: "not the right passphrase at all" });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("invalid_credentials");
    const rows = await serverSql("SELECT count(*)::int AS n FROM refresh_tokens r JOIN users u ON u.id = r.user_id WHERE u.email = $1", [
      email,
    ]);
    expect(rows[0].n).toBe(0);
  });

  it("returns the MFA challenge (purpose token) instead of tokens when the account has a second factor", async () => {
    const { email, client } = await registered();
    const [user] = await serverSql("SELECT id FROM users WHERE email = $1", [email]);
    await serverSql(
      "INSERT INTO mfa_factors (user_id, status, encrypted_secret, confirmed_at) VALUES ($1, 'active', 'v1.k.aaaa.bbbb', now())",
      [user.id],
    );
    const res = await client.post("/api/auth/token", { email, password: GOOD_PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "mfa_required", challenge: expect.stringMatching(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/) });
    expect(res.body.accessToken).toBeUndefined();
    expect(res.body.refreshToken).toBeUndefined();
    const challenges = await serverSql("SELECT purpose FROM mfa_challenges WHERE user_id = $1", [user.id]);
    expect(challenges).toEqual([{ purpose: "token" }]);
    expect((await serverSql("SELECT count(*)::int AS n FROM refresh_tokens WHERE user_id = $1", [user.id]))[0].n).toBe(0);
  });
});

describe("POST /api/auth/token with the session cookie", () => {
  it("issues a pair on a NEW session of the same user, aal and amr, capped at the cookie session's absolute expiry; the cookie is unchanged", async () => {
    const { client, userId } = await signedInClient();
    const cookieSessionId = client.sessionToken()!.split(".")[0]!;
    const before = client.sessionToken();
    const res = await client.post("/api/auth/token");
    expect(res.status).toBe(200);
    expectPairShape(res.body);
    expect(client.sessionToken()).toBe(before);
    const claims = decodeJwt(res.body.accessToken);
    expect(claims.sub).toBe(userId);
    expect(claims.sid).not.toBe(cookieSessionId);
    const sessions = await serverSql("SELECT id, aal, amr, absolute_expires_at FROM sessions WHERE id = ANY($1) ORDER BY created_at", [
      [cookieSessionId, claims.sid],
    ]);
    expect(sessions).toHaveLength(2);
    expect(sessions[1].aal).toBe(sessions[0].aal);
    expect(sessions[1].amr).toEqual(sessions[0].amr);
    expect(new Date(sessions[1].absolute_expires_at).getTime()).toBeLessThanOrEqual(new Date(sessions[0].absolute_expires_at).getTime());
    expect((await client.get("/api/auth/session")).status).toBe(200);
    const audit = await serverSql("SELECT details FROM audit_logs WHERE session_id = $1 AND event_type = 'token.issued'", [claims.sid]);
    expect(audit[0].details).toEqual({ source: "session", aal: 1, derivedFromSessionId: cookieSessionId });
  });

  it("accepts {} as the body too, and answers 401 unauthenticated without a session", async () => {
    const { client } = await signedInClient();
    expect((await client.post("/api/auth/token", {})).status).toBe(200);
    const anonymous = await new Client().post("/api/auth/token", {});
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe("unauthenticated");
  });

  it("keeps the family alive when the cookie session is rotated by a re-authentication", async () => {
    const { client, password } = await signedInClient();
    const pair = await client.post("/api/auth/token");
    const reauth = await client.post("/api/auth/reauth", { password });
    expect(reauth.status).toBe(200);
    const refreshed = await new Client().post("/api/auth/token/refresh", { refreshToken: pair.body.refreshToken });
    expect(refreshed.status).toBe(200);
  });
});

describe("GET /.well-known/jwks.json", () => {
  it("publishes the public signing keys with kid, cacheable for five minutes, and the kid that signs access tokens is among them", async () => {
    const res = await new Client().get("/.well-known/jwks.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    expect(res.body.keys.length).toBeGreaterThanOrEqual(1);
    for (const key of res.body.keys) {
      expect(key.kid).toEqual(expect.any(String));
      expect(["EdDSA", "ES256", "RS256"]).toContain(key.alg); // RS256: OpenID Connect ID tokens
      expect(key.use).toBe("sig");
      for (const secret of ["d", "p", "q", "dp", "dq", "qi", "k"]) expect(key).not.toHaveProperty(secret);
    }
    const { email, client } = await registered();
    const pair = await client.post("/api/auth/token", { email, password: GOOD_PASSWORD });
    const header = decodeProtectedHeader(pair.body.accessToken);
    expect(header.typ).toBe("at+jwt");
    expect(res.body.keys.map((k: { kid: string }) => k.kid)).toContain(header.kid);
  });
});

describe("POST /api/auth/token/revoke", () => {
  it("ends the token's family and its session at once, and says 200 {} alike for valid, unknown and malformed tokens", async () => {
    const { client } = await signedInClient();
    const pair = await client.post("/api/auth/token");
    const sid = decodeJwt(pair.body.accessToken).sid as string;
    const api = new Client();
    const unknown = await api.post("/api/auth/token/revoke", { refreshToken: randomBytes(32).toString("base64url") });
    const malformed = await api.post("/api/auth/token/revoke", { refreshToken: client.sessionToken() });
    const valid = await api.post("/api/auth/token/revoke", { refreshToken: pair.body.refreshToken });
    const again = await api.post("/api/auth/token/revoke", { refreshToken: pair.body.refreshToken });
    for (const res of [unknown, malformed, valid, again]) {
      expect(res.status).toBe(200);
      expect(res.body).toEqual({});
    }
    const refresh = await api.post("/api/auth/token/refresh", { refreshToken: pair.body.refreshToken });
    expect(refresh.status).toBe(401);
    expect(refresh.body.error.code).toBe("invalid_refresh_token");
    const [session] = await serverSql("SELECT revoked_reason FROM sessions WHERE id = $1", [sid]);
    expect(session.revoked_reason).toBe("token_revoked");
    const live = await serverSql("SELECT count(*)::int AS n FROM refresh_tokens WHERE session_id = $1 AND revoked_at IS NULL", [sid]);
    expect(live[0].n).toBe(0);
    const audit = await serverSql("SELECT count(*)::int AS n FROM audit_logs WHERE session_id = $1 AND event_type = 'token.revoked'", [
      sid,
    ]);
    expect(audit[0].n).toBe(1);
    expect((await client.get("/api/auth/session")).status).toBe(200);
  });
});

describe("token route errors", () => {
  it.each([
    ["/api/auth/token", { email: "not-an-email", password: "x" }, 400, "invalid_request"],
    ["/api/auth/token", { email: "a@example.com" }, 400, "invalid_request"],
    ["/api/auth/token", { email: "a@example.com", password: "x", extra: 1 }, 400, "invalid_request"],
    ["/api/auth/token", { email: "nobody-tokens@example.com", password: "x".repeat(300) }, 401, "invalid_credentials"],
    ["/api/auth/token/refresh", {}, 400, "invalid_request"],
    ["/api/auth/token/refresh", { refreshToken: "short" }, 400, "invalid_request"],
    ["/api/auth/token/refresh", { refreshToken: randomBytes(32).toString("base64url") }, 401, "invalid_refresh_token"],
    ["/api/auth/token/revoke", {}, 400, "invalid_request"],
  ])("POST %s %j -> %i %s", async (path, body, status, code) => {
    const res = await new Client().post(path, body);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
  });

  it("refuses non-JSON bodies (415) and cross-site requests (403)", async () => {
    const client = new Client();
    const text = await client.post("/api/auth/token/refresh", undefined, {
      body: "refreshToken=x",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(text.status).toBe(415);
    const crossSite = await client.post(
      "/api/auth/token/refresh",
      { refreshToken: randomBytes(32).toString("base64url") },
      { headers: { origin: "https://evil.example" } },
    );
    expect(crossSite.status).toBe(403);
    expect(crossSite.body.error.code).toBe("cross_site_request");
  });

  it("accepts a server-to-server refresh without Origin or cookies", async () => {
    const { email, client } = await registered();
    const pair = await client.post("/api/auth/token", { email, password: GOOD_PASSWORD });
    const res = await fetch(`${baseUrl()}/api/auth/token/refresh`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-real-ip": client.ip },
      body: JSON.stringify({ refreshToken: pair.body.refreshToken }),
    });
    expect(res.status).toBe(200);
  });
});
