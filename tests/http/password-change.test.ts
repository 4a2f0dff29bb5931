import { describe, expect, it } from "vitest";
import { createHash, randomBytes } from "node:crypto";
import { BREACHED_PASSWORDS } from "../support/env";
import { Client, GOOD_PASSWORD, latestMail, serverSql, signedInClient, uniqueEmail } from "../support/http";
import { hashPassword } from "../../lib/passwords/hasher";

const CHANGE = "/api/auth/password/change";
const DAY = 86_400_000;
const subject = (email: string) => createHash("sha256").update(email.trim().toLowerCase()).digest("hex");
const sessionId = (token: string) => token.split(".")[0]!;

async function login(email: string, password: string, now?: number) {
  return new Client().post("/api/auth/login", { email, password }, now ? { now } : {});
}

async function signIn(email: string, password: string): Promise<Client> {
  const client = new Client();
  expect((await client.post("/api/auth/login", { email, password })).status).toBe(200);
  return client;
}

describe("POST /api/auth/password/change", () => {
  it("needs a session: 401 unauthenticated without one", async () => {
    const res = await new Client().post(CHANGE, { currentPassword: GOOD_PASSWORD, newPassword: "a fresh passphrase to use" });
    expect([res.status, res.body.error.code]).toEqual([401, "unauthenticated"]);
  });

  it("requires the current password: 400 invalid_request without it (#7)", async () => {
    const { client } = await signedInClient();
    const res = await client.post(CHANGE, { newPassword: "a fresh passphrase to use" });
    expect([res.status, res.body.error.code]).toEqual([400, "invalid_request"]);
  });

  it("answers a wrong current password 401 invalid_credentials, counting it toward the per-email lockout (#7, #13)", async () => {
    const { client, email, userId } = await signedInClient();
    const wrong = await client.post(CHANGE, { currentPassword: "not the password at all", newPassword: "a fresh passphrase to use" });
    expect([wrong.status, wrong.body.error.code]).toEqual([401, "invalid_credentials"]);
    const [throttle] = await serverSql<{ failures: number }>(`SELECT failures FROM login_throttles WHERE subject_hash = $1`, [
      subject(email),
    ]);
    expect(throttle!.failures).toBe(1);
    const audit = await serverSql<{ event_type: string }>(`SELECT event_type FROM audit_logs WHERE target_id = $1 AND result = 'failure'`, [
      userId,
    ]);
    expect(audit.map((a) => a.event_type)).toContain("reauth.failure");

    for (let i = 1; i < 10; i++)
      await client.post(CHANGE, { currentPassword: `still wrong ${i}`, newPassword: "a fresh passphrase to use" });
    const locked = await client.post(CHANGE, { currentPassword: GOOD_PASSWORD, newPassword: "a fresh passphrase to use" });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await login(email, GOOD_PASSWORD)).status).toBe(429);
  });

  it("keeps the current session under a new cookie, ends the others and their refresh families, mails a notice and audits password.changed (#7, #33, #26)", async () => {
    const { client, email, userId } = await signedInClient();
    const other = await signIn(email, GOOD_PASSWORD);
    await serverSql(
      `INSERT INTO refresh_tokens (session_id, user_id, token_hash) SELECT id, user_id, encode(sha256(id::bytea), 'hex') FROM sessions WHERE user_id = $1`,
      [userId],
    );
    const oldToken = client.sessionToken()!;
    const newPassword = "a fresh passphrase to use";

    const res = await client.post(CHANGE, { currentPassword: GOOD_PASSWORD, newPassword });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("password_changed");
    const newToken = client.sessionToken()!;
    expect(newToken).not.toBe(oldToken);
    expect(res.body.session.id).toBe(sessionId(newToken));

    expect((await client.get("/api/auth/session")).status).toBe(200);
    expect((await new Client().get("/api/auth/session", { headers: { authorization: `Bearer ${oldToken}` } })).status).toBe(401);
    expect((await other.get("/api/auth/session")).status).toBe(401);
    const families = await serverSql<{ session_id: string; revoked: boolean }>(
      `SELECT session_id, revoked_at IS NOT NULL AS revoked FROM refresh_tokens WHERE user_id = $1 ORDER BY id`,
      [userId],
    );
    expect(families).toHaveLength(2);
    expect(families.every((f) => f.revoked)).toBe(true);

    const notice = await latestMail(email, "password_changed");
    expect(notice!.text_body).not.toContain(newPassword);
    expect(notice!.text_body).not.toContain(GOOD_PASSWORD);
    const audit = await serverSql<{ session_id: string; details: { sessionsRevoked: number; previousSessionId: string } }>(
      `SELECT session_id, details FROM audit_logs WHERE event_type = 'password.changed' AND target_id = $1`,
      [userId],
    );
    expect(audit).toMatchObject([
      { session_id: sessionId(newToken), details: { sessionsRevoked: 1, previousSessionId: sessionId(oldToken) } },
    ]);
    expect((await login(email, newPassword)).status).toBe(200);
    expect((await login(email, GOOD_PASSWORD)).status).toBe(401);
  });

  it("refuses the last PASSWORD_HISTORY_COUNT passwords with password_reused, keeping only hashes (#7, #8)", async () => {
    const { client, userId } = await signedInClient();
    const second = "the second passphrase in line";
    const third = "the third passphrase in line";
    expect((await client.post(CHANGE, { currentPassword: GOOD_PASSWORD, newPassword: second })).status).toBe(200);
    expect((await client.post(CHANGE, { currentPassword: second, newPassword: third })).status).toBe(200);
    for (const old of [GOOD_PASSWORD, second, third]) {
      const res = await client.post(CHANGE, { currentPassword: third, newPassword: old });
      expect([res.status, res.body.error.code]).toEqual([400, "password_reused"]);
    }
    const history = await serverSql<{ password_hash: string }>(`SELECT password_hash FROM password_history WHERE user_id = $1`, [userId]);
    expect(history).toHaveLength(3);
    for (const row of history)
      expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(new Set(history.map((r) => r.password_hash.split("$")[4])).size).toBe(3);
  });

  it("refuses common, breached and context passwords with their reason (#5, #6)", async () => {
    const { client, email } = await signedInClient();
    const cases: [string, string][] = [
      ["qwertyuiopasdfghjkl", "password_common"],
      ["Summer2024!Summer2024!", "password_common"],
      [BREACHED_PASSWORDS[1]!, "password_breached"],
      [`${email.toUpperCase()}!`, "password_contains_context"],
      ["Portcullis is my fortress", "password_contains_context"],
    ];
    for (const [newPassword, code] of cases) {
      const res = await client.post(CHANGE, { currentPassword: GOOD_PASSWORD, newPassword });
      expect([res.status, res.body.error.code]).toEqual([400, code]);
    }
  });

  it("refuses an over-long new password before any hashing: even a wrong current password is not checked (#2)", async () => {
    const { client, email } = await signedInClient();
    const overLimit = await client.post(CHANGE, { currentPassword: "a wrong current password", newPassword: "y z ".repeat(65) });
    expect([overLimit.status, overLimit.body.error.code]).toEqual([400, "password_too_long"]);
    const started = performance.now();
    const huge = await client.post(CHANGE, { currentPassword: "a wrong current password", newPassword: "y".repeat(10_000) });
    expect([huge.status, huge.body.error.code]).toEqual([400, "invalid_request"]);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(await serverSql(`SELECT 1 FROM login_throttles WHERE subject_hash = $1`, [subject(email)])).toEqual([]);
    const tooShort = await client.post(CHANGE, { currentPassword: GOOD_PASSWORD, newPassword: "only 14 chars!" });
    expect([tooShort.status, tooShort.body.error.code]).toEqual([400, "password_too_short"]);
  });

  it("checks the whole new password as typed: no truncation, no case folding; any Unicode, 256 characters (#2, #3, #4)", async () => {
    const { client, email } = await signedInClient();
    const long = `${"Zebra crossing at dawn ".repeat(4)}end`.slice(0, 80);
    expect(long).toHaveLength(80);
    expect((await client.post(CHANGE, { currentPassword: GOOD_PASSWORD, newPassword: long })).status).toBe(200);
    expect((await login(email, `${long.slice(0, -1)}X`)).status).toBe(401);
    expect((await login(email, long[0]!.toLowerCase() + long.slice(1))).status).toBe(401);
    expect((await login(email, long)).status).toBe(200);

    const unicode = "雪の日に🐧ペンギンが歩く道をゆく";
    expect((await client.post(CHANGE, { currentPassword: long, newPassword: unicode })).status).toBe(200);
    expect((await login(email, unicode)).status).toBe(200);
    const max = randomBytes(192).toString("base64");
    expect(max).toHaveLength(256);
    const res = await client.post(CHANGE, { currentPassword: unicode, newPassword: max });
    expect(res.status).toBe(200);
    expect((await login(email, max)).status).toBe(200);
  });

  it("never expires a password: 400 days later the session has ended but a fresh sign-in works with no change demanded (#7)", async () => {
    const { client, email } = await signedInClient();
    const newPassword = "a passphrase kept for years";
    expect((await client.post(CHANGE, { currentPassword: GOOD_PASSWORD, newPassword })).status).toBe(200);
    const later = Date.now() + 400 * DAY;
    expect((await client.get("/api/auth/session", { now: later })).status).toBe(401);
    const res = await login(email, newPassword, later);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("signed_in");
    expect(JSON.stringify(res.body)).not.toMatch(/expired|must_change|change_password/i);
  });

  it("upgrades an outdated hash at sign-in, and a failed sign-in leaves it alone (#9)", async () => {
    const email = uniqueEmail("legacy");
    const { userId } = await signedInClient({ email });
    const weak = await hashPassword(GOOD_PASSWORD, { m: 12288, t: 3, p: 1 });
    await serverSql(`UPDATE users SET password_hash = $2 WHERE id = $1`, [userId, weak]);
    expect((await login(email, "a wrong password for sure")).status).toBe(401);
    const [unchanged] = await serverSql<{ password_hash: string }>(`SELECT password_hash FROM users WHERE id = $1`, [userId]);
    expect(unchanged!.password_hash).toBe(weak);
    expect((await login(email, GOOD_PASSWORD)).status).toBe(200);
    const [upgraded] = await serverSql<{ password_hash: string }>(`SELECT password_hash FROM users WHERE id = $1`, [userId]);
    expect(upgraded!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect((await login(email, GOOD_PASSWORD)).status).toBe(200);
  });
});
