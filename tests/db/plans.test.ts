/**
 * Query plans on realistic volumes (>= 100k rows per table, ANALYZEd): the hot statements the
 * library runs use the index designed for them (db/migrations), under both a custom plan (the
 * values known) and a generic plan (what a prepared statement reused across calls gets).
 * The statements of lib/ are captured from the library functions themselves, so the test
 * follows any change to their SQL text.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { resetDb, testDb } from "../support/db";
import { sql, type Db, type Queryable, type SqlQuery } from "../../lib/db";
import { findSessionWithUser, listLiveSessions, revokeUserSessions } from "../../lib/sessions/queries";
import { redeemOneTimeToken } from "../../lib/one-time-tokens/one-time-tokens";
import { findUserByEmail } from "../../lib/users/queries";
import { sha256Hex } from "../../lib/crypto/digest";
import { supersedeEmailCodes, takeEmailCodeAttempt } from "../../lib/accounts/email-code-queries";
import { findAccountsWithManySessions } from "../../lib/alerts/queries";
import { listSessionAuditRecords } from "../../lib/audit/queries";
import { rotateRefreshToken } from "../../lib/tokens/refresh-queries";

const ROWS = 100_000;
const USERS = 100_000;
/** Sessions, tokens and events belong to the first 10k accounts: about ten sessions each. */
const ACTIVE_USERS = 10_000;
const NOW = new Date("2031-01-01T00:00:00Z");

/** The statements a library function sends, without running them (one that insists on a row back throws: ignored). */
async function statementsOf(call: (q: Queryable) => Promise<unknown>): Promise<SqlQuery[]> {
  const seen: SqlQuery[] = [];
  await call({
    async query<T>(q: SqlQuery) {
      seen.push(q);
      return { rows: [] as T[], rowCount: 0 };
    },
  }).catch(() => undefined);
  expect(seen.length).toBeGreaterThan(0);
  return seen;
}

function literal(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (value instanceof Date) return `'${value.toISOString()}'`;
  if (typeof value === "number") return String(value);
  return `'${String(value).replace(/'/g, "''")}'`;
}

/** EXPLAIN of a parameterised statement as PREPARE/EXECUTE under the given plan cache mode. */
async function explain(db: Db, q: SqlQuery, mode: "force_custom_plan" | "force_generic_plan"): Promise<string> {
  return db.transaction(async (tx) => {
    await tx.query({ text: `SET LOCAL plan_cache_mode = ${mode}`, values: [] });
    await tx.query({ text: `PREPARE plan_probe AS ${q.text}`, values: [] });
    try {
      const args = q.values.length ? `(${q.values.map(literal).join(", ")})` : "";
      const { rows } = await tx.query<{ "QUERY PLAN": string }>({ text: `EXPLAIN EXECUTE plan_probe${args}`, values: [] });
      return rows.map((r) => r["QUERY PLAN"]).join("\n");
    } finally {
      await tx.query({ text: "DEALLOCATE plan_probe", values: [] });
    }
  });
}

function expectIndex(plan: string, index: string, table: string): void {
  expect(plan, plan).toMatch(new RegExp(`(Index Scan|Index Only Scan|Bitmap Index Scan)( Backward)? (using|on) ${index}\\b`));
  expect(plan, plan).not.toMatch(new RegExp(`Seq Scan on ${table}\\b`));
}

/**
 * Bulk rows, consistent by construction. Foreign-key triggers are off for this one transaction
 * (session_replication_role, as pg_restore does): checking 300k references row by row would
 * only slow the setup down, most of all on PGlite.
 */
async function seed(tx: Queryable): Promise<void> {
  await tx.query(sql`SET LOCAL session_replication_role = replica`);
  // users: 100k, 1% of them deleted
  await tx.query(sql`
    INSERT INTO users (email, created_at, deleted_at)
    SELECT 'user' || g || '@example.com', ${NOW}::timestamptz - g * interval '1 minute',
           CASE WHEN g % 100 = 0 THEN ${NOW}::timestamptz ELSE NULL END
    FROM generate_series(1, ${USERS}) AS g`);
  await tx.query(sql`CREATE TEMP TABLE plan_users AS SELECT id, row_number() OVER (ORDER BY email) AS n FROM users`);
  // sessions: 100k over 10k accounts, two thirds revoked (the partial index holds the rest)
  await tx.query(sql`
    INSERT INTO sessions (id, secret_hash, user_id, created_at, last_activity_at, idle_expires_at, absolute_expires_at,
                          reauthenticated_at, revoked_at, revoked_reason)
    SELECT lpad(g::text, 22, 's'), encode(sha256(g::text::bytea), 'hex'), u.id,
           ${NOW}::timestamptz - g * interval '1 minute', ${NOW}::timestamptz - g * interval '1 minute',
           ${NOW}::timestamptz + interval '7 days' - g * interval '1 minute', ${NOW}::timestamptz + interval '30 days' - g * interval '1 minute',
           ${NOW}::timestamptz - g * interval '1 minute',
           CASE WHEN g % 3 <> 1 THEN ${NOW}::timestamptz ELSE NULL END, CASE WHEN g % 3 <> 1 THEN 'logout' ELSE NULL END
    FROM generate_series(1, ${ROWS}) AS g JOIN plan_users u ON u.n = g % ${ACTIVE_USERS} + 1`);
  // refresh tokens: one family member per session
  await tx.query(sql`
    INSERT INTO refresh_tokens (session_id, user_id, token_hash)
    SELECT s.id, s.user_id, encode(sha256(('refresh' || s.id)::bytea), 'hex') FROM sessions s`);

  // one-time tokens: 100k, nine in ten spent
  await tx.query(sql`
    INSERT INTO one_time_tokens (user_id, purpose, token_hash, email, created_at, expires_at, used_at)
    SELECT u.id, 'password_reset', encode(sha256(('ott' || g)::bytea), 'hex'), 'x@example.com',
           ${NOW}::timestamptz - g * interval '1 minute', ${NOW}::timestamptz + interval '1 hour' - g * interval '1 minute',
           CASE WHEN g % 10 <> 0 THEN ${NOW}::timestamptz ELSE NULL END
    FROM generate_series(1, ${ROWS}) AS g JOIN plan_users u ON u.n = g % ${ACTIVE_USERS} + 1`);
  // email sign-in codes: 100k, nine in ten spent
  await tx.query(sql`
    INSERT INTO email_sign_in_codes (user_id, subject_hash, code_hash, key_id, created_at, expires_at, used_at)
    SELECT u.id, encode(sha256(('subject' || u.n)::bytea), 'hex'), encode(sha256(('code' || g)::bytea), 'hex'), 'k1',
           ${NOW}::timestamptz - g * interval '1 minute', ${NOW}::timestamptz + interval '10 minutes' - g * interval '1 minute',
           CASE WHEN g % 10 <> 0 THEN ${NOW}::timestamptz ELSE NULL END
    FROM generate_series(1, ${ROWS}) AS g JOIN plan_users u ON u.n = g % ${ACTIVE_USERS} + 1`);
  // audit log: 100k events over a year
  await tx.query(sql`
    INSERT INTO audit_logs (created_at, event_type, result, target_id, ip, details)
    SELECT ${NOW}::timestamptz - g * interval '5 minutes', CASE WHEN g % 4 = 0 THEN 'login.failure' ELSE 'login.success' END,
           CASE WHEN g % 4 = 0 THEN 'failure' ELSE 'success' END, u.id, ('10.0.' || (g % 250) || '.' || (g % 200))::inet, '{}'::jsonb
    FROM generate_series(1, ${ROWS}) AS g JOIN plan_users u ON u.n = g % ${ACTIVE_USERS} + 1`);
  await tx.query(sql`DROP TABLE plan_users`);
}

const MODES = ["force_custom_plan", "force_generic_plan"] as const;

describe(`query plans on ${ROWS.toLocaleString("en")} rows`, () => {
  let userId: string;
  let email: string;
  let sessionId: string;
  const liveOttHash = "hash-live-0000000001";
  const refreshHash = "hash-refresh-0000000001";

  beforeAll(async () => {
    const db = await testDb();
    await resetDb(db);
    // the audit log's monthly partitions over the seeded year (0019), as the daily cron keeps them
    await db.query(sql`SELECT audit_logs_create_partitions(${NOW}::timestamptz - interval '12 months', 12)`);
    await db.transaction(async (tx) => seed(tx));
    await db.query(sql`ANALYZE`);

    // a live session of a live account, to look up for real
    const picked = await db.query<{ id: string; user_id: string; email: string }>(sql`
      SELECT s.id, s.user_id, u.email FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE u.deleted_at IS NULL AND s.revoked_at IS NULL ORDER BY s.id LIMIT 1`);
    sessionId = picked.rows[0]!.id;
    userId = picked.rows[0]!.user_id;
    email = picked.rows[0]!.email;
    await db.query(sql`UPDATE refresh_tokens SET token_hash = ${sha256Hex(refreshHash)} WHERE session_id = ${sessionId}`);
  }, 600_000);

  it("has at least 100k rows in each table it explains", async () => {
    const db = await testDb();
    const { rows } = await db.query<{
      users: number;
      sessions: number;
      refresh_tokens: number;
      one_time_tokens: number;
      audit_logs: number;
    }>(sql`
      SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM sessions)::int AS sessions, (SELECT count(*) FROM refresh_tokens)::int AS refresh_tokens,
             (SELECT count(*) FROM one_time_tokens)::int AS one_time_tokens, (SELECT count(*) FROM audit_logs)::int AS audit_logs`);
    for (const n of Object.values(rows[0]!)) expect(n).toBeGreaterThanOrEqual(ROWS);
  });

  it.each(MODES)("session validation (findSessionWithUser) looks the session up by primary key (%s)", async (mode) => {
    const [q] = await statementsOf((q) => findSessionWithUser(q, sessionId));
    const plan = await explain(await testDb(), q!, mode);
    expect(plan, plan).toMatch(/Index Scan using sessions_pkey on sessions\b/);
    expectIndex(plan, "sessions_pkey", "sessions");
  });

  it.each(MODES)(
    "a user's live sessions (WHERE user_id AND revoked_at IS NULL ORDER BY created_at DESC) use the partial sessions_user_live_idx (%s)",
    async (mode) => {
      const db = await testDb();
      const plain = sql`SELECT id, created_at FROM sessions WHERE user_id = ${userId} AND revoked_at IS NULL ORDER BY created_at DESC`;
      expectIndex(await explain(db, plain, mode), "sessions_user_live_idx", "sessions");
      const [listed] = await statementsOf((q) => listLiveSessions(q, userId, NOW));
      expectIndex(await explain(db, listed!, mode), "sessions_user_live_idx", "sessions");
    },
  );

  it.each(MODES)(
    "signing a user out everywhere (revokeUserSessions) finds the sessions through sessions_user_live_idx (%s)",
    async (mode) => {
      const [revoke] = await statementsOf((q) => revokeUserSessions(q, userId, "logout_all", NOW, null));
      expectIndex(await explain(await testDb(), revoke!, mode), "sessions_user_live_idx", "sessions");
    },
  );

  it.each(MODES)("redeeming a one-time token (redeemOneTimeToken) uses the partial one_time_tokens_live_hash_key (%s)", async (mode) => {
    const [redeem] = await statementsOf((q) => redeemOneTimeToken(q, liveOttHash, "password_reset", NOW));
    expectIndex(await explain(await testDb(), redeem!, mode), "one_time_tokens_live_hash_key", "one_time_tokens");
  });

  it.each(MODES)("a refresh token is found by its hash through refresh_tokens_hash_key (%s)", async (mode) => {
    const q = sql`
      SELECT id, session_id, user_id, parent_id, used_at, revoked_at, successor_sealed
      FROM refresh_tokens WHERE token_hash = ${sha256Hex(refreshHash)}`;
    expectIndex(await explain(await testDb(), q, mode), "refresh_tokens_hash_key", "refresh_tokens");
  });

  // a named prepared statement (portcullis_refresh_rotate): after five calls a connection may run its generic plan
  it.each(MODES)(
    "the one-statement rotation (rotateRefreshToken) reaches the token, its session and its account by unique keys only (%s)",
    async (mode) => {
      const [rotate] = await statementsOf((q) =>
        rotateRefreshToken(q, {
          tokenHash: sha256Hex(refreshHash),
          childHash: sha256Hex("child"),
          successorSealed: "v1.sealed",
          now: NOW,
          idleTimeoutSeconds: { aal1: 86400, aal2: 3600 },
          ip: "10.0.0.1",
          userAgent: "plans",
          requestId: "plans",
          clientId: null,
          rateLimit: { key: "token-refresh:ip:10.0.0.1", rule: { limit: 150, windowSeconds: 300 } },
        }),
      );
      const plan = await explain(await testDb(), rotate!, mode);
      expectIndex(plan, "refresh_tokens_hash_key", "refresh_tokens");
      expectIndex(plan, "sessions_pkey", "sessions");
      expectIndex(plan, "users_pkey", "users");
      expect(plan, plan).toMatch(/Insert on rate_limits\b/);
    },
  );

  it.each(MODES)("sign-in finds a live account by email (findUserByEmail) through the partial users_email_live_key (%s)", async (mode) => {
    const [find] = await statementsOf((q) => findUserByEmail(q, email.toUpperCase()));
    expectIndex(await explain(await testDb(), find!, mode), "users_email_live_key", "users");
  });

  it.each(MODES)(
    "the audit log newest first, and its next page by (created_at, id) cursor, read each monthly partition's audit_logs_created_idx (%s)",
    async (mode) => {
      const db = await testDb();
      const first = sql`SELECT id, created_at, event_type, result FROM audit_logs ORDER BY created_at DESC, id DESC LIMIT ${50}`;
      expectIndex(await explain(db, first, mode), "audit_logs_p\\d{6}_created_idx", "audit_logs");
      const next = sql`
      SELECT id, created_at, event_type, result FROM audit_logs
      WHERE (created_at, id) < (${new Date(NOW.getTime() - 86400_000)}::timestamptz, ${123456}::bigint)
      ORDER BY created_at DESC, id DESC LIMIT ${50}`;
      expectIndex(await explain(db, next, mode), "audit_logs_p\\d{6}_created_idx", "audit_logs");
    },
  );

  it.each(MODES)(
    "an email sign-in code guess (takeEmailCodeAttempt) finds the live code through the partial email_sign_in_codes_live_idx (%s)",
    async (mode) => {
      const db = await testDb();
      const { rows } = await db.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM email_sign_in_codes`);
      expect(rows[0]!.n).toBeGreaterThanOrEqual(ROWS);
      const [take] = await statementsOf((q) => takeEmailCodeAttempt(q, sha256Hex("subject1"), 5, NOW));
      expectIndex(await explain(db, take!, mode), "email_sign_in_codes_live_idx", "email_sign_in_codes");
      const [supersede] = await statementsOf((q) => supersedeEmailCodes(q, userId, NOW));
      expectIndex(await explain(db, supersede!, mode), "email_sign_in_codes_user_idx", "email_sign_in_codes");
    },
  );

  it.each(MODES)(
    "a session's audit trail reads its lineage through each partition's session_idx and its revocations through the partial revoked_session_idx, no GIN (%s)",
    async (mode) => {
      const db = await testDb();
      const [trail] = await statementsOf((q) => listSessionAuditRecords(q, { sessionId, after: null, limit: 50 }));
      const plan = await explain(db, trail!, mode);
      expectIndex(plan, "audit_logs_p\\d{6}_revoked_session_idx", "audit_logs");
      expectIndex(plan, "audit_logs_p\\d{6}_session_idx", "audit_logs");
      const { rows } = await db.query<{ n: number }>(sql`
        SELECT count(*)::int AS n FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
        WHERE i.indrelid = 'audit_logs'::regclass AND am.amname = 'gin'`);
      expect(rows[0]!.n).toBe(0);
    },
  );

  // Not a prepared statement: the cron's scan runs with a plan for its own window (custom plan).
  it("the five-minute many-sessions alert scan reads the window's new sessions through sessions_created_at_idx, never all of sessions", async () => {
    const db = await testDb();
    const since = new Date(NOW.getTime() - 5 * 60_000);
    const [scan] = await statementsOf((q) => findAccountsWithManySessions(q, since, NOW, 20));
    const plan = await explain(db, scan!, "force_custom_plan");
    expectIndex(plan, "sessions_created_at_idx", "sessions");
    expect(plan, plan).toMatch(/(Bitmap Index Scan on|Index (Only )?Scan using) sessions_user(_live)?_idx\b/);
  });

  it("answers the hot lookups with the real data (the plans are of working statements)", async () => {
    const db = await testDb();
    expect((await findSessionWithUser(db, sessionId))?.user.id).toBe(userId);
    expect((await findUserByEmail(db, email.toUpperCase()))?.id).toBe(userId);
    const live = await listLiveSessions(db, userId, NOW);
    expect(live.length).toBeGreaterThan(0);
    expect(live.every((s) => s.revokedAt === null)).toBe(true);
  });
});
