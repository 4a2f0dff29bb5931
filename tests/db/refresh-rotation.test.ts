/**
 * Refresh-token rotation through lib/tokens/refresh.ts, called directly on the database (no
 * HTTP): issuing a family, rotating it, the grace window for retries, reuse detection, expiry,
 * revocation, the session exchange, the rate limit, what is stored, and (real Postgres only)
 * what parallel refreshes of one token and a revocation racing a rotation come to.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { resetDb, testDb } from "../support/db";
import { usingPglite } from "../support/env";
import { actorAt, insertUser, raceBehindLock, racersDb } from "../support/lib-fixtures";
import { sql, type Db } from "../../lib/db";
import { parseConfig, type Config } from "../../lib/config";
import { sha256Hex } from "../../lib/crypto/digest";
import { randomToken } from "../../lib/crypto/random";
import { createSession } from "../../lib/sessions/sessions";
import { revokeSessionById } from "../../lib/sessions/queries";
import {
  exchangeSession,
  issueTokenPair,
  REFRESH_TOKEN_PATTERN,
  refreshTokenPair,
  revokeRefreshFamily,
  type IssuedTokenPair,
} from "../../lib/tokens/refresh";
import type { Result } from "../../lib/errors";

const cfg = parseConfig({ NODE_ENV: "test", MAIL_TRANSPORT: "outbox" });
const actor = actorAt("192.0.2.10", "refresh-rotation");
const T0 = new Date("2026-02-02T10:00:00Z");
const SECOND = 1000;
const DAY = 86_400_000;
const at = (ms: number) => new Date(T0.getTime() + ms);

interface Family {
  readonly token: string;
  readonly sessionId: string;
  readonly userId: string;
  readonly pair: IssuedTokenPair;
}

/** A user, a session and the family issued on it at `now` (as the password sign-in does it). */
async function family(db: Db, now: Date, aal: 1 | 2 = 1, c: Config = cfg): Promise<Family> {
  const userId = await insertUser(db, "family@example.com");
  return db.transaction(async (tx) => {
    const { session } = await createSession(
      tx,
      { userId, aal, amr: aal === 2 ? ["pwd", "otp"] : ["pwd"], now, ip: actor.ip, userAgent: actor.userAgent },
      c,
    );
    const pair = await issueTokenPair(tx, { sessionId: session.id, now, actor, source: "password" }, c);
    return { token: pair.refreshToken, sessionId: session.id, userId, pair };
  });
}

function value(result: Result<IssuedTokenPair>): IssuedTokenPair {
  if (!result.ok) throw new Error(`expected a token pair, got ${result.error}`);
  return result.value;
}

async function tokenRows(db: Db, sessionId: string) {
  const { rows } = await db.query<{ id: string; parent_id: string | null; used: boolean; revoked: boolean; token_hash: string }>(sql`
    SELECT id::text, parent_id::text, used_at IS NOT NULL AS used, revoked_at IS NOT NULL AS revoked, token_hash
    FROM refresh_tokens WHERE session_id = ${sessionId} ORDER BY id`);
  return rows;
}

async function audits(db: Db, type: string) {
  const { rows } = await db.query<{ actor_id: string | null; session_id: string | null; details: Record<string, unknown> }>(sql`
    SELECT actor_id::text, session_id, details FROM audit_logs WHERE event_type = ${type} ORDER BY id`);
  return rows;
}

async function sessionRow(db: Db, id: string) {
  const { rows } = await db.query<{ revoked_at: Date | null; revoked_reason: string | null; idle_expires_at: Date }>(
    sql`SELECT revoked_at, revoked_reason, idle_expires_at FROM sessions WHERE id = ${id}`,
  );
  return rows[0]!;
}

/** Ways a family ends: each gets the database, the family, and its live (unspent) token. */
const endings: { how: string; end: (db: Db, f: Family, live: string) => Promise<unknown> }[] = [
  {
    how: "revokeRefreshFamily with its live token",
    end: (db, _f, live) => revokeRefreshFamily(db, { token: live, now: at(2 * SECOND), actor }, cfg),
  },
  {
    how: "revokeRefreshFamily with an already spent token of the family",
    end: (db, f) => revokeRefreshFamily(db, { token: f.token, now: at(2 * SECOND), actor }, cfg),
  },
  {
    how: "its session revoked by id (as sign-out and revocation by id do)",
    end: (db, f) => revokeSessionById(db, f.sessionId, "logout", at(2 * SECOND)),
  },
];

describe("refresh rotation (lib, against Postgres)", () => {
  beforeEach(async () => resetDb(await testDb()));

  it("issueTokenPair starts a family: one unspent 256-bit token, its refresh expiry the session's idle expiry, audited token.issued", async () => {
    const db = await testDb();
    const { token, sessionId, userId, pair } = await family(db, T0);
    expect(token).toMatch(REFRESH_TOKEN_PATTERN);
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
    expect(pair.sessionId).toBe(sessionId);
    expect(pair.refreshExpiresAt.getTime()).toBe(T0.getTime() + cfg.SESSION_IDLE_TIMEOUT_SECONDS * SECOND);
    expect(pair.accessToken.split(".")).toHaveLength(3);
    expect((await tokenRows(db, sessionId)).map((r) => [r.parent_id, r.used, r.revoked])).toEqual([[null, false, false]]);
    expect(await audits(db, "token.issued")).toEqual([
      { actor_id: userId, session_id: sessionId, details: { source: "password", aal: 1 } },
    ]);
  });

  it("refuses to start a family on a revoked session", async () => {
    const db = await testDb();
    const userId = await insertUser(db, "revoked@example.com");
    const { session } = await createSession(db, { userId, aal: 1, amr: ["pwd"], now: T0, ip: null, userAgent: null }, cfg);
    await revokeSessionById(db, session.id, "logout", T0);
    await expect(issueTokenPair(db, { sessionId: session.id, now: T0, actor, source: "password" }, cfg)).rejects.toThrow(/revoked/);
    expect(await tokenRows(db, session.id)).toEqual([]);
  });

  it("rotation returns a new refresh token, spends the presented one and chains the successor to it; the successor rotates in turn (#37)", async () => {
    const db = await testDb();
    const { token, sessionId } = await family(db, T0);
    const first = value(await refreshTokenPair(db, { token, now: at(SECOND), actor }, cfg));
    expect(first.refreshToken).toMatch(REFRESH_TOKEN_PATTERN);
    expect(first.refreshToken).not.toBe(token);
    expect(first.sessionId).toBe(sessionId);
    const [parent, child] = await tokenRows(db, sessionId);
    expect([parent!.used, child!.used]).toEqual([true, false]);
    expect(child!.parent_id).toBe(parent!.id);

    const second = value(await refreshTokenPair(db, { token: first.refreshToken, now: at(2 * SECOND), actor }, cfg));
    expect(new Set([token, first.refreshToken, second.refreshToken]).size).toBe(3);
    expect((await tokenRows(db, sessionId)).map((r) => r.used)).toEqual([true, true, false]);
    expect(await audits(db, "refresh.rotated")).toHaveLength(2);
  });

  it("a spent token presented after the grace window revokes the whole family and its session, audited as refresh.reuse_detected (#38)", async () => {
    const db = await testDb();
    const { token, sessionId, userId } = await family(db, T0);
    const usedAt = at(SECOND);
    const successor = value(await refreshTokenPair(db, { token, now: usedAt, actor }, cfg));
    const late = new Date(usedAt.getTime() + cfg.REFRESH_REUSE_GRACE_SECONDS * SECOND + 1);

    expect(await refreshTokenPair(db, { token, now: late, actor }, cfg)).toEqual({ ok: false, error: "refresh_token_reused" });
    const session = await sessionRow(db, sessionId);
    expect(session.revoked_reason).toBe("refresh_reuse");
    expect(session.revoked_at?.getTime()).toBe(late.getTime());
    expect((await tokenRows(db, sessionId)).map((r) => r.revoked)).toEqual([true, true]);
    const [parent] = await tokenRows(db, sessionId);
    expect(await audits(db, "refresh.reuse_detected")).toEqual([
      {
        actor_id: userId,
        session_id: sessionId,
        details: { familyId: sessionId, tokenId: parent!.id, usedAt: usedAt.toISOString(), reason: "outside_grace_window" },
      },
    ]);
    // the successor, never presented by anyone, is dead too
    expect(await refreshTokenPair(db, { token: successor.refreshToken, now: late, actor }, cfg)).toEqual({
      ok: false,
      error: "invalid_refresh_token",
    });
  });

  it.each([
    { grace: 10, window: "10 s", after: "at once", afterMs: 0, outcome: "the same successor" },
    { grace: 10, window: "10 s", after: "exactly 10 s", afterMs: 10 * SECOND, outcome: "the same successor" },
    { grace: 10, window: "10 s", after: "10 s and 1 ms", afterMs: 10 * SECOND + 1, outcome: "reuse" },
    { grace: 0, window: "0 s", after: "at once", afterMs: 0, outcome: "the same successor" },
    { grace: 0, window: "0 s", after: "1 ms", afterMs: 1, outcome: "reuse" },
  ] as const)(
    "with a grace window (REFRESH_REUSE_GRACE_SECONDS) of $window, a retry of the spent token $after after its use gets $outcome (#39)",
    async ({ grace, afterMs, outcome }) => {
      const db = await testDb();
      const c = parseConfig({ NODE_ENV: "test", MAIL_TRANSPORT: "outbox", REFRESH_REUSE_GRACE_SECONDS: String(grace) });
      const { token, sessionId } = await family(db, T0, 1, c);
      const usedAt = at(SECOND);
      const first = value(await refreshTokenPair(db, { token, now: usedAt, actor }, c));
      const retry = await refreshTokenPair(db, { token, now: new Date(usedAt.getTime() + afterMs), actor }, c);

      if (outcome === "reuse") {
        expect(retry).toEqual({ ok: false, error: "refresh_token_reused" });
        expect((await sessionRow(db, sessionId)).revoked_reason).toBe("refresh_reuse");
        return;
      }
      expect(value(retry).refreshToken).toBe(first.refreshToken);
      expect(value(retry).sessionId).toBe(sessionId);
      expect(value(retry).refreshExpiresAt.getTime()).toBe((await sessionRow(db, sessionId)).idle_expires_at.getTime());
      // nothing new was minted, nothing was revoked, and the one successor still rotates
      expect((await tokenRows(db, sessionId)).map((r) => [r.used, r.revoked])).toEqual([
        [true, false],
        [false, false],
      ]);
      expect(await audits(db, "refresh.rotated")).toHaveLength(1);
      expect((await sessionRow(db, sessionId)).revoked_at).toBeNull();
      expect((await refreshTokenPair(db, { token: first.refreshToken, now: new Date(usedAt.getTime() + afterMs + 1), actor }, c)).ok).toBe(
        true,
      );
    },
  );

  it("inside the grace window, a retry after the successor was itself rotated is reuse: the family ends (successor_already_used) (#38)", async () => {
    const db = await testDb();
    const { token, sessionId } = await family(db, T0);
    const first = value(await refreshTokenPair(db, { token, now: at(SECOND), actor }, cfg));
    const second = value(await refreshTokenPair(db, { token: first.refreshToken, now: at(2 * SECOND), actor }, cfg));

    expect(await refreshTokenPair(db, { token, now: at(3 * SECOND), actor }, cfg)).toEqual({ ok: false, error: "refresh_token_reused" });
    expect((await audits(db, "refresh.reuse_detected")).map((a) => a.details.reason)).toEqual(["successor_already_used"]);
    expect((await sessionRow(db, sessionId)).revoked_reason).toBe("refresh_reuse");
    expect((await refreshTokenPair(db, { token: second.refreshToken, now: at(4 * SECOND), actor }, cfg)).ok).toBe(false);
  });

  it.each([
    { aal: 1 as const, idleSeconds: cfg.SESSION_IDLE_TIMEOUT_SECONDS, offsetMs: -1, refreshes: true },
    { aal: 1 as const, idleSeconds: cfg.SESSION_IDLE_TIMEOUT_SECONDS, offsetMs: 0, refreshes: false },
    { aal: 2 as const, idleSeconds: cfg.SESSION_AAL2_IDLE_TIMEOUT_SECONDS, offsetMs: -1, refreshes: true },
    { aal: 2 as const, idleSeconds: cfg.SESSION_AAL2_IDLE_TIMEOUT_SECONDS, offsetMs: 0, refreshes: false },
  ])(
    "an aal$aal family left idle until $offsetMs ms from its idle expiry ($idleSeconds s) refreshes: $refreshes (#42)",
    async ({ aal, idleSeconds, offsetMs, refreshes }) => {
      const db = await testDb();
      const { token, sessionId, userId } = await family(db, T0, aal);
      const result = await refreshTokenPair(db, { token, now: at(idleSeconds * SECOND + offsetMs), actor }, cfg);
      expect(result.ok).toBe(refreshes);
      if (refreshes) return;
      expect(result).toEqual({ ok: false, error: "invalid_refresh_token" });
      expect(await tokenRows(db, sessionId)).toHaveLength(1);
      expect(await audits(db, "refresh.failure")).toEqual([
        { actor_id: userId, session_id: sessionId, details: { reason: "session_expired" } },
      ]);
    },
  );

  it("refreshing slides the idle expiry but never past the absolute expiry, after which the family is refused however active (#42)", async () => {
    const db = await testDb();
    const { token, sessionId } = await family(db, T0);
    const absolute = T0.getTime() + cfg.SESSION_ABSOLUTE_TIMEOUT_SECONDS * SECOND;
    const idle = cfg.SESSION_IDLE_TIMEOUT_SECONDS * SECOND;
    const rotateAt = async (presented: string, now: Date) => value(await refreshTokenPair(db, { token: presented, now, actor }, cfg));
    const day6 = await rotateAt(token, at(6 * DAY));
    expect(day6.refreshExpiresAt.getTime()).toBe(T0.getTime() + 6 * DAY + idle);
    const day12 = await rotateAt(day6.refreshToken, at(12 * DAY));
    const day18 = await rotateAt(day12.refreshToken, at(18 * DAY));
    expect(day18.refreshExpiresAt.getTime()).toBe(T0.getTime() + 18 * DAY + idle);
    const day24 = await rotateAt(day18.refreshToken, at(24 * DAY));
    expect(day24.refreshExpiresAt.getTime()).toBe(absolute); // 24 + 7 days, capped at 30
    const last = await rotateAt(day24.refreshToken, new Date(absolute - 1));
    expect(last.refreshExpiresAt.getTime()).toBe(absolute);

    expect(await refreshTokenPair(db, { token: last.refreshToken, now: new Date(absolute), actor }, cfg)).toEqual({
      ok: false,
      error: "invalid_refresh_token",
    });
    expect((await audits(db, "refresh.failure")).map((a) => a.details.reason)).toEqual(["session_expired"]);
    expect(await tokenRows(db, sessionId)).toHaveLength(6);
  });

  it.each(endings)("a family ended by $how cannot refresh, and nothing new is minted", async ({ end }) => {
    const db = await testDb();
    const f = await family(db, T0);
    const live = value(await refreshTokenPair(db, { token: f.token, now: at(SECOND), actor }, cfg)).refreshToken;
    await end(db, f, live);

    expect(await refreshTokenPair(db, { token: live, now: at(3 * SECOND), actor }, cfg)).toEqual({
      ok: false,
      error: "invalid_refresh_token",
    });
    expect((await sessionRow(db, f.sessionId)).revoked_at).not.toBeNull();
    expect((await tokenRows(db, f.sessionId)).map((r) => [r.used, r.revoked])).toEqual([
      [true, true],
      [false, true],
    ]);
    expect((await audits(db, "refresh.failure")).map((a) => a.details.reason)).toEqual(["family_revoked"]);
  });

  it("revokeRefreshFamily ends the family once, audited token.revoked, and says nothing was revoked for an unknown or repeated token", async () => {
    const db = await testDb();
    const { token, sessionId, userId } = await family(db, T0);
    expect(await revokeRefreshFamily(db, { token, now: at(SECOND), actor }, cfg)).toEqual({ ok: true, value: { revoked: true } });
    expect(await revokeRefreshFamily(db, { token, now: at(2 * SECOND), actor }, cfg)).toEqual({ ok: true, value: { revoked: false } });
    expect(await revokeRefreshFamily(db, { token: randomToken(32), now: at(2 * SECOND), actor }, cfg)).toEqual({
      ok: true,
      value: { revoked: false },
    });
    expect((await sessionRow(db, sessionId)).revoked_reason).toBe("token_revoked");
    expect(await audits(db, "token.revoked")).toEqual([{ actor_id: userId, session_id: sessionId, details: { familyId: sessionId } }]);
  });

  it("a disabled user's family cannot refresh (user_inactive)", async () => {
    const db = await testDb();
    const { token, userId } = await family(db, T0);
    await db.query(sql`UPDATE users SET status = 'disabled', disabled_at = ${at(SECOND)} WHERE id = ${userId}`);
    expect(await refreshTokenPair(db, { token, now: at(2 * SECOND), actor }, cfg)).toEqual({ ok: false, error: "invalid_refresh_token" });
    expect((await audits(db, "refresh.failure")).map((a) => a.details.reason)).toEqual(["user_inactive"]);
  });

  it.each([
    { what: "a well-formed token never issued", token: () => randomToken(32), audited: ["unknown_token"] },
    { what: "a session token (id.secret)", token: () => `${randomToken(16)}.${randomToken(32)}`, audited: [] },
    { what: "an empty string", token: () => "", audited: [] },
  ])("$what is refused as invalid_refresh_token", async ({ token, audited }) => {
    const db = await testDb();
    await family(db, T0);
    expect(await refreshTokenPair(db, { token: token(), now: at(SECOND), actor }, cfg)).toEqual({
      ok: false,
      error: "invalid_refresh_token",
    });
    expect((await audits(db, "refresh.failure")).map((a) => a.details.reason)).toEqual(audited);
  });

  it("is rate limited per client IP; a refused attempt spends nothing and the token still rotates from elsewhere (#43)", async () => {
    const db = await testDb();
    const c = parseConfig({ NODE_ENV: "test", MAIL_TRANSPORT: "outbox", REFRESH_RATE_LIMIT_PER_WINDOW: "2" });
    const { token, sessionId } = await family(db, T0, 1, c);
    const busy = actorAt("198.51.100.7", "busy");
    expect(await refreshTokenPair(db, { token: randomToken(32), now: at(SECOND), actor: busy }, c)).toMatchObject({ ok: false });
    expect(await refreshTokenPair(db, { token: randomToken(32), now: at(SECOND), actor: busy }, c)).toMatchObject({ ok: false });
    expect(await refreshTokenPair(db, { token, now: at(SECOND), actor: busy }, c)).toEqual({
      ok: false,
      error: "too_many_requests",
      retryAfterSeconds: c.REFRESH_RATE_LIMIT_WINDOW_SECONDS,
    });
    expect((await tokenRows(db, sessionId)).map((r) => r.used)).toEqual([false]);
    expect((await refreshTokenPair(db, { token, now: at(SECOND), actor: actorAt("198.51.100.8") }, c)).ok).toBe(true);
  });

  it("exchangeSession starts a family on a new session of the same user, aal and absolute expiry, which outlives the cookie session's sign-out", async () => {
    const db = await testDb();
    const userId = await insertUser(db, "cookie@example.com");
    const cookie = await createSession(db, { userId, aal: 1, amr: ["pwd"], now: T0, ip: null, userAgent: null }, cfg);
    const pair = await exchangeSession(db, { session: cookie.session, now: at(3600 * SECOND), actor }, cfg);
    expect(pair.sessionId).not.toBe(cookie.session.id);
    const { rows } = await db.query<{ user_id: string; aal: number; absolute_expires_at: Date }>(
      sql`SELECT user_id::text, aal, absolute_expires_at FROM sessions WHERE id = ${pair.sessionId}`,
    );
    expect(rows).toEqual([{ user_id: userId, aal: 1, absolute_expires_at: cookie.session.absoluteExpiresAt }]);
    expect(await audits(db, "token.issued")).toEqual([
      { actor_id: userId, session_id: pair.sessionId, details: { source: "session", aal: 1, derivedFromSessionId: cookie.session.id } },
    ]);

    await revokeSessionById(db, cookie.session.id, "logout", at(3601 * SECOND));
    const rotated = value(await refreshTokenPair(db, { token: pair.refreshToken, now: at(3602 * SECOND), actor }, cfg));
    expect(rotated.sessionId).toBe(pair.sessionId);
  });

  it("stores only SHA-256 hashes: no token issued, rotated or handed out again in the grace window appears in the database", async () => {
    const db = await testDb();
    const { token, sessionId } = await family(db, T0);
    const first = value(await refreshTokenPair(db, { token, now: at(SECOND), actor }, cfg));
    const retry = value(await refreshTokenPair(db, { token, now: at(2 * SECOND), actor }, cfg));
    const second = value(await refreshTokenPair(db, { token: first.refreshToken, now: at(3 * SECOND), actor }, cfg));
    const issued = [token, first.refreshToken, retry.refreshToken, second.refreshToken];

    expect((await tokenRows(db, sessionId)).map((r) => r.token_hash)).toEqual(
      [token, first.refreshToken, second.refreshToken].map(sha256Hex),
    );
    const { rows } = await db.query<{ dump: string }>(sql`
      SELECT (SELECT coalesce(string_agg(t::text, ' '), '') FROM refresh_tokens t)
          || (SELECT coalesce(string_agg(s::text, ' '), '') FROM sessions s)
          || (SELECT coalesce(string_agg(a::text, ' '), '') FROM audit_logs a) AS dump`);
    for (const secret of new Set(issued)) expect(rows[0]!.dump).not.toContain(secret);
  });

  it.skipIf(usingPglite)(
    "parallel refreshes of one token on a real Postgres all get the same single successor: one child, one rotation, no reuse (#39, #40)",
    async () => {
      const db = await testDb();
      const { token, sessionId } = await family(db, T0);
      const tabs = 8;
      const racers = racersDb(tabs);
      try {
        const now = at(SECOND);
        const results = await raceBehindLock({
          hold: async (holder) => {
            await holder.query(sql`SELECT id FROM sessions WHERE id = ${sessionId} FOR UPDATE`);
          },
          release: "COMMIT",
          // the one-statement refresh (its text is cut at track_activity_query_size, so matched by its head)
          waitingIn: "%WITH rl AS (%INSERT INTO rate_limits%",
          // one IP each, so that they meet at the family's lock and not at the rate limit's row
          racers: Array.from(
            { length: tabs },
            (_, i) => () => refreshTokenPair(racers, { token, now, actor: actorAt(`10.0.0.${i + 1}`) }, cfg),
          ),
        });
        expect(results.map((r) => r.ok)).toEqual(Array(tabs).fill(true));
        const successors = new Set(results.map((r) => value(r).refreshToken));
        expect(successors.size).toBe(1);
        expect(successors.has(token)).toBe(false);
        const rows = await tokenRows(db, sessionId);
        expect(rows.map((r) => [r.used, r.revoked])).toEqual([
          [true, false],
          [false, false],
        ]);
        expect(rows[1]!.token_hash).toBe(sha256Hex([...successors][0]!));
        expect(await audits(db, "refresh.rotated")).toHaveLength(1);
        expect(await audits(db, "refresh.reuse_detected")).toEqual([]);
        expect((await sessionRow(db, sessionId)).revoked_at).toBeNull();
      } finally {
        await racers.close();
      }
    },
  );

  it.skipIf(usingPglite)(
    "a rotation waiting behind a revocation of its session on a real Postgres rotates nothing once the revocation commits",
    async () => {
      const db = await testDb();
      const { token, sessionId } = await family(db, T0);
      const racers = racersDb(1);
      try {
        const [result] = await raceBehindLock({
          hold: async (holder) => {
            await revokeSessionById(holder, sessionId, "logout_all", at(SECOND));
          },
          release: "COMMIT",
          // the one-statement refresh (its text is cut at track_activity_query_size, so matched by its head)
          waitingIn: "%WITH rl AS (%INSERT INTO rate_limits%",
          racers: [() => refreshTokenPair(racers, { token, now: at(2 * SECOND), actor }, cfg)],
        });
        expect(result).toEqual({ ok: false, error: "invalid_refresh_token" });
        expect((await tokenRows(db, sessionId)).map((r) => [r.used, r.revoked])).toEqual([[false, true]]);
        expect((await audits(db, "refresh.failure")).map((a) => a.details.reason)).toEqual(["family_revoked"]);
      } finally {
        await racers.close();
      }
    },
  );
});
