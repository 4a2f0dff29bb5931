/** One function per SQL statement on sessions. snake_case rows become camelCase here. */
import { prepared, sql, type Queryable } from "../db";

/**
 * Why a session ended: the CHECK list of sessions.revoked_reason (migration 0002);
 * tests/db/closed-unions.test.ts fails when the two differ.
 */
export const REVOCATION_REASONS = [
  "logout",
  "logout_all",
  "user_revoked",
  "admin_revoked",
  "password_changed",
  "password_reset",
  "mfa_changed",
  "email_changed",
  "user_disabled",
  "refresh_reuse",
  "rotated",
  "role_changed",
  "token_revoked",
] as const;

export type RevocationReason = (typeof REVOCATION_REASONS)[number];

export interface SessionRecord {
  readonly id: string;
  readonly secretHash: string;
  readonly userId: string;
  readonly aal: 1 | 2;
  readonly amr: readonly string[];
  readonly createdAt: Date;
  readonly lastActivityAt: Date;
  readonly idleExpiresAt: Date;
  readonly absoluteExpiresAt: Date;
  readonly reauthenticatedAt: Date;
  readonly rotatePending: boolean;
  readonly revokedAt: Date | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
}

export interface SessionUser {
  readonly id: string;
  readonly email: string;
  readonly name: string | null;
  readonly emailVerified: boolean;
  readonly active: boolean;
  readonly roles: readonly string[];
}

interface SessionRow {
  id: string;
  secret_hash: string;
  user_id: string;
  aal: number;
  amr: string[];
  created_at: Date;
  last_activity_at: Date;
  idle_expires_at: Date;
  absolute_expires_at: Date;
  reauthenticated_at: Date;
  rotate_pending: boolean;
  revoked_at: Date | null;
  ip: string | null;
  user_agent: string | null;
}

const toSession = (r: SessionRow): SessionRecord => ({
  id: r.id,
  secretHash: r.secret_hash,
  userId: r.user_id,
  aal: r.aal === 2 ? 2 : 1,
  amr: r.amr,
  createdAt: r.created_at,
  lastActivityAt: r.last_activity_at,
  idleExpiresAt: r.idle_expires_at,
  absoluteExpiresAt: r.absolute_expires_at,
  reauthenticatedAt: r.reauthenticated_at,
  rotatePending: r.rotate_pending,
  revokedAt: r.revoked_at,
  ip: r.ip,
  userAgent: r.user_agent,
});

export interface NewSession {
  readonly id: string;
  readonly secretHash: string;
  readonly userId: string;
  readonly aal: 1 | 2;
  readonly amr: readonly string[];
  readonly now: Date;
  readonly idleExpiresAt: Date;
  readonly absoluteExpiresAt: Date;
  readonly reauthenticatedAt: Date;
  readonly ip: string | null;
  readonly userAgent: string | null;
}

export async function insertSession(q: Queryable, s: NewSession): Promise<SessionRecord> {
  const { rows } = await q.query<SessionRow>(sql`
    INSERT INTO sessions (id, secret_hash, user_id, aal, amr, created_at, last_activity_at, idle_expires_at,
                          absolute_expires_at, reauthenticated_at, ip, user_agent)
    VALUES (${s.id}, ${s.secretHash}, ${s.userId}, ${s.aal}, ${s.amr as string[]}, ${s.now}, ${s.now}, ${s.idleExpiresAt},
            ${s.absoluteExpiresAt}, ${s.reauthenticatedAt}, ${s.ip}, ${s.userAgent})
    RETURNING id, secret_hash, user_id, aal, amr, created_at, last_activity_at, idle_expires_at, absolute_expires_at,
              reauthenticated_at, rotate_pending, revoked_at, host(ip) AS ip, user_agent`);
  return toSession(rows[0]!);
}

/** The hot path: the session and its user (with role names) in one primary-key lookup. */
export async function findSessionWithUser(q: Queryable, id: string): Promise<{ session: SessionRecord; user: SessionUser } | null> {
  const { rows } = await q.query<
    SessionRow & { email: string; name: string | null; email_verified_at: Date | null; user_active: boolean; roles: string[] }
  >(
    prepared(
      "portcullis_session_lookup",
      sql`
    SELECT s.id, s.secret_hash, s.user_id, s.aal, s.amr, s.created_at, s.last_activity_at, s.idle_expires_at,
           s.absolute_expires_at, s.reauthenticated_at, s.rotate_pending, s.revoked_at, host(s.ip) AS ip, s.user_agent,
           u.email, u.name, u.email_verified_at, (u.status = 'active' AND u.deleted_at IS NULL) AS user_active,
           ARRAY(SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = u.id ORDER BY r.name) AS roles
    FROM sessions s JOIN users u ON u.id = s.user_id
    WHERE s.id = ${id}`,
    ),
  );
  const row = rows[0];
  if (!row) return null;
  return {
    session: toSession(row),
    user: {
      id: row.user_id,
      email: row.email,
      name: row.name,
      emailVerified: row.email_verified_at !== null,
      active: row.user_active,
      roles: row.roles,
    },
  };
}

/** Moves the idle expiry forward; guarded so that concurrent requests write at most once. */
export async function touchSession(q: Queryable, id: string, now: Date, idleExpiresAt: Date, notAfter: Date): Promise<void> {
  await q.query(sql`
    UPDATE sessions SET last_activity_at = ${now}, idle_expires_at = ${idleExpiresAt}
    WHERE id = ${id} AND revoked_at IS NULL AND last_activity_at < ${notAfter}`);
}

export async function revokeSessionById(q: Queryable, id: string, reason: RevocationReason, now: Date): Promise<boolean> {
  const result = await q.query(sql`
    UPDATE sessions SET revoked_at = ${now}, revoked_reason = ${reason}
    WHERE id = ${id} AND revoked_at IS NULL`);
  await q.query(sql`UPDATE refresh_tokens SET revoked_at = ${now} WHERE session_id = ${id} AND revoked_at IS NULL`);
  return result.rowCount > 0;
}

/** Whose session an id names (revoked or not); null when no session has it. For auditing refusals. */
export async function findSessionOwner(q: Queryable, id: string): Promise<string | null> {
  const { rows } = await q.query<{ user_id: string }>(sql`SELECT user_id FROM sessions WHERE id = ${id}`);
  return rows[0]?.user_id ?? null;
}

/** Revokes a user's session by id only if it is theirs (object-level authorisation in SQL). */
export async function revokeOwnSession(q: Queryable, userId: string, id: string, reason: RevocationReason, now: Date): Promise<boolean> {
  const result = await q.query(sql`
    UPDATE sessions SET revoked_at = ${now}, revoked_reason = ${reason}
    WHERE id = ${id} AND user_id = ${userId} AND revoked_at IS NULL`);
  if (result.rowCount > 0)
    await q.query(sql`UPDATE refresh_tokens SET revoked_at = ${now} WHERE session_id = ${id} AND revoked_at IS NULL`);
  return result.rowCount > 0;
}

/** At most this many passes of revokeUserSessions (each one after the first finds rows committed meanwhile). */
const REVOKE_PASSES_MAX = 4;

/**
 * Ends every live session (and refresh family) of a user but `exceptId`. A rotation that held
 * one of these rows when the UPDATE reached it commits its successor row after this statement's
 * snapshot was taken: the next pass (a new snapshot) ends that successor too, so a concurrent
 * rotation can never carry a session past a sign-out everywhere or a privilege change.
 */
export async function revokeUserSessions(
  q: Queryable,
  userId: string,
  reason: RevocationReason,
  now: Date,
  exceptId: string | null,
): Promise<number> {
  let total = 0;
  for (let pass = 0; pass < REVOKE_PASSES_MAX; pass++) {
    const revoked = await revokeUserSessionsOnce(q, userId, reason, now, exceptId);
    total += revoked;
    if (revoked === 0) break;
  }
  await q.query(sql`
    UPDATE refresh_tokens SET revoked_at = ${now}
    WHERE user_id = ${userId} AND revoked_at IS NULL AND session_id IS DISTINCT FROM ${exceptId}`);
  return total;
}

async function revokeUserSessionsOnce(
  q: Queryable,
  userId: string,
  reason: RevocationReason,
  now: Date,
  exceptId: string | null,
): Promise<number> {
  const result = await q.query(sql`
    UPDATE sessions SET revoked_at = ${now}, revoked_reason = ${reason}
    WHERE user_id = ${userId} AND revoked_at IS NULL AND id IS DISTINCT FROM ${exceptId}`);
  return result.rowCount;
}

export async function listLiveSessions(q: Queryable, userId: string, now: Date): Promise<SessionRecord[]> {
  const { rows } = await q.query<SessionRow>(sql`
    SELECT id, secret_hash, user_id, aal, amr, created_at, last_activity_at, idle_expires_at, absolute_expires_at,
           reauthenticated_at, rotate_pending, revoked_at, host(ip) AS ip, user_agent
    FROM sessions
    WHERE user_id = ${userId} AND revoked_at IS NULL AND idle_expires_at > ${now} AND absolute_expires_at > ${now}
    ORDER BY created_at DESC
    LIMIT 100`);
  return rows.map(toSession);
}

/** Asks every live session of a user to take a new id at its next request (privilege change). */
export async function markSessionsForRotation(q: Queryable, userId: string): Promise<number> {
  const result = await q.query(sql`UPDATE sessions SET rotate_pending = true WHERE user_id = ${userId} AND revoked_at IS NULL`);
  return result.rowCount;
}
