/** One function per SQL statement on refresh_tokens. snake_case rows become camelCase here. */
import { sql, type Queryable } from "../db";

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
