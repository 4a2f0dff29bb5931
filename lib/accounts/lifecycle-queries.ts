/**
 * One function per SQL statement for the password and email lifecycle: reset, change,
 * verification and email change. snake_case rows become camelCase here.
 */
import { sql, type Queryable } from "../db";
import type { OneTimePurpose } from "../one-time-tokens/one-time-tokens";

export interface LiveToken {
  readonly userId: string;
  readonly purpose: OneTimePurpose;
  /** The address the token was sent to (and is bound to). */
  readonly email: string;
  /** The account's address now. */
  readonly userEmail: string;
  readonly userActive: boolean;
}

interface LiveTokenRow {
  user_id: string;
  purpose: OneTimePurpose;
  email: string;
  user_email: string;
  user_active: boolean;
}

/** An unspent, unexpired token of one of these purposes, with its account. Does not spend it. */
export async function findLiveToken(
  q: Queryable,
  tokenHash: string,
  purposes: readonly OneTimePurpose[],
  now: Date,
): Promise<LiveToken | null> {
  const { rows } = await q.query<LiveTokenRow>(sql`
    SELECT t.user_id, t.purpose, t.email::text AS email, u.email::text AS user_email,
           (u.status = 'active' AND u.deleted_at IS NULL) AS user_active
    FROM one_time_tokens t JOIN users u ON u.id = t.user_id
    WHERE t.token_hash = ${tokenHash} AND t.used_at IS NULL AND t.expires_at > ${now}
      AND t.purpose = ANY(${purposes as string[]}::text[])`);
  const row = rows[0];
  return row
    ? { userId: row.user_id, purpose: row.purpose, email: row.email, userEmail: row.user_email, userActive: row.user_active }
    : null;
}

/** Spends every unspent token of these purposes for a user (a newer secret makes them moot). */
export async function voidUserTokens(q: Queryable, userId: string, purposes: readonly OneTimePurpose[], now: Date): Promise<number> {
  const result = await q.query(sql`
    UPDATE one_time_tokens SET used_at = ${now}
    WHERE user_id = ${userId} AND used_at IS NULL AND purpose = ANY(${purposes as string[]}::text[])`);
  return result.rowCount;
}

export async function setPasswordHash(q: Queryable, userId: string, passwordHash: string, now: Date): Promise<boolean> {
  const result = await q.query(sql`
    UPDATE users SET password_hash = ${passwordHash}, password_changed_at = ${now}
    WHERE id = ${userId} AND deleted_at IS NULL`);
  return result.rowCount === 1;
}

/** Keeps only the newest `keep` history entries of a user (the ones the reuse check reads). */
export async function prunePasswordHistory(q: Queryable, userId: string, keep: number): Promise<void> {
  await q.query(sql`
    DELETE FROM password_history
    WHERE user_id = ${userId}
      AND id NOT IN (SELECT id FROM password_history WHERE user_id = ${userId} ORDER BY created_at DESC, id DESC LIMIT ${keep})`);
}

/** Marks the address verified, only if it is still the account's address. */
export async function markEmailVerified(q: Queryable, userId: string, email: string, now: Date): Promise<boolean> {
  const result = await q.query(sql`
    UPDATE users SET email_verified_at = COALESCE(email_verified_at, ${now})
    WHERE id = ${userId} AND email = ${email} AND deleted_at IS NULL`);
  return result.rowCount === 1;
}

/**
 * Moves an account from one address to another, verified (the new address has just proved
 * itself). Refused when the account's address is no longer `from`, or `to` belongs to another
 * live account by now.
 */
export async function changeUserEmail(q: Queryable, userId: string, from: string, to: string, now: Date): Promise<boolean> {
  const result = await q.query(sql`
    UPDATE users SET email = ${to}, email_verified_at = ${now}
    WHERE id = ${userId} AND email = ${from} AND deleted_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM users o WHERE o.email = ${to} AND o.deleted_at IS NULL AND o.id <> ${userId})`);
  return result.rowCount === 1;
}
