/**
 * Refresh rotation in at most three round trips (issue 16): rotating an unspent token on a live
 * family is one statement that counts the attempt against the per-IP rate limit, locks the
 * session, spends the token, inserts the child, slides the session and writes the audit row. Counted by wrapping the
 * database: every statement is one round trip, a transaction adds two (BEGIN, COMMIT). The other
 * outcomes (a retry inside the grace window, reuse) keep the locked transaction and its answers.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { resetDb, testDb } from "../support/db";
import { sql, type Db, type Queryable } from "../../lib/db";
import { parseConfig } from "../../lib/config";
import { createSession } from "../../lib/sessions/sessions";
import { issueTokenPair, refreshTokenPair } from "../../lib/tokens/refresh";
import { sha256Hex } from "../../lib/crypto/digest";

const cfg = parseConfig({});
const actor = { ip: "10.20.30.40", userAgent: "vitest", requestId: "refresh-round-trips" };

function counting(db: Db): { db: Db; roundTrips: () => number } {
  let trips = 0;
  const wrap = (q: Queryable): Queryable => ({
    query: (query) => {
      trips++;
      return q.query(query);
    },
  });
  const counted: Db = {
    driver: db.driver,
    query: (query) => {
      trips++;
      return db.query(query);
    },
    transaction: (fn) => {
      trips += 2;
      return db.transaction((tx) => fn(wrap(tx)));
    },
    exec: (script) => db.exec(script),
    close: () => db.close(),
  };
  return { db: counted, roundTrips: () => trips };
}

async function family(db: Db, now: Date): Promise<{ token: string; sessionId: string; userId: string }> {
  const { rows } = await db.query<{ id: string }>(sql`INSERT INTO users (email) VALUES ('rt@example.com') RETURNING id`);
  const userId = rows[0]!.id;
  return db.transaction(async (tx) => {
    const { session } = await createSession(tx, { userId, aal: 1, amr: ["pwd"], now, ip: actor.ip, userAgent: actor.userAgent }, cfg);
    const pair = await issueTokenPair(tx, { sessionId: session.id, now, actor, source: "password" }, cfg);
    return { token: pair.refreshToken, sessionId: session.id, userId };
  });
}

describe("refresh rotation round trips", () => {
  beforeEach(async () => resetDb(await testDb()));

  it("rotates an unspent token in one round trip (the rate limit counted in the same statement), with the child, the spent parent, the slid session and the audit row", async () => {
    const db = await testDb();
    const start = new Date();
    const { token, sessionId, userId } = await family(db, start);
    const now = new Date(start.getTime() + 60_000);
    const counted = counting(db);

    const result = await refreshTokenPair(counted.db, { token, now, actor }, cfg);
    expect(result.ok).toBe(true);
    expect(counted.roundTrips()).toBe(1);
    const { rows: limits } = await db.query<{ key: string; count: number }>(sql`SELECT key, count FROM rate_limits`);
    expect(limits).toEqual([{ key: "token-refresh:ip:10.20.30.40", count: 1 }]);

    if (!result.ok) return;
    expect(result.value.refreshToken).not.toBe(token);
    expect(result.value.sessionId).toBe(sessionId);
    const tokens = await db.query<{ id: string; parent_id: string | null; used: boolean; token_hash: string }>(sql`
      SELECT id::text, parent_id::text, used_at IS NOT NULL AS used, token_hash FROM refresh_tokens WHERE session_id = ${sessionId} ORDER BY id`);
    expect(tokens.rows.map((r) => [r.used, r.token_hash])).toEqual([
      [true, sha256Hex(token)],
      [false, sha256Hex(result.value.refreshToken)],
    ]);
    expect(tokens.rows[1]!.parent_id).toBe(tokens.rows[0]!.id);
    const session = await db.query<{ last_activity_at: Date; idle_expires_at: Date }>(
      sql`SELECT last_activity_at, idle_expires_at FROM sessions WHERE id = ${sessionId}`,
    );
    expect(session.rows[0]!.last_activity_at.getTime()).toBe(now.getTime());
    expect(result.value.refreshExpiresAt.getTime()).toBe(session.rows[0]!.idle_expires_at.getTime());
    expect(session.rows[0]!.idle_expires_at.getTime()).toBe(now.getTime() + cfg.SESSION_IDLE_TIMEOUT_SECONDS * 1000);
    const audit = await db.query<{ actor_id: string; session_id: string; ip: string; details: Record<string, string> }>(sql`
      SELECT actor_id::text, session_id, host(ip) AS ip, details FROM audit_logs WHERE event_type = 'refresh.rotated'`);
    expect(audit.rows).toEqual([
      {
        actor_id: userId,
        session_id: sessionId,
        ip: actor.ip,
        details: { familyId: sessionId, parentTokenId: tokens.rows[0]!.id, tokenId: tokens.rows[1]!.id },
      },
    ]);
  });

  it("a retry of the spent token inside the grace window gets the same successor; a retry after it revokes the family", async () => {
    const db = await testDb();
    const start = new Date();
    const { token, sessionId } = await family(db, start);
    const first = await refreshTokenPair(db, { token, now: new Date(start.getTime() + 1000), actor }, cfg);
    const retry = await refreshTokenPair(db, { token, now: new Date(start.getTime() + 2000), actor }, cfg);
    expect(first.ok && retry.ok).toBe(true);
    if (!first.ok || !retry.ok) return;
    expect(retry.value.refreshToken).toBe(first.value.refreshToken);

    const late = new Date(start.getTime() + 1000 + (cfg.REFRESH_REUSE_GRACE_SECONDS + 5) * 1000);
    expect(await refreshTokenPair(db, { token, now: late, actor }, cfg)).toEqual({ ok: false, error: "refresh_token_reused" });
    const { rows } = await db.query<{ revoked_reason: string }>(sql`SELECT revoked_reason FROM sessions WHERE id = ${sessionId}`);
    expect(rows).toEqual([{ revoked_reason: "refresh_reuse" }]);
    expect((await refreshTokenPair(db, { token: first.value.refreshToken, now: late, actor }, cfg)).ok).toBe(false);
  });

  it("over the rate limit the one statement counts the attempt and rotates nothing; the window's end lets it through", async () => {
    const db = await testDb();
    const start = new Date();
    const { token, sessionId } = await family(db, start);
    const now = new Date(start.getTime() + 1000);
    const key = "token-refresh:ip:10.20.30.40";
    await db.query(sql`
      INSERT INTO rate_limits (key, count, window_start, expires_at)
      VALUES (${key}, ${cfg.REFRESH_RATE_LIMIT_PER_WINDOW}, ${start}, ${new Date(start.getTime() + 60_000)})`);

    const refused = await refreshTokenPair(db, { token, now, actor }, cfg);
    expect(refused).toEqual({ ok: false, error: "too_many_requests", retryAfterSeconds: 59 });
    const state = async () =>
      (
        await db.query<{ used: boolean; tokens: number; rotated: number; count: number }>(sql`
        SELECT bool_or(t.used_at IS NOT NULL) AS used, count(*)::int AS tokens,
               (SELECT count(*)::int FROM audit_logs WHERE event_type = 'refresh.rotated') AS rotated,
               (SELECT count FROM rate_limits WHERE key = ${key}) AS count
        FROM refresh_tokens t WHERE t.session_id = ${sessionId}`)
      ).rows[0];
    expect(await state()).toEqual({ used: false, tokens: 1, rotated: 0, count: cfg.REFRESH_RATE_LIMIT_PER_WINDOW + 1 });

    const later = await refreshTokenPair(db, { token, now: new Date(start.getTime() + 61_000), actor }, cfg);
    expect(later.ok).toBe(true);
    expect(await state()).toEqual({ used: true, tokens: 2, rotated: 1, count: 1 });
  });

  it("a malformed token still counts against the limit (no statement reaches the tokens)", async () => {
    const db = await testDb();
    const now = new Date();
    expect(await refreshTokenPair(db, { token: "not-a-token", now, actor }, cfg)).toEqual({ ok: false, error: "invalid_refresh_token" });
    const { rows } = await db.query<{ count: number }>(sql`SELECT count FROM rate_limits WHERE key = 'token-refresh:ip:10.20.30.40'`);
    expect(rows).toEqual([{ count: 1 }]);
  });
});
