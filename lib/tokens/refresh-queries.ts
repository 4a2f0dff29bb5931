/** One function per SQL statement on refresh_tokens. snake_case rows become camelCase here. */
import { prepared, sql, type Queryable } from "../db";
import { countHit, hitVerdict, type RateLimitRule, type RateLimitVerdict } from "../rate-limit/rate-limit";

export interface RefreshTokenRecord {
  readonly id: string;
  readonly sessionId: string;
  readonly userId: string;
  readonly parentId: string | null;
  readonly createdAt: Date;
  readonly usedAt: Date | null;
  readonly revokedAt: Date | null;
  readonly successorSealed: string | null;
}

interface RefreshTokenRow {
  id: string | number;
  session_id: string;
  user_id: string;
  parent_id: string | number | null;
  created_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
  successor_sealed: string | null;
}

// bigint ids come back as strings from pg and as numbers from some drivers: keep them as text.
const toRecord = (r: RefreshTokenRow): RefreshTokenRecord => ({
  id: String(r.id),
  sessionId: r.session_id,
  userId: r.user_id,
  parentId: r.parent_id === null ? null : String(r.parent_id),
  createdAt: r.created_at,
  usedAt: r.used_at,
  revokedAt: r.revoked_at,
  successorSealed: r.successor_sealed,
});

export interface NewRefreshToken {
  readonly sessionId: string;
  readonly userId: string;
  readonly parentId: string | null;
  readonly tokenHash: string;
  readonly now: Date;
}

/**
 * Inserts a token of a family. A second child of the same parent violates
 * refresh_tokens_one_successor_key: a family can never fork, whatever the callers do.
 */
export async function insertRefreshToken(q: Queryable, t: NewRefreshToken): Promise<string> {
  const { rows } = await q.query<{ id: string | number }>(sql`
    INSERT INTO refresh_tokens (session_id, user_id, parent_id, token_hash, created_at)
    VALUES (${t.sessionId}, ${t.userId}, ${t.parentId}, ${t.tokenHash}, ${t.now})
    RETURNING id`);
  return String(rows[0]!.id);
}

/**
 * The presented token's row, locked until the transaction ends: concurrent refreshes with the
 * same token queue here, and each one after the first sees the first one's committed rotation.
 */
export async function lockRefreshTokenByHash(q: Queryable, tokenHash: string): Promise<RefreshTokenRecord | null> {
  const { rows } = await q.query<RefreshTokenRow>(sql`
    SELECT id, session_id, user_id, parent_id, created_at, used_at, revoked_at, successor_sealed
    FROM refresh_tokens WHERE token_hash = ${tokenHash}
    FOR UPDATE`);
  return rows[0] ? toRecord(rows[0]) : null;
}

export async function findRefreshTokenByHash(q: Queryable, tokenHash: string): Promise<RefreshTokenRecord | null> {
  const { rows } = await q.query<RefreshTokenRow>(sql`
    SELECT id, session_id, user_id, parent_id, created_at, used_at, revoked_at, successor_sealed
    FROM refresh_tokens WHERE token_hash = ${tokenHash}`);
  return rows[0] ? toRecord(rows[0]) : null;
}

/** The one child of a token, if it has been rotated. */
export async function findSuccessor(q: Queryable, parentId: string): Promise<RefreshTokenRecord | null> {
  const { rows } = await q.query<RefreshTokenRow>(sql`
    SELECT id, session_id, user_id, parent_id, created_at, used_at, revoked_at, successor_sealed
    FROM refresh_tokens WHERE parent_id = ${parentId}`);
  return rows[0] ? toRecord(rows[0]) : null;
}

/** Spends a token, storing its sealed successor; false if it was already spent or revoked. */
export async function markRefreshTokenUsed(q: Queryable, id: string, now: Date, successorSealed: string): Promise<boolean> {
  const result = await q.query(sql`
    UPDATE refresh_tokens SET used_at = ${now}, successor_sealed = ${successorSealed}
    WHERE id = ${id} AND used_at IS NULL AND revoked_at IS NULL`);
  return result.rowCount === 1;
}

/**
 * Locks a family's session row. Every writer of a session takes the session row before its
 * refresh tokens (revocation updates sessions, then refresh_tokens), so taking it first here
 * keeps one lock order and concurrent refreshes of a family queue on it.
 */
export async function lockSession(q: Queryable, sessionId: string): Promise<boolean> {
  const { rows } = await q.query(sql`SELECT id FROM sessions WHERE id = ${sessionId} FOR NO KEY UPDATE`);
  return rows.length === 1;
}

/** Refresh activity is session activity: slides the idle expiry (never backwards), returns it. */
export async function touchFamilySession(q: Queryable, sessionId: string, now: Date, idleExpiresAt: Date): Promise<Date | null> {
  const { rows } = await q.query<{ idle_expires_at: Date }>(sql`
    UPDATE sessions SET last_activity_at = GREATEST(last_activity_at, ${now}), idle_expires_at = GREATEST(idle_expires_at, ${idleExpiresAt})
    WHERE id = ${sessionId} AND revoked_at IS NULL
    RETURNING idle_expires_at`);
  return rows[0]?.idle_expires_at ?? null;
}

/** The client a family was issued to (null: a first-party family) and its scopes. */
export interface FamilyClient {
  readonly oauthClientId: string | null;
  readonly oauthScopes: readonly string[] | null;
}

/** lockSession, also reading which client the family belongs to. null: no such session. */
export async function lockFamily(q: Queryable, sessionId: string): Promise<FamilyClient | null> {
  const { rows } = await q.query<{ oauth_client_id: string | null; oauth_scopes: string[] | null }>(sql`
    SELECT oauth_client_id, oauth_scopes FROM sessions WHERE id = ${sessionId} FOR NO KEY UPDATE`);
  return rows[0] ? { oauthClientId: rows[0].oauth_client_id, oauthScopes: rows[0].oauth_scopes } : null;
}

export async function findFamilyClient(q: Queryable, sessionId: string): Promise<FamilyClient | null> {
  const { rows } = await q.query<{ oauth_client_id: string | null; oauth_scopes: string[] | null }>(sql`
    SELECT oauth_client_id, oauth_scopes FROM sessions WHERE id = ${sessionId}`);
  return rows[0] ? { oauthClientId: rows[0].oauth_client_id, oauthScopes: rows[0].oauth_scopes } : null;
}

export interface RotationInput {
  readonly tokenHash: string;
  readonly childHash: string;
  /** The child sealed under the presented token (bound to its hash), stored on the spent row. */
  readonly successorSealed: string;
  readonly now: Date;
  /** The idle timeouts of aal1 and aal2 sessions: the family's session slides by its own. */
  readonly idleTimeoutSeconds: { readonly aal1: number; readonly aal2: number };
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly requestId: string;
  /** The OAuth client presenting the token (null: a first-party client); must be the family's. */
  readonly clientId: string | null;
  /** The rate limit the attempt counts against (a null key: none), counted in the same statement. */
  readonly rateLimit: { readonly key: string | null; readonly rule: RateLimitRule };
}

export interface Rotation {
  readonly parentId: string;
  readonly childId: string;
  readonly sessionId: string;
  readonly userId: string;
  readonly aal: 1 | 2;
  readonly amr: string[];
  readonly roles: string[];
  readonly idleExpiresAt: Date;
  /** The client the family was issued to, and its scopes (null for first-party families). */
  readonly family: FamilyClient;
}

/**
 * The whole refresh of an unspent token in one statement (one round trip), or nothing:
 *   rl      counts the attempt against the rate limit (rate_limits upsert, as consumeRateLimit);
 *           over the limit, `s` finds nothing and nothing below happens.
 *   s       the family's session, locked first (FOR NO KEY UPDATE, the lock order every writer of
 *           a family keeps), only if it is live as of `now` and its user active. After waiting
 *           for the lock, Postgres re-checks these conditions on the newest row version, so a
 *           revocation committed meanwhile stops the rotation.
 *   parent  spends the presented token, only if unspent and unrevoked; a concurrent rotation of
 *           the same token that committed first makes this re-check fail (0 rows), and so every
 *           CTE below, which all hang off `parent`, does nothing.
 *   child   the successor (refresh_tokens_one_successor_key: at most one per parent, ever).
 *   touched refresh activity slides the session's idle expiry (never backwards, never past the
 *           absolute expiry).
 *   audit   the refresh.rotated row, in the same statement, so the same transaction.
 * A named prepared statement: planned once per connection (its planning took about as long as
 * its execution). The limit's verdict always comes back; allowed but no rotation means "not this
 * fast path": the caller runs the locked transaction of refresh.ts, which tells a retry inside the
 * grace window from reuse, expiry or revocation (and counts nothing again).
 */
export async function rotateRefreshToken(
  q: Queryable,
  r: RotationInput,
): Promise<{ readonly limit: RateLimitVerdict; readonly rotation: Rotation | null }> {
  const { rows } = await q.query<{
    parent_id: string | number | null;
    child_id: string | number;
    session_id: string;
    user_id: string;
    aal: number;
    amr: string[];
    roles: string[];
    idle_expires_at: Date;
    oauth_client_id: string | null;
    oauth_scopes: string[] | null;
    rl_count: number | null;
    rl_expires_at: Date | null;
  }>(
    prepared(
      "portcullis_refresh_rotate",
      sql`
    WITH rl AS (${countHit(r.rateLimit.key, r.rateLimit.rule, r.now)}
    ), s AS (
      SELECT s.id, s.user_id, s.aal, s.amr, s.absolute_expires_at, s.oauth_client_id, s.oauth_scopes
      FROM refresh_tokens t0
      JOIN sessions s ON s.id = t0.session_id
      JOIN users u ON u.id = s.user_id
      WHERE t0.token_hash = ${r.tokenHash}
        AND s.revoked_at IS NULL AND s.idle_expires_at > ${r.now} AND s.absolute_expires_at > ${r.now}
        AND u.status = 'active' AND u.deleted_at IS NULL
        AND s.oauth_client_id IS NOT DISTINCT FROM ${r.clientId}::text
        AND COALESCE((SELECT count FROM rl), 0) <= ${r.rateLimit.rule.limit}::int
      FOR NO KEY UPDATE OF s
    ), parent AS (
      UPDATE refresh_tokens t SET used_at = ${r.now}, successor_sealed = ${r.successorSealed}
      FROM s
      WHERE t.token_hash = ${r.tokenHash} AND t.session_id = s.id AND t.used_at IS NULL AND t.revoked_at IS NULL
      RETURNING t.id, t.session_id, t.user_id
    ), child AS (
      INSERT INTO refresh_tokens (session_id, user_id, parent_id, token_hash, created_at)
      SELECT p.session_id, p.user_id, p.id, ${r.childHash}, ${r.now} FROM parent p
      RETURNING id, parent_id
    ), touched AS (
      UPDATE sessions ss SET last_activity_at = GREATEST(ss.last_activity_at, ${r.now}),
             idle_expires_at = GREATEST(ss.idle_expires_at, LEAST(ss.absolute_expires_at,
               ${r.now}::timestamptz + make_interval(secs =>
                 CASE WHEN ss.aal = 2 THEN ${r.idleTimeoutSeconds.aal2}::int ELSE ${r.idleTimeoutSeconds.aal1}::int END)))
      FROM parent p
      WHERE ss.id = p.session_id AND ss.revoked_at IS NULL
      RETURNING ss.idle_expires_at
    ), audit AS (
      INSERT INTO audit_logs (created_at, event_type, result, actor_id, target_id, session_id, ip, user_agent, request_id, details)
      SELECT ${r.now}, 'refresh.rotated', 'success', p.user_id, p.user_id, p.session_id, ${r.ip}::inet, ${r.userAgent}, ${r.requestId},
             jsonb_build_object('familyId', p.session_id, 'parentTokenId', p.id::text, 'tokenId', c.id::text)
      FROM parent p JOIN child c ON c.parent_id = p.id
    )
    SELECT (SELECT count FROM rl) AS rl_count, (SELECT expires_at FROM rl) AS rl_expires_at, done.*
    FROM (SELECT 1) AS always LEFT JOIN (
      SELECT p.id AS parent_id, c.id AS child_id, p.session_id, p.user_id, s.aal, s.amr, tch.idle_expires_at,
             s.oauth_client_id, s.oauth_scopes,
             ARRAY(SELECT ro.name FROM user_roles ur JOIN roles ro ON ro.id = ur.role_id
                   WHERE ur.user_id = p.user_id ORDER BY ro.name) AS roles
      FROM parent p JOIN child c ON c.parent_id = p.id JOIN s ON s.id = p.session_id CROSS JOIN touched tch
    ) AS done ON TRUE`,
    ),
  );
  const row = rows[0];
  if (!row) throw new Error("rotateRefreshToken: the statement returns one row");
  const limit = hitVerdict(
    row.rl_count === null || row.rl_expires_at === null ? null : { count: row.rl_count, expires_at: row.rl_expires_at },
    r.rateLimit.rule,
    r.now,
  );
  if (row.parent_id === null) return { limit, rotation: null };
  return {
    limit,
    rotation: {
      parentId: String(row.parent_id),
      childId: String(row.child_id),
      sessionId: row.session_id,
      userId: row.user_id,
      aal: row.aal === 2 ? 2 : 1,
      amr: row.amr,
      roles: row.roles,
      idleExpiresAt: row.idle_expires_at,
      family: { oauthClientId: row.oauth_client_id, oauthScopes: row.oauth_scopes },
    },
  };
}
