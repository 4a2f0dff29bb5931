/**
 * The admin API over HTTP: listing and search with cursors, account detail, disable (#32),
 * enable, unlock, session revocation (#34), role changes (#63), re-authentication and audit
 * of every action (#64), the password-reset email (#64), audit search and security alerts (#65).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { TEST_APP_URL, TEST_CRON_SECRET } from "../support/env";
import { Client, GOOD_PASSWORD, latestMail, serverSql, signedInClient, tokenFromMail, uniqueEmail, type HttpResult } from "../support/http";
import { ROUTES } from "../../lib/http/route-manifest";
import {
  SESSION_COOKIE,
  auditRows,
  clientFor,
  grantRole,
  insertUser,
  mintSession,
  signedInAdmin,
  enrolTotp,
  type MfaPrincipal,
} from "../support/principals";

const MINUTE = 60_000;
const REAUTH_WINDOW_MS = 600_000;
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const subjectOf = (email: string) => sha256(email.trim().toLowerCase());

/** Every admin response body seen by this file, to prove none carries a password or a hash. */
const seen: string[] = [];
async function record<T>(pending: Promise<HttpResult<T>>): Promise<HttpResult<T>> {
  const res = await pending;
  seen.push(res.text);
  return res;
}

let admin: MfaPrincipal;
beforeAll(async () => {
  admin = await signedInAdmin();
});

const adminGet = (path: string, options = {}) => record(admin.client.get(path, options));
const adminPost = (path: string, json?: unknown, options = {}) => record(admin.client.post(path, json, options));
const adminDelete = (path: string, options = {}) => record(admin.client.delete(path, options));

async function signIn(email: string, password = GOOD_PASSWORD): Promise<Client> {
  const client = new Client();
  const res = await client.post("/api/auth/login", { email, password });
  expect(res.status).toBe(200);
  return client;
}

describe("GET /api/admin/users", () => {
  it("lists newest first with an opaque cursor that neither skips nor repeats rows created in the same millisecond", async () => {
    const tag = `list${randomBytes(4).toString("hex")}`;
    const base = "2031-03-04T05:06:07.123";
    // two rows in the same microsecond (ordered by id), two within one millisecond, one older
    const stamps = [`${base}400Z`, `${base}400Z`, `${base}900Z`, `${base}100Z`, "2031-03-04T05:06:06.000000Z"];
    for (const [i, at] of stamps.entries()) {
      await serverSql("INSERT INTO users (email, created_at) VALUES ($1, $2)", [`${tag}-${i}@example.com`, at]);
    }
    const expected = await serverSql<{ id: string }>("SELECT id FROM users WHERE email LIKE $1 ORDER BY created_at DESC, id DESC", [
      `${tag}-%`,
    ]);
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `/api/admin/users?q=${tag}&limit=2${cursor ? `&cursor=${cursor}` : ""}`;
      const res = await adminGet(query);
      expect(res.status).toBe(200);
      expect(res.body.users.length).toBeLessThanOrEqual(2);
      ids.push(...res.body.users.map((u: { id: string }) => u.id));
      cursor = res.body.nextCursor;
      if (cursor) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(ids).toEqual(expected.map((r) => r.id));
  });

  it("searches by part of the email (LIKE wildcards taken literally), by id, by status and by role", async () => {
    const tag = `srch${randomBytes(4).toString("hex")}`;
    const [literal] = await serverSql<{ id: string }>("INSERT INTO users (email) VALUES ($1) RETURNING id", [`${tag}a_b@example.com`]);
    await serverSql("INSERT INTO users (email) VALUES ($1)", [`${tag}axb@example.com`]);
    const [disabled] = await serverSql<{ id: string }>(
      "INSERT INTO users (email, status, disabled_at) VALUES ($1, 'disabled', now()) RETURNING id",
      [`${tag}off@example.com`],
    );
    await grantRole(disabled!.id, "support");

    const byText = await adminGet(`/api/admin/users?q=${tag}a_b`);
    expect(byText.body.users.map((u: { id: string }) => u.id)).toEqual([literal!.id]);
    const byId = await adminGet(`/api/admin/users?q=${disabled!.id.toUpperCase()}`);
    expect(byId.body.users).toEqual([
      expect.objectContaining({ id: disabled!.id, status: "disabled", roles: ["support"], emailVerified: false }),
    ]);
    const byStatus = await adminGet(`/api/admin/users?q=${tag}&status=disabled`);
    expect(byStatus.body.users.map((u: { id: string }) => u.id)).toEqual([disabled!.id]);
    const byRole = await adminGet(`/api/admin/users?q=${tag}&role=support`);
    expect(byRole.body.users.map((u: { id: string }) => u.id)).toEqual([disabled!.id]);
    expect(Object.keys(byId.body.users[0]).sort()).toEqual([
      "createdAt",
      "disabledAt",
      "email",
      "emailVerified",
      "id",
      "name",
      "roles",
      "status",
    ]);
  });

  it.each([
    ["a cursor that is not one", "cursor=bm90LWEtY3Vyc29y", 400, "invalid_cursor"],
    [
      "an audit cursor",
      `cursor=${Buffer.from(JSON.stringify(["2030-01-01T00:00:00.000000Z", "12"])).toString("base64url")}`,
      400,
      "invalid_cursor",
    ],
    ["a limit above 100", "limit=101", 400, "invalid_request"],
    ["an unknown parameter", "password=x", 400, "invalid_request"],
    ["a repeated parameter", "q=a&q=b", 400, "invalid_request"],
    ["an unknown status", "status=banned", 400, "invalid_request"],
  ])("refuses %s (%s) with %i %s", async (_name, query, status, code) => {
    const res = await adminGet(`/api/admin/users?${query}`);
    expect([res.status, res.body.error.code]).toEqual([status, code]);
  });
});

describe("GET /api/admin/users/[id]", () => {
  it("shows the account's security state from user_security_status, with no password or hash", async () => {
    const { userId, email } = await signedInClient();
    const lockedUntil = new Date(Date.now() + 10 * MINUTE).toISOString();
    await serverSql(
      "INSERT INTO login_throttles (subject_hash, failures, total_failures, lock_count, locked_until, last_failure_at) VALUES ($1, 0, 12, 1, $2, now())",
      [subjectOf(email), lockedUntil],
    );
    const res = await adminGet(`/api/admin/users/${userId}`);
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({
      id: userId,
      email,
      status: "active",
      roles: ["user"],
      emailVerified: false,
      disabledAt: null,
      security: {
        locked: true,
        lockedUntil,
        hardLocked: false,
        totalFailedLogins: 12,
        mfaEnabled: false,
        mfaLocked: false,
        activeSessionCount: 1,
        trustedDeviceCount: 0,
        backupCodesLeft: 0,
      },
    });
    expect(res.text).not.toMatch(/password_?hash|\$argon2/i);
  });

  it("answers 404 for an unknown id and for a malformed one", async () => {
    expect((await adminGet(`/api/admin/users/${randomUUID()}`)).status).toBe(404);
    expect((await adminGet("/api/admin/users/not-a-uuid")).status).toBe(404);
    expect((await adminGet("/api/admin/users/not-a-uuid/sessions")).status).toBe(404);
  });
});

describe("POST /api/admin/users/[id]/disable and /enable (#32)", () => {
  it("ends all three live sessions and every refresh family at once; sign-in then fails with the generic error", async () => {
    const first = await signedInClient();
    const clients = [first.client, await signIn(first.email), await signIn(first.email)];
    const refreshTokens: string[] = [];
    for (const c of clients) {
      expect((await c.get("/api/auth/session")).status).toBe(200);
      const pair = await c.post("/api/auth/token", {});
      expect(pair.status).toBe(200);
      refreshTokens.push(pair.body.refreshToken);
    }

    const res = await adminPost(`/api/admin/users/${first.userId}/disable`, { reason: "reported compromised" });
    expect(res.status).toBe(200);
    // three cookie sessions, and the session behind each token pair (a family is its own session)
    expect(res.body).toEqual({ id: first.userId, status: "disabled", sessionsRevoked: 6 });

    for (const c of clients) expect((await c.get("/api/auth/session")).status).toBe(401);
    for (const refreshToken of refreshTokens) {
      expect((await new Client().post("/api/auth/token/refresh", { refreshToken })).status).toBe(401);
    }
    const live = await serverSql<{ n: number }>("SELECT count(*)::int AS n FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL", [
      first.userId,
    ]);
    expect(live[0]!.n).toBe(0);
    const reasons = await serverSql<{ revoked_reason: string }>("SELECT DISTINCT revoked_reason FROM sessions WHERE user_id = $1", [
      first.userId,
    ]);
    expect(reasons.map((r) => r.revoked_reason)).toEqual(["user_disabled"]);

    const right = await new Client().post("/api/auth/login", { email: first.email, password: first.password });
    const wrong = await new Client().post("/api/auth/login", { email: first.email, password: "not the password at all!" });
    expect([right.status, right.body]).toEqual([401, wrong.body]);
    expect(right.headers.get("set-cookie")).toBeNull();

    const [row] = await serverSql<{ status: string; disabled_at: string | null; disabled_reason: string }>(
      "SELECT status, disabled_at, disabled_reason FROM users WHERE id = $1",
      [first.userId],
    );
    expect(row).toMatchObject({ status: "disabled", disabled_reason: "reported compromised" });
    expect(row!.disabled_at).not.toBeNull();
    expect((await adminPost(`/api/admin/users/${first.userId}/disable`, {})).body.error.code).toBe("already_disabled");

    const enabled = await adminPost(`/api/admin/users/${first.userId}/enable`);
    expect(enabled.status).toBe(200);
    expect((await clients[0]!.get("/api/auth/session")).status).toBe(401);
    expect((await new Client().post("/api/auth/login", { email: first.email, password: first.password })).status).toBe(200);
    const again = await adminPost(`/api/admin/users/${first.userId}/enable`);
    expect([again.status, again.body.error.code]).toEqual([409, "not_disabled"]);
  });

  it("refuses to let an administrator disable their own account", async () => {
    const res = await adminPost(`/api/admin/users/${admin.userId}/disable`, {});
    expect([res.status, res.body.error.code]).toEqual([409, "cannot_target_self"]);
    expect((await admin.client.get("/api/auth/session")).status).toBe(200);
  });

  it("accepts no field but an optional reason (no mass assignment)", async () => {
    const target = await insertUser();
    const res = await adminPost(`/api/admin/users/${target.id}/disable`, { reason: "x", status: "active", roles: ["admin"] });
    expect([res.status, res.body.error.code]).toEqual([400, "invalid_request"]);
    expect((await serverSql("SELECT status FROM users WHERE id = $1", [target.id]))[0].status).toBe("active");
  });
});

describe("POST /api/admin/users/[id]/unlock", () => {
  it("clears the sign-in lock and the second-factor lock, so the right password works again", async () => {
    const email = uniqueEmail("locked");
    expect((await new Client().post("/api/auth/register", { email, password: GOOD_PASSWORD })).status).toBe(201);
    const [user] = await serverSql<{ id: string }>("SELECT id FROM users WHERE email = $1", [email]);
    const until = new Date(Date.now() + 15 * MINUTE).toISOString();
    await serverSql(
      "INSERT INTO login_throttles (subject_hash, failures, total_failures, lock_count, locked_until, hard_locked, last_failure_at) VALUES ($1, 0, 100, 4, $2, true, now())",
      [subjectOf(email), until],
    );
    await serverSql("UPDATE users SET mfa_failed_count = 5, mfa_locked_until = $2 WHERE id = $1", [user!.id, until]);
    expect((await new Client().post("/api/auth/login", { email, password: GOOD_PASSWORD })).status).toBe(429);

    const res = await adminPost(`/api/admin/users/${user!.id}/unlock`);
    expect([res.status, res.body]).toEqual([200, { id: user!.id, signInUnlocked: true, mfaUnlocked: true }]);
    const detail = await adminGet(`/api/admin/users/${user!.id}`);
    expect(detail.body.user.security).toMatchObject({
      locked: false,
      hardLocked: false,
      mfaLocked: false,
      mfaFailedCount: 0,
      totalFailedLogins: 0,
    });
    expect((await new Client().post("/api/auth/login", { email, password: GOOD_PASSWORD })).status).toBe(200);
    const [audit] = await auditRows("user.unlocked", user!.id);
    expect(audit).toMatchObject({ actor_id: admin.userId, details: { signInUnlocked: true, mfaUnlocked: true } });
  });
});

describe("sessions of a user (#34)", () => {
  it("lists live sessions without token material, ends one (and only that user's), then all", async () => {
    const target = await insertUser();
    const other = await insertUser();
    const s1 = await mintSession(target.id);
    const s2 = await mintSession(target.id);
    const foreign = await mintSession(other.id);
    const holder = (token: string) => {
      const c = new Client();
      c.jar.set(SESSION_COOKIE, token);
      return c;
    };

    const list = await adminGet(`/api/admin/users/${target.id}/sessions`);
    expect(list.status).toBe(200);
    expect(list.body.sessions.map((s: { id: string }) => s.id).sort()).toEqual([s1.id, s2.id].sort());
    expect(list.text).not.toMatch(/secret|hash/i);
    expect(list.text).not.toContain(s1.token.split(".")[1]);

    const cross = await adminDelete(`/api/admin/users/${target.id}/sessions/${foreign.id}`);
    expect(cross.status).toBe(404);
    expect((await holder(foreign.token).get("/api/auth/session")).status).toBe(200);

    expect((await adminDelete(`/api/admin/users/${target.id}/sessions/${s1.id}`)).status).toBe(204);
    expect((await holder(s1.token).get("/api/auth/session")).status).toBe(401);
    expect((await holder(s2.token).get("/api/auth/session")).status).toBe(200);
    expect((await adminDelete(`/api/admin/users/${target.id}/sessions/${s1.id}`)).status).toBe(404);

    const all = await adminDelete(`/api/admin/users/${target.id}/sessions`);
    expect([all.status, all.body]).toEqual([200, { revoked: 1 }]);
    expect((await holder(s2.token).get("/api/auth/session")).status).toBe(401);
    expect((await holder(foreign.token).get("/api/auth/session")).status).toBe(200);

    const audits = await auditRows("session.revoked", target.id);
    expect(audits.map((a) => [a.actor_id, a.details.scope])).toEqual([
      [admin.userId, "all"],
      [admin.userId, "one"],
    ]);
    expect(audits[1]!.details.revokedSessionId).toBe(s1.id);
  });
});

describe("roles (#63)", () => {
  it("a promotion ends the user's sessions (old token 401, sign in again for the role); a demotion makes the very next admin call 403", async () => {
    const member = await signedInClient();
    const before = member.client.sessionToken()!;
    expect((await member.client.get("/api/admin/users?limit=1")).status).toBe(403);

    const granted = await adminPost(`/api/admin/users/${member.userId}/roles`, { role: "support" });
    expect([granted.status, granted.body]).toEqual([201, { id: member.userId, roles: ["support", "user"], changed: true }]);

    const stale = new Client();
    stale.jar.set(SESSION_COOKIE, before);
    expect((await stale.get("/api/admin/users?limit=1")).status).toBe(401);
    expect((await member.client.get("/api/auth/session")).status).toBe(401);
    const relogin = await member.client.post("/api/auth/login", { email: member.email, password: member.password });
    expect(relogin.status).toBe(200);
    // support requires MFA: the password-only session holds the role but cannot use it until a factor is enrolled
    const unenrolled = await member.client.get("/api/admin/users?limit=1");
    expect([unenrolled.status, unenrolled.body.error.code]).toEqual([403, "mfa_enrolment_required"]);
    await enrolTotp(member);
    expect((await member.client.get("/api/admin/users?limit=1")).status).toBe(200);

    const repeat = await adminPost(`/api/admin/users/${member.userId}/roles`, { role: "support" });
    expect([repeat.status, repeat.body.changed]).toEqual([200, false]);

    expect((await adminDelete(`/api/admin/users/${member.userId}/roles/support`)).status).toBe(204);
    const promotedToken = member.client.sessionToken()!;
    const demoted = await member.client.get("/api/admin/users?limit=1");
    expect([demoted.status, demoted.body.error.code]).toEqual([403, "forbidden"]);
    // the demotion rotated the session too, and the refusal carries the new cookie: refused, not signed out
    expect(member.client.sessionToken()).not.toBe(promotedToken);
    expect((await member.client.get("/api/auth/session")).status).toBe(200);
    expect((await adminDelete(`/api/admin/users/${member.userId}/roles/support`)).status).toBe(404);

    const changes = await auditRows("role.changed", member.userId);
    expect(changes.map((c) => [c.actor_id, c.details.action, c.details.role])).toEqual([
      [admin.userId, "removed", "support"],
      [admin.userId, "assigned", "support"],
    ]);
  });

  it.each([
    ["an unknown role", { role: "superuser" }, 404, "not_found"],
    ["a malformed role", { role: "Admin!" }, 400, "invalid_request"],
    ["extra fields", { role: "support", userId: "x", permissions: ["*"] }, 400, "invalid_request"],
  ])("refuses %s", async (_name, body, status, code) => {
    const target = await insertUser();
    const res = await adminPost(`/api/admin/users/${target.id}/roles`, body);
    expect([res.status, res.body.error.code]).toEqual([status, code]);
    expect(await serverSql("SELECT 1 FROM user_roles WHERE user_id = $1", [target.id])).toEqual([]);
  });

  it("lists the assignable roles and their permissions", async () => {
    const res = await adminGet("/api/admin/roles");
    expect(res.body.roles.map((r: { name: string }) => r.name)).toEqual(expect.arrayContaining(["admin", "support", "user"]));
    expect(res.body.roles.find((r: { name: string }) => r.name === "support").permissions).toEqual([
      "users:read",
      "sessions:revoke",
      "audit:read",
    ]);
  });
});

describe("re-authentication for destructive actions (#64)", () => {
  it("every state-changing admin route answers 403 reauth_required outside the window; reads still work", async () => {
    const stale = await clientFor(admin.userId, { reauthenticatedAt: new Date(Date.now() - REAUTH_WINDOW_MS - MINUTE), aal: 2 });
    const mutating = ROUTES.filter((r) => r.path.startsWith("/api/admin/") && r.mutates);
    expect(mutating.length).toBeGreaterThanOrEqual(8);
    for (const entry of mutating) {
      const target = await insertUser();
      const path = entry.path
        .replace("[id]", target.id)
        .replace("[sessionId]", randomBytes(16).toString("base64url"))
        .replace("[role]", "support");
      const body = entry.path.endsWith("/roles") ? { role: "support" } : {};
      const res = await record(stale.request(entry.method, path, entry.method === "POST" ? { json: body } : {}));
      expect([entry.path, res.status, res.body.error.code]).toEqual([entry.path, 403, "reauth_required"]);
    }
    expect((await stale.get("/api/admin/users?limit=1")).status).toBe(200);
    expect((await stale.get("/api/admin/audit?limit=1")).status).toBe(200);
  });

  it("moving the clock past the window refuses a disable; re-authenticating with the password allows the retry", async () => {
    // a session of its own: re-authenticating at a future clock would leave the shared one ahead of real time
    const client = await clientFor(admin.userId, { aal: 2 });
    const target = await insertUser();
    const later = Date.now() + REAUTH_WINDOW_MS + MINUTE;
    const refused = await record(client.post(`/api/admin/users/${target.id}/disable`, {}, { now: later }));
    expect([refused.status, refused.body.error.code]).toEqual([403, "reauth_required"]);
    expect((await serverSql("SELECT status FROM users WHERE id = $1", [target.id]))[0].status).toBe("active");
    const code = admin.backupCodes.shift();
    expect((await client.post("/api/auth/reauth", { password: admin.password, code }, { now: later })).status).toBe(200);
    expect((await record(client.post(`/api/admin/users/${target.id}/disable`, {}, { now: later + MINUTE }))).status).toBe(200);
  });
});

describe("audit of admin actions (#64, #65)", () => {
  it("writes exactly one row per action with the administrator as actor and the account as target", async () => {
    const actions: [string, (id: string) => Promise<HttpResult>, string][] = [
      ["user.disabled", (id) => adminPost(`/api/admin/users/${id}/disable`, {}), "POST disable"],
      ["user.enabled", (id) => adminPost(`/api/admin/users/${id}/enable`), "POST enable"],
      ["user.unlocked", (id) => adminPost(`/api/admin/users/${id}/unlock`), "POST unlock"],
      ["admin.password_reset_sent", (id) => adminPost(`/api/admin/users/${id}/password-reset`), "POST password-reset"],
      ["session.revoked", (id) => adminDelete(`/api/admin/users/${id}/sessions`), "DELETE sessions"],
      ["role.changed", (id) => adminPost(`/api/admin/users/${id}/roles`, { role: "support" }), "POST roles"],
    ];
    const target = await insertUser();
    await mintSession(target.id);
    const adminSession = admin.client.sessionToken()!.split(".")[0];
    for (const [event, act, name] of actions) {
      const res = await act(target.id);
      expect(res.status, name).toBeLessThan(300);
      const rows = await serverSql<{
        actor_id: string;
        target_id: string;
        session_id: string;
        ip: string;
        request_id: string;
        result: string;
      }>(
        "SELECT actor_id, target_id, session_id, host(ip) AS ip, request_id, result FROM audit_logs WHERE event_type = $1 AND target_id = $2",
        [event, target.id],
      );
      expect(rows, name).toHaveLength(1);
      expect(rows[0]).toEqual({
        actor_id: admin.userId,
        target_id: target.id,
        session_id: adminSession,
        ip: admin.client.ip,
        request_id: res.headers.get("x-request-id"),
        result: "success",
      });
    }
    const removed = await adminDelete(`/api/admin/users/${target.id}/roles/support`);
    expect(removed.status).toBe(204);
    expect(await auditRows("role.changed", target.id)).toHaveLength(2);
  });
});

describe("password reset by an administrator (#64)", () => {
  it("only emails the user a link (the response holds no token) and accepts no password field", async () => {
    const { userId, email } = await signedInClient();
    const [{ password_hash: hashBefore }] = await serverSql("SELECT password_hash FROM users WHERE id = $1", [userId]);

    const setting = await adminPost(`/api/admin/users/${userId}/password-reset`, { password: "an admin chosen password!" });
    expect([setting.status, setting.body.error.code]).toEqual([400, "invalid_request"]);
    expect(await latestMail(email, "password_reset")).toBeUndefined();

    const sent = await adminPost(`/api/admin/users/${userId}/password-reset`);
    expect([sent.status, sent.body]).toEqual([202, { id: userId, sent: true }]);
    const mail = await latestMail(email, "password_reset");
    expect(mail!.text_body).toContain(`${TEST_APP_URL}/reset-password#token=`);
    const token = tokenFromMail(mail!.text_body);
    expect(sent.text).not.toContain(token);
    expect((await serverSql("SELECT password_hash FROM users WHERE id = $1", [userId]))[0].password_hash).toBe(hashBefore);
    const audit = await serverSql("SELECT details::text AS details FROM audit_logs WHERE target_id = $1", [userId]);
    expect(audit.map((a) => a.details).join("")).not.toContain(token);

    const newPassword = "the user picked this one themselves";
    expect((await new Client().post("/api/auth/password/reset", { token, password: newPassword })).status).toBe(200);
    await signIn(email, newPassword);
  });

  it("sends nothing to a disabled account", async () => {
    const target = await insertUser();
    expect((await adminPost(`/api/admin/users/${target.id}/disable`, {})).status).toBe(200);
    const res = await adminPost(`/api/admin/users/${target.id}/password-reset`);
    expect([res.status, res.body.error.code]).toEqual([409, "conflict"]);
    expect(await latestMail(target.email, "password_reset")).toBeUndefined();
  });
});

describe("GET /api/admin/audit", () => {
  const actorA = randomUUID();
  const targetB = randomUUID();
  const ip = `198.18.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
  const t0 = Date.parse("2032-07-01T12:00:00.000Z");
  const at = (minutes: number) => new Date(t0 + minutes * MINUTE).toISOString();

  beforeAll(async () => {
    const rows: [string, string, string | null, string | null, string | null][] = [
      [at(0), "login.failure", null, actorA, ip],
      [at(1), "login.success", actorA, actorA, ip],
      [at(2), "role.changed", actorA, targetB, null],
      [at(3), "session.revoked", targetB, targetB, ip],
      [at(4), "logout", actorA, actorA, "198.18.255.254"],
    ];
    for (const [created, event, actor, target, addr] of rows) {
      await serverSql(
        "INSERT INTO audit_logs (created_at, event_type, result, actor_id, target_id, ip) VALUES ($1, $2, 'success', $3, $4, $5::inet)",
        [created, event, actor, target, addr],
      );
    }
  });

  const events = (res: HttpResult) => res.body.entries.map((e: { eventType: string }) => e.eventType);

  it("finds a user's rows as actor or target, newest first, one page at a time", async () => {
    const first = await adminGet(`/api/admin/audit?user=${actorA}&limit=2`);
    expect(events(first)).toEqual(["logout", "role.changed"]);
    const second = await adminGet(`/api/admin/audit?user=${actorA}&limit=2&cursor=${first.body.nextCursor}`);
    expect(events(second)).toEqual(["login.success", "login.failure"]);
    expect(second.body.nextCursor).toBeNull();
    const asTarget = await adminGet(`/api/admin/audit?user=${targetB}`);
    expect(events(asTarget)).toEqual(["session.revoked", "role.changed"]);
    expect(first.body.entries[0]).toEqual({
      id: expect.stringMatching(/^\d+$/),
      createdAt: at(4),
      eventType: "logout",
      result: "success",
      actorId: actorA,
      targetId: actorA,
      sessionId: null,
      subjectHash: null,
      ip: "198.18.255.254",
      userAgent: null,
      requestId: null,
      details: {},
    });
  });

  it("filters by event type, by IP and by time range [from, to)", async () => {
    expect(events(await adminGet(`/api/admin/audit?user=${actorA}&event=role.changed`))).toEqual(["role.changed"]);
    expect(events(await adminGet(`/api/admin/audit?ip=${ip}&from=${at(0)}&to=${at(5)}`))).toEqual([
      "session.revoked",
      "login.success",
      "login.failure",
    ]);
    expect(events(await adminGet(`/api/admin/audit?user=${actorA}&from=${at(1)}&to=${at(3)}`))).toEqual(["role.changed", "login.success"]);
    const paged = await adminGet(`/api/admin/audit?from=${at(0)}&to=${at(5)}&ip=${ip}&limit=1`);
    const rest = await adminGet(`/api/admin/audit?from=${at(0)}&to=${at(5)}&ip=${ip}&limit=5&cursor=${paged.body.nextCursor}`);
    expect([...events(paged), ...events(rest)]).toEqual(["session.revoked", "login.success", "login.failure"]);
  });

  it.each([["user=not-a-uuid"], ["ip=999.1.1.1"], ["from=yesterday"], ["event=DROP%20TABLE"], ["limit=0"], ["cursor=%25%25"]])(
    "refuses %s with 400",
    async (query) => {
      expect((await adminGet(`/api/admin/audit?${query}`)).status).toBe(400);
    },
  );
});

describe("security alerts", () => {
  const octet = () => Math.floor(Math.random() * 250) + 1;
  const net = `198.19.${octet()}`;
  const victim = randomUUID();
  const reuseUser = randomUUID();
  const bruteSubject = sha256(`brute-${randomUUID()}`);
  const belowSubject = sha256(`below-${randomUUID()}`);
  const spreadSubject = sha256(`spread-${randomUUID()}`);
  const stuffingIp = `${net}.1`;
  const quietIp = `${net}.2`;

  beforeAll(async () => {
    const minutesAgo = (m: number) => new Date(Date.now() - m * MINUTE).toISOString();
    const rows: [string, string | null, string][] = [];
    for (let i = 0; i < 10; i++) rows.push([bruteSubject, victim, `${net}.10`]);
    for (let i = 0; i < 9; i++) rows.push([belowSubject, null, `${net}.11`]);
    for (let i = 0; i < 25; i++) rows.push([sha256(`stuffed-${randomUUID()}`), null, stuffingIp]);
    for (let i = 0; i < 4; i++) rows.push([sha256(`quiet-${randomUUID()}`), null, quietIp]);
    for (let i = 0; i < 5; i++) rows.push([spreadSubject, null, `${net}.${100 + i}`]);
    for (const [i, [subject, target, ip]] of rows.entries()) {
      await serverSql(
        "INSERT INTO audit_logs (created_at, event_type, result, target_id, subject_hash, ip) VALUES ($1, 'login.failure', 'failure', $2, $3, $4::inet)",
        [minutesAgo(5 + (i % 20)), target, subject, ip],
      );
    }
    await serverSql(
      "INSERT INTO audit_logs (created_at, event_type, result, target_id, session_id, ip) VALUES ($1, 'refresh.reuse_detected', 'failure', $2, $3, $4::inet)",
      [minutesAgo(3), reuseUser, randomBytes(16).toString("base64url"), `${net}.200`],
    );
    // the same attack two hours ago is outside the window
    await serverSql(
      "INSERT INTO audit_logs (created_at, event_type, result, subject_hash, ip) SELECT $1, 'login.failure', 'failure', $2, $3::inet FROM generate_series(1, 20)",
      [minutesAgo(120), sha256(`old-${randomUUID()}`), `${net}.12`],
    );
  });

  it("GET /api/admin/security/alerts reports each seeded attack at the configured thresholds and nothing below them", async () => {
    const res = await adminGet("/api/admin/security/alerts");
    expect(res.status).toBe(200);
    expect(res.body.thresholds).toEqual({ windowMinutes: 60, bruteForceFailures: 10, stuffingAccounts: 5, manyIps: 5 });
    const ours = (list: { ip?: string; subjectHash?: string }[]) =>
      list.filter((a) => (a.ip ?? "").startsWith(`${net}.`) || [bruteSubject, belowSubject, spreadSubject].includes(a.subjectHash ?? ""));
    expect(ours(res.body.bruteForce)).toEqual([
      expect.objectContaining({ subjectHash: bruteSubject, targetId: victim, failures: 10, distinctIps: 1 }),
    ]);
    expect(ours(res.body.credentialStuffing)).toEqual([expect.objectContaining({ ip: stuffingIp, accounts: 25, failures: 25 })]);
    expect(ours(res.body.accountManyIps)).toEqual([expect.objectContaining({ subjectHash: spreadSubject, distinctIps: 5, attempts: 5 })]);
    expect(ours(res.body.refreshReuse)).toEqual([expect.objectContaining({ targetId: reuseUser, ip: `${net}.200` })]);
    expect(res.body.counts.bruteForce).toBeGreaterThanOrEqual(1);
  });

  it("the daily cron records a security.alerts summary in the audit log", async () => {
    const res = await fetch(`${(await import("../support/http")).baseUrl()}/api/cron/daily`, {
      headers: { authorization: `Bearer ${TEST_CRON_SECRET}` },
    });
    expect(res.status).toBe(200);
    const requestId = res.headers.get("x-request-id");
    const rows = await serverSql<{ details: any; actor_id: string | null }>(
      "SELECT details, actor_id FROM audit_logs WHERE event_type = 'security.alerts' AND request_id = $1",
      [requestId],
    );
    expect(rows).toHaveLength(1);
    const { details } = rows[0]!;
    expect(details.thresholds).toEqual({ windowMinutes: 60, bruteForceFailures: 10, stuffingAccounts: 5, manyIps: 5 });
    expect(details.counts.bruteForce).toBeGreaterThanOrEqual(1);
    expect(details.counts.credentialStuffing).toBeGreaterThanOrEqual(1);
    expect(details.counts.accountManyIps).toBeGreaterThanOrEqual(1);
    expect(details.counts.refreshReuse).toBeGreaterThanOrEqual(1);
    // Each list names at most 10 accounts (deduplicated, no-account rows left out), taken from the
    // first 100 findings by count. This victim has the minimum count, so on this shared server
    // other files' attacks (ghost addresses with 10+ failures) can push it out of either cut;
    // it must be listed whenever neither cut applied.
    const listed = (ids: string[], id: string, count: number) =>
      count <= 100 && ids.length < 10 ? expect(ids).toContain(id) : expect(ids.length).toBeLessThanOrEqual(10);
    listed(details.bruteForceUserIds, victim, details.counts.bruteForce);
    listed(details.stuffingIps, stuffingIp, details.counts.credentialStuffing);
    listed(details.refreshReuseUserIds, reuseUser, details.counts.refreshReuse);
    expect(JSON.stringify(details)).not.toMatch(/[0-9a-f]{64}/);
  });
});

describe("nothing an admin route returns carries a password or a hash (#64)", () => {
  it("no response seen in this file contains a password, a password hash or a token hash", () => {
    expect(seen.length).toBeGreaterThan(40);
    for (const text of seen) {
      expect(text).not.toMatch(/password_?hash|secret_?hash|token_?hash|\$argon2|"password"/i);
      expect(text).not.toContain(GOOD_PASSWORD);
    }
  });
});
