/** One function per SQL statement for account deletion (lib/accounts/delete-account.ts). */
import { sql, type Queryable } from "../db";

/** Locks a live (undeleted) account for the deletion; null when there is none. */
export async function lockLiveUser(q: Queryable, userId: string): Promise<{ id: string; email: string } | null> {
  const { rows } = await q.query<{ id: string; email: string }>(sql`
    SELECT id, email::text AS email FROM users WHERE id = ${userId} AND deleted_at IS NULL FOR UPDATE`);
  return rows[0] ?? null;
}

/** The roles this user holds that can assign roles and that no other active account holds. */
export async function countSoleRoleAssigners(q: Queryable, userId: string): Promise<number> {
  const { rows } = await q.query<{ n: number }>(sql`
    SELECT count(*)::int AS n
    FROM user_roles ur JOIN roles r ON r.id = ur.role_id
    WHERE ur.user_id = ${userId}
      AND (r.permissions ? 'roles:assign' OR r.permissions ? '*')
      AND NOT EXISTS (
        SELECT 1 FROM user_roles o JOIN users u ON u.id = o.user_id
        WHERE o.role_id = ur.role_id AND o.user_id <> ${userId} AND u.status = 'active' AND u.deleted_at IS NULL)`);
  return rows[0]?.n ?? 0;
}

/** Sessions (and, by cascade, their refresh-token families), with their IPs and user agents. */
export async function deleteUserSessions(q: Queryable, userId: string): Promise<number> {
  return (await q.query(sql`DELETE FROM sessions WHERE user_id = ${userId}`)).rowCount;
}

export async function deleteUserMfaFactors(q: Queryable, userId: string): Promise<void> {
  await q.query(sql`DELETE FROM mfa_factors WHERE user_id = ${userId}`);
}

export async function deleteUserBackupCodes(q: Queryable, userId: string): Promise<void> {
  await q.query(sql`DELETE FROM mfa_backup_codes WHERE user_id = ${userId}`);
}

export async function deleteUserTrustedDevices(q: Queryable, userId: string): Promise<void> {
  await q.query(sql`DELETE FROM trusted_devices WHERE user_id = ${userId}`);
}

export async function deleteUserOneTimeTokens(q: Queryable, userId: string): Promise<void> {
  await q.query(sql`DELETE FROM one_time_tokens WHERE user_id = ${userId}`);
}

export async function deleteUserMfaChallenges(q: Queryable, userId: string): Promise<void> {
  await q.query(sql`DELETE FROM mfa_challenges WHERE user_id = ${userId}`);
}

export async function deleteUserPasswordHistory(q: Queryable, userId: string): Promise<void> {
  await q.query(sql`DELETE FROM password_history WHERE user_id = ${userId}`);
}

export async function deleteUserRoles(q: Queryable, userId: string): Promise<void> {
  await q.query(sql`DELETE FROM user_roles WHERE user_id = ${userId}`);
}

export async function deleteUserOauthAccounts(q: Queryable, userId: string): Promise<void> {
  await q.query(sql`DELETE FROM oauth_accounts WHERE user_id = ${userId}`);
}

/**
 * Keeps the row (audit rows and foreign keys name its id) with nothing personal left: a
 * placeholder address under the reserved .invalid domain, no name, no password; disabled and
 * soft-deleted, so every query for live accounts skips it and the old address is free again.
 */
export async function anonymiseUser(q: Queryable, userId: string, now: Date): Promise<void> {
  await q.query(sql`
    UPDATE users
    SET email = 'deleted-' || id::text || '@deleted.invalid', name = NULL, password_hash = NULL, password_changed_at = NULL,
        email_verified_at = NULL, status = 'disabled', disabled_at = ${now}, disabled_reason = 'account deleted', deleted_at = ${now}
    WHERE id = ${userId}`);
}
