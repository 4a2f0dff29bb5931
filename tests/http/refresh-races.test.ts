/**
 * Refresh-token rotation against the running server: rotation (#37), reuse detection (#38),
 * the grace window (#39), truly parallel refreshes (#40), token types kept apart (#41), the
 * family's idle and absolute expiry (#42), the rate limit (#43), and revocation of a session
 * ending its family at once (#33, #34). Time moves with the client's `now` (x-test-now).
 */
import { describe, expect, it } from "vitest";
import { createHash, randomBytes } from "node:crypto";
import { decodeJwt } from "jose";
import { Client, GOOD_PASSWORD, serverSql, signedInClient, uniqueEmail } from "../support/http";

const COOKIE = "__Host-portcullis_session";
const SECOND = 1000;
const DAY = 86_400_000;
const GRACE_SECONDS = 10;
const IDLE_DAYS = 7;
const ABSOLUTE_DAYS = 30;
const REFRESH_LIMIT = 150;
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

interface Pair {
  accessToken: string;
  refreshToken: string;
  refreshExpiresAt: string;
}

/** A fresh user with a token pair from email + password, issued at `now`. */
async function pairFor(now?: number): Promise<{ client: Client; pair: Pair; sid: string; userId: string; email: string }> {
  const email = uniqueEmail("refresh");
  const client = new Client();
  if (now !== undefined) client.now = now;
  expect((await client.post("/api/auth/register", { email, password: GOOD_PASSWORD })).status).toBe(201);
  const res = await client.post("/api/auth/token", { email, password: GOOD_PASSWORD });
  expect(res.status).toBe(200);
  const claims = decodeJwt(res.body.accessToken);
  return { client, pair: res.body, sid: claims.sid as string, userId: claims.sub as string, email };
}

function refresh(client: Client, refreshToken: string, now?: number) {
  return client.post("/api/auth/token/refresh", { refreshToken }, now === undefined ? {} : { now });
}

async function familyRows(sid: string) {
  return serverSql<{ id: string; parent_id: string | null; token_hash: string; used_at: string | null; revoked_at: string | null }>(
    "SELECT id::text, parent_id::text, token_hash, used_at, revoked_at FROM refresh_tokens WHERE session_id = $1 ORDER BY refresh_tokens.id",
    [sid],
  );
}

async function liveCount(sid: string): Promise<number> {
  const rows = await serverSql(
    "SELECT count(*)::int AS n FROM refresh_tokens WHERE session_id = $1 AND used_at IS NULL AND revoked_at IS NULL",
    [sid],
  );
  return rows[0].n;
}

/** A cookie for the family's own session row (white-box: a known secret is written to it). */
async function cookieForSession(sid: string): Promise<Client> {
  const secret = randomBytes(32).toString("base64url");
  await serverSql("UPDATE sessions SET secret_hash = $1 WHERE id = $2", [sha256(secret), sid]);
  const client = new Client();
  client.jar.set(COOKIE, `${sid}.${secret}`);
  return client;
}

describe("rotation (#37)", () => {
  it("R0 -> R1 -> R2 -> R3: each refresh answers 200 with a new distinct token; R0-R2 end up used and only R3 is live", async () => {
    const { client, pair, sid } = await pairFor();
    const tokens = [pair.refreshToken];
    for (let i = 0; i < 3; i++) {
      const res = await refresh(client, tokens[i]!);
      expect(res.status).toBe(200);
      expect(res.body.tokenType).toBe("Bearer");
      expect(decodeJwt(res.body.accessToken).sid).toBe(sid);
      tokens.push(res.body.refreshToken);
    }
    expect(new Set(tokens).size).toBe(4);
    const rows = await familyRows(sid);
    expect(rows.map((r) => r.token_hash)).toEqual(tokens.map(sha256));
    expect(rows.slice(0, 3).every((r) => r.used_at !== null)).toBe(true);
    expect(rows[3]!.used_at).toBeNull();
    expect(rows.map((r) => r.parent_id)).toEqual([null, rows[0]!.id, rows[1]!.id, rows[2]!.id]);
    expect(await liveCount(sid)).toBe(1);
    const audit = await serverSql("SELECT count(*)::int AS n FROM audit_logs WHERE session_id = $1 AND event_type = 'refresh.rotated'", [
      sid,
    ]);
    expect(audit[0].n).toBe(3);
  });

  it("re-reads the user's roles at every refresh", async () => {
    const { client, pair, userId } = await pairFor();
    expect(decodeJwt(pair.accessToken).roles).not.toContain("support");
    await serverSql("INSERT INTO user_roles (user_id, role_id) SELECT $1, id FROM roles WHERE name = 'support'", [userId]);
    const res = await refresh(client, pair.refreshToken);
    expect(decodeJwt(res.body.accessToken).roles).toContain("support");
  });

  it("slides the family's idle expiry at each refresh (refresh activity is session activity)", async () => {
    const base = Date.now();
    const { client, pair, sid } = await pairFor(base);
    const res = await refresh(client, pair.refreshToken, base + 3 * DAY);
    expect(res.status).toBe(200);
    expect(Date.parse(res.body.refreshExpiresAt)).toBe(base + 3 * DAY + IDLE_DAYS * DAY);
    const [session] = await serverSql("SELECT last_activity_at, idle_expires_at FROM sessions WHERE id = $1", [sid]);
    expect(Date.parse(session.last_activity_at)).toBe(base + 3 * DAY);
    expect(Date.parse(session.idle_expires_at)).toBe(base + 3 * DAY + IDLE_DAYS * DAY);
  });
});

describe("parallel refreshes (#40)", () => {
  it("20 parallel refreshes with the same token all answer 200 with the same successor; the family ends with exactly one live token", async () => {
    const { pair, sid } = await pairFor();
    const clients = Array.from({ length: 20 }, () => new Client());
    const results = await Promise.all(clients.map((c) => refresh(c, pair.refreshToken)));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    const successors = new Set(results.map((r) => r.body.refreshToken));
    expect(successors.size).toBe(1);
    const [successor] = [...successors];
    expect(successor).not.toBe(pair.refreshToken);
    const rows = await familyRows(sid);
    expect(rows).toHaveLength(2);
    expect(rows.filter((r) => r.parent_id === rows[0]!.id)).toHaveLength(1);
    expect(rows[1]!.token_hash).toBe(sha256(successor!));
    expect(await liveCount(sid)).toBe(1);
    const [session] = await serverSql("SELECT revoked_at FROM sessions WHERE id = $1", [sid]);
    expect(session.revoked_at).toBeNull();
    const reuse = await serverSql(
      "SELECT count(*)::int AS n FROM audit_logs WHERE session_id = $1 AND event_type = 'refresh.reuse_detected'",
      [sid],
    );
    expect(reuse[0].n).toBe(0);
    const next = await refresh(new Client(), successor!);
    expect(next.status).toBe(200);
  });
});

describe("grace window (#39)", () => {
  it("re-presenting R0 within the grace window returns exactly R1: no new token, nothing revoked", async () => {
    const base = Date.now();
    const { client, pair, sid } = await pairFor(base);
    const first = await refresh(client, pair.refreshToken, base + SECOND);
    expect(first.status).toBe(200);
    const retry = await refresh(client, pair.refreshToken, base + SECOND + (GRACE_SECONDS - 1) * SECOND);
    expect(retry.status).toBe(200);
    expect(retry.body.refreshToken).toBe(first.body.refreshToken);
    expect(decodeJwt(retry.body.accessToken).sid).toBe(sid);
    expect(await familyRows(sid)).toHaveLength(2);
    expect(await liveCount(sid)).toBe(1);
    const [session] = await serverSql("SELECT revoked_at FROM sessions WHERE id = $1", [sid]);
    expect(session.revoked_at).toBeNull();
    const next = await refresh(client, first.body.refreshToken, base + 12 * SECOND);
    expect(next.status).toBe(200);
  });

  it("presenting R0 once R2 exists revokes the family, even inside the grace window: grace covers only the immediate parent's live child", async () => {
    const base = Date.now();
    const { client, pair, sid } = await pairFor(base);
    const r1 = await refresh(client, pair.refreshToken, base + SECOND);
    const r2 = await refresh(client, r1.body.refreshToken, base + 2 * SECOND);
    expect(r2.status).toBe(200);
    const reuse = await refresh(client, pair.refreshToken, base + 3 * SECOND);
    expect(reuse.status).toBe(401);
    expect(reuse.body.error.code).toBe("refresh_token_reused");
    expect((await refresh(client, r2.body.refreshToken, base + 4 * SECOND)).status).toBe(401);
    const [session] = await serverSql("SELECT revoked_reason FROM sessions WHERE id = $1", [sid]);
    expect(session.revoked_reason).toBe("refresh_reuse");
  });
});

describe("reuse detection (#38)", () => {
  it("R0 reused after the grace window: 401 refresh_token_reused, R3 is dead, the family's session is revoked (its cookie 401s) and the reuse is audited with IP and user agent", async () => {
    const base = Date.now();
    const { client, pair, sid, userId } = await pairFor(base);
    const sessionClient = await cookieForSession(sid);
    expect((await sessionClient.get("/api/auth/session", { now: base + SECOND })).status).toBe(200);
    let token = pair.refreshToken;
    for (let i = 1; i <= 3; i++) {
      const res = await refresh(client, token, base + i * SECOND);
      expect(res.status).toBe(200);
      token = res.body.refreshToken;
    }
    const attacker = new Client();
    const reuse = await refresh(attacker, pair.refreshToken, base + (GRACE_SECONDS + 5) * SECOND);
    expect(reuse.status).toBe(401);
    expect(reuse.body.error.code).toBe("refresh_token_reused");

    const r3 = await refresh(client, token, base + (GRACE_SECONDS + 6) * SECOND);
    expect(r3.status).toBe(401);
    expect(r3.body.error.code).toBe("invalid_refresh_token");
    expect((await sessionClient.get("/api/auth/session", { now: base + (GRACE_SECONDS + 7) * SECOND })).status).toBe(401);
    const [session] = await serverSql("SELECT revoked_reason FROM sessions WHERE id = $1", [sid]);
    expect(session.revoked_reason).toBe("refresh_reuse");
    expect((await familyRows(sid)).every((r) => r.revoked_at !== null)).toBe(true);

    const audit = await serverSql(
      "SELECT result, actor_id, session_id, host(ip) AS ip, user_agent, details FROM audit_logs WHERE session_id = $1 AND event_type = 'refresh.reuse_detected'",
      [sid],
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ result: "failure", actor_id: userId, session_id: sid, ip: attacker.ip });
    expect(audit[0].user_agent).toEqual(expect.any(String));
    expect(audit[0].details).toMatchObject({ familyId: sid, reason: "successor_already_used" });
    expect(JSON.stringify(audit[0].details)).not.toContain(pair.refreshToken);
  });

  it("R0 reused after the grace window while R1 is still unused also revokes the family", async () => {
    const base = Date.now();
    const { client, pair, sid } = await pairFor(base);
    const r1 = await refresh(client, pair.refreshToken, base + SECOND);
    expect(r1.status).toBe(200);
    const reuse = await refresh(client, pair.refreshToken, base + SECOND + (GRACE_SECONDS + 1) * SECOND);
    expect(reuse.status).toBe(401);
    expect(reuse.body.error.code).toBe("refresh_token_reused");
    expect((await refresh(client, r1.body.refreshToken, base + 30 * SECOND)).status).toBe(401);
    const audit = await serverSql("SELECT details FROM audit_logs WHERE session_id = $1 AND event_type = 'refresh.reuse_detected'", [sid]);
    expect(audit[0].details.reason).toBe("outside_grace_window");
  });
});

describe("token types are kept apart (#41)", () => {
  it("a refresh token is never accepted as a session cookie or a Bearer session token: 401", async () => {
    const { pair } = await pairFor();
    const asCookie = new Client();
    asCookie.jar.set(COOKIE, pair.refreshToken);
    const cookieRes = await asCookie.get("/api/auth/session");
    expect(cookieRes.status).toBe(401);
    expect(cookieRes.body.error.code).toBe("unauthenticated");
    const bearer = await new Client().get("/api/auth/session", { headers: { authorization: `Bearer ${pair.refreshToken}` } });
    expect(bearer.status).toBe(401);
    const accessAsSession = await new Client().get("/api/auth/session", { headers: { authorization: `Bearer ${pair.accessToken}` } });
    expect(accessAsSession.status).toBe(401);
  });

  it("a session token sent to /refresh is refused with 400 invalid_request (it does not have a refresh token's shape)", async () => {
    const { client } = await signedInClient();
    const res = await new Client().post("/api/auth/token/refresh", { refreshToken: client.sessionToken() });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_request");
    expect((await client.get("/api/auth/session")).status).toBe(200);
  });
});

describe("family expiry follows the session (#42)", () => {
  it("refuses a family left idle longer than the idle timeout", async () => {
    const base = Date.now();
    const { client, pair } = await pairFor(base);
    const res = await refresh(client, pair.refreshToken, base + IDLE_DAYS * DAY + SECOND);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("invalid_refresh_token");
  });

  it("keeps a family refreshed every 6 days alive until the absolute timeout, then refuses it even right after a rotation", async () => {
    const base = Date.now();
    const { client, pair, sid } = await pairFor(base);
    let token = pair.refreshToken;
    let last = 0;
    for (let day = 6; day < ABSOLUTE_DAYS; day += 6) {
      const res = await refresh(client, token, base + day * DAY);
      expect(res.status).toBe(200);
      token = res.body.refreshToken;
      last = day;
    }
    const nearEnd = await refresh(client, token, base + ABSOLUTE_DAYS * DAY - 60 * SECOND);
    expect(nearEnd.status).toBe(200);
    expect(Date.parse(nearEnd.body.refreshExpiresAt)).toBe(base + ABSOLUTE_DAYS * DAY);
    expect(last).toBe(24);
    const past = await refresh(client, nearEnd.body.refreshToken, base + ABSOLUTE_DAYS * DAY + SECOND);
    expect(past.status).toBe(401);
    expect(past.body.error.code).toBe("invalid_refresh_token");
    const [session] = await serverSql("SELECT absolute_expires_at FROM sessions WHERE id = $1", [sid]);
    expect(Date.parse(session.absolute_expires_at)).toBe(base + ABSOLUTE_DAYS * DAY);
  });
});

describe("rate limit (#43)", () => {
  it(`answers 429 with Retry-After after ${REFRESH_LIMIT} refreshes from one IP within the window; another IP is not limited`, async () => {
    const client = new Client();
    const now = Date.now();
    const unknown = randomBytes(32).toString("base64url");
    for (let i = 0; i < REFRESH_LIMIT; i++) {
      const res = await refresh(client, unknown, now);
      expect(res.status).toBe(401);
    }
    const limited = await refresh(client, unknown, now);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("too_many_requests");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(limited.headers.get("retry-after"))).toBeLessThanOrEqual(300);
    expect((await refresh(new Client(), unknown, now)).status).toBe(401);
    const spoofed = await client.post(
      "/api/auth/token/refresh",
      { refreshToken: unknown },
      { now, headers: { "x-forwarded-for": "203.0.113.9" } },
    );
    expect(spoofed.status).toBe(429);
  });
});

describe("revoking the session ends the family at once (#33, #34)", () => {
  it("signing out the family's session (POST /api/auth/logout with its cookie) ends the family", async () => {
    const { client, pair, sid } = await pairFor();
    const sessionClient = await cookieForSession(sid);
    expect((await sessionClient.post("/api/auth/logout")).status).toBe(204);
    const res = await refresh(client, pair.refreshToken);
    expect(res.status).toBe(401);
    expect(await liveCount(sid)).toBe(0);
  });

  it("sign out everywhere ends every family of the user, including ones exchanged from the cookie", async () => {
    const { client, email, password } = await signedInClient();
    const fromCookie = await client.post("/api/auth/token");
    const fromPassword = await new Client().post("/api/auth/token", { email, password });
    expect(fromPassword.status).toBe(200);
    expect((await client.post("/api/auth/logout-all")).status).toBe(200);
    for (const pair of [fromCookie.body, fromPassword.body]) {
      const res = await refresh(new Client(), pair.refreshToken);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe("invalid_refresh_token");
    }
  });

  it("revoking the family's session by id (DELETE /api/auth/sessions/:id) ends the family; the browser session stays", async () => {
    const { client } = await signedInClient();
    const pair = await client.post("/api/auth/token");
    const sid = decodeJwt(pair.body.accessToken).sid as string;
    const listed = await client.get("/api/auth/sessions");
    expect(JSON.stringify(listed.body)).toContain(sid);
    expect((await client.delete(`/api/auth/sessions/${sid}`)).status).toBe(204);
    expect((await refresh(new Client(), pair.body.refreshToken)).status).toBe(401);
    expect((await client.get("/api/auth/session")).status).toBe(200);
  });

  it("a family exchanged from the cookie is its own session: signing the browser out leaves it, until sign out everywhere or revocation by id", async () => {
    const { client, email, password } = await signedInClient();
    const pair = await client.post("/api/auth/token");
    expect((await client.post("/api/auth/logout")).status).toBe(204);
    const refreshed = await refresh(new Client(), pair.body.refreshToken);
    expect(refreshed.status).toBe(200);
    const other = new Client();
    expect((await other.post("/api/auth/login", { email, password })).status).toBe(200);
    expect((await other.post("/api/auth/logout-all")).status).toBe(200);
    expect((await refresh(new Client(), refreshed.body.refreshToken)).status).toBe(401);
  });

  it("a password change ends the user's families", async () => {
    const { client, password } = await signedInClient();
    const pair = await client.post("/api/auth/token");
    const change = await client.post("/api/auth/password/change", {
      currentPassword: password,
      newPassword: "another long passphrase for the tests",
    });
    expect(change.status).toBe(200);
    expect((await refresh(new Client(), pair.body.refreshToken)).status).toBe(401);
  });
});
