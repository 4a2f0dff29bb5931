/**
 * The cron routes (checklists #68, #69) against the running server: only
 * `Authorization: Bearer $CRON_SECRET` runs them; a run deletes what has expired, answers with
 * the counts and writes a `cron.cleanup` audit row with the same counts. Enforcement never
 * waits for cleanup: an expired session is refused before any cleanup has run.
 *
 * Cleanup here runs at the real time, so it only ever removes rows that are expired for every
 * test sharing the server (the clock is moved back for the sign-in instead of forward for the
 * cleanup).
 */
import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { Client, GOOD_PASSWORD, serverSql, uniqueEmail } from "../support/http";
import { TEST_CRON_SECRET } from "../support/env";

const ROUTES = ["/api/cron/sessions", "/api/cron/daily"] as const;
const DAY_MS = 86400 * 1000;

async function auditRows(
  id: string,
): Promise<{ event_type: string; result: string; details: { job: string; deleted: Record<string, number> } }[]> {
  // the daily job also writes a security.alerts summary under the same request id
  return serverSql(`SELECT event_type, result, details FROM audit_logs WHERE request_id = $1 AND event_type = 'cron.cleanup'`, [id]);
}

describe.each(ROUTES)("GET %s", (path) => {
  it("refuses a request without Authorization with 401 cron_unauthorized, and runs nothing", async () => {
    const res = await new Client().get(path);
    const id = res.headers.get("x-request-id")!;
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: { code: "cron_unauthorized", message: expect.any(String) } });
    expect(await auditRows(id)).toEqual([]);
  });

  it.each([
    ["a wrong secret", "Bearer not-the-cron-secret-0000000000"],
    ["the secret with one character more", `Bearer ${TEST_CRON_SECRET}x`],
    ["the secret without its last character", `Bearer ${TEST_CRON_SECRET.slice(0, -1)}`],
    ["the secret under another scheme", `Basic ${TEST_CRON_SECRET}`],
    ["the bare secret", TEST_CRON_SECRET],
  ])("refuses %s with 401", async (_label, authorization) => {
    const res = await new Client().get(path, { headers: { authorization } });
    const id = res.headers.get("x-request-id")!;
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("cron_unauthorized");
    expect(await auditRows(id)).toEqual([]);
  });

  it("does not take the secret from the query string", async () => {
    const res = await new Client().get(`${path}?secret=${TEST_CRON_SECRET}&token=${TEST_CRON_SECRET}`);
    expect(res.status).toBe(401);
  });

  it("runs with the right bearer: 200 with the counts, and a cron.cleanup audit row with the same counts", async () => {
    const res = await new Client().get(path, { headers: { authorization: `Bearer ${TEST_CRON_SECRET}` } });
    // the server's own request id ties the response to its audit rows
    const id = res.headers.get("x-request-id")!;
    expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.body.ok).toBe(true);
    expect(Number.isNaN(Date.parse(res.body.ranAt))).toBe(false);
    const expected = path.endsWith("sessions")
      ? ["sessions"]
      : [
          "audit_logs",
          "email_sign_in_codes",
          "login_devices",
          "login_throttles",
          "mail_outbox",
          "mfa_challenges",
          "one_time_tokens",
          "rate_limits",
          "trusted_devices",
        ];
    expect(Object.keys(res.body.deleted).sort()).toEqual(expected);
    for (const n of Object.values(res.body.deleted)) expect(Number.isInteger(n) && (n as number) >= 0).toBe(true);

    const rows = await auditRows(id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ event_type: "cron.cleanup", result: "success" });
    expect(rows[0]!.details).toEqual({ job: path.endsWith("sessions") ? "sessions" : "daily", deleted: res.body.deleted });
  });
});

describe("cleanup and enforcement (checklist #69)", () => {
  it("refuses an idle-expired session before any cleanup has run, and the sessions cron deletes it afterwards", async () => {
    const email = uniqueEmail("cron");
    const client = new Client();
    expect((await client.post("/api/auth/register", { email, password: GOOD_PASSWORD })).status).toBe(201);
    // signed in 7 days and an hour ago: the idle timeout (7 days) ran out an hour ago
    const signedInAt = new Date(Date.now() - 7 * DAY_MS - 3600 * 1000);
    const login = await client.post("/api/auth/login", { email, password: GOOD_PASSWORD }, { now: signedInAt });
    expect(login.status).toBe(200);
    const sessionId: string = login.body.session.id;
    expect((await client.get("/api/auth/session", { now: signedInAt })).status).toBe(200);

    const refused = await client.get("/api/auth/session");
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("unauthenticated");
    // refused by the expiry check itself: the row is still there, unrevoked
    const before = await serverSql(`SELECT revoked_at FROM sessions WHERE id = $1`, [sessionId]);
    expect(before).toEqual([{ revoked_at: null }]);

    const run = await new Client().get("/api/cron/sessions", { headers: { authorization: `Bearer ${TEST_CRON_SECRET}` } });
    expect(run.status).toBe(200);
    expect(run.body.deleted.sessions).toBeGreaterThanOrEqual(1);
    expect(run.body.batches.count).toBeGreaterThanOrEqual(1);
    expect(run.body.batches.rows.max).toBeGreaterThanOrEqual(1);
    expect(await serverSql(`SELECT id FROM sessions WHERE id = $1`, [sessionId])).toEqual([]);
    expect((await client.get("/api/auth/session")).status).toBe(401);
  });

  it("the daily cron deletes an expired one-time token and keeps a live one", async () => {
    const email = uniqueEmail("cron-daily");
    const client = new Client();
    expect((await client.post("/api/auth/register", { email, password: GOOD_PASSWORD })).status).toBe(201);
    const [user] = await serverSql<{ id: string }>(`SELECT id FROM users WHERE email = $1`, [email]);
    const now = Date.now();
    const insert = (hash: string, created: number, expires: number) =>
      serverSql(
        `INSERT INTO one_time_tokens (user_id, purpose, token_hash, email, created_at, expires_at) VALUES ($1, 'password_reset', $2, $3, $4, $5)`,
        [user!.id, hash, email, new Date(created).toISOString(), new Date(expires).toISOString()],
      );
    const expired = randomBytes(32).toString("hex");
    const live = randomBytes(32).toString("hex");
    await insert(expired, now - 2 * 3600 * 1000, now - 3600 * 1000);
    await insert(live, now - 60 * 1000, now + 3600 * 1000);

    const run = await new Client().get("/api/cron/daily", { headers: { authorization: `Bearer ${TEST_CRON_SECRET}` } });
    expect(run.status).toBe(200);
    expect(run.body.deleted.one_time_tokens).toBeGreaterThanOrEqual(1);
    const left = await serverSql<{ token_hash: string }>(`SELECT token_hash FROM one_time_tokens WHERE token_hash = ANY($1)`, [
      [expired, live],
    ]);
    expect(left).toEqual([{ token_hash: live }]);
  });
});
