/**
 * One function per SQL statement for the admin API on accounts. snake_case rows become
 * camelCase here. No statement selects password_hash: nothing an admin route returns can
 * carry a password or its hash.
 */
import { joinSql, sql, type Queryable } from "../db";
import type { Cursor } from "../http/cursor";
import { UUID_PATTERN } from "./search-params";

export interface UserSearch {
  /** Part of an email address, or a user id. */
  readonly query: string | null;
  readonly status: "active" | "disabled" | null;
  readonly role: string | null;
  readonly after: Cursor | null;
  readonly limit: number;
}

export interface UserListRecord {
  readonly id: string;
  readonly email: string;
  readonly name: string | null;
  readonly status: "active" | "disabled";
  readonly emailVerifiedAt: Date | null;
  readonly disabledAt: Date | null;
  readonly createdAt: Date;
  readonly roles: readonly string[];
  readonly cursorAt: string;
}

interface UserListRow {
  id: string;
  email: string;
  name: string | null;
  status: "active" | "disabled";
  email_verified_at: Date | null;
  disabled_at: Date | null;
  created_at: Date;
  roles: string[];
  cursor_at: string;
}

/** A LIKE pattern matching `text` anywhere, with the LIKE metacharacters taken literally. */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Newest first, keyset on (created_at, id): users_created_idx. Fetches limit + 1 to know if a next page exists. */
export async function searchUsers(q: Queryable, search: UserSearch): Promise<UserListRecord[]> {
  const conditions = [sql`u.deleted_at IS NULL`];
  if (search.query !== null) {
    conditions.push(
      UUID_PATTERN.test(search.query)
        ? sql`u.id = ${search.query.toLowerCase()}::uuid`
        : sql`u.email ILIKE ${containsPattern(search.query)}`,
    );
  }
  if (search.status !== null) conditions.push(sql`u.status = ${search.status}`);
  if (search.role !== null) {
    conditions.push(
      sql`EXISTS (SELECT 1 FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = u.id AND r.name = ${search.role})`,
    );
  }
  if (search.after !== null) conditions.push(sql`(u.created_at, u.id) < (${search.after.at}::timestamptz, ${search.after.id}::uuid)`);
  const { rows } = await q.query<UserListRow>(sql`
    SELECT u.id, u.email, u.name, u.status, u.email_verified_at, u.disabled_at, u.created_at,
           ARRAY(SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = u.id ORDER BY r.name) AS roles,
           to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
    FROM users u
    WHERE ${joinSql(conditions, sql` AND `)}
    ORDER BY u.created_at DESC, u.id DESC
    LIMIT ${search.limit + 1}`);
  return rows.map((r) => ({
    id: r.id,
    email: r.email,
    name: r.name,
    status: r.status,
    emailVerifiedAt: r.email_verified_at,
    disabledAt: r.disabled_at,
    createdAt: r.created_at,
    roles: r.roles,
    cursorAt: r.cursor_at,
  }));
}

export interface UserSecurityRecord {
  readonly id: string;
  readonly email: string;
  readonly name: string | null;
  readonly status: "active" | "disabled";
  readonly disabledAt: Date | null;
  readonly disabledReason: string | null;
  readonly emailVerified: boolean;
  readonly passwordChangedAt: Date | null;
  readonly failedLoginCount: number;
  readonly totalFailedLogins: number;
  readonly lockedUntil: Date | null;
  readonly hardLocked: boolean;
  readonly mfaFailedCount: number;
  readonly mfaLockedUntil: Date | null;
  readonly mfaEnabled: boolean;
  readonly backupCodesLeft: number;
  readonly activeSessionCount: number;
  readonly trustedDeviceCount: number;
  readonly lastSeenAt: Date | null;
  readonly lastLoginAt: Date | null;
  readonly roles: readonly string[];
  readonly createdAt: Date;
}

interface UserSecurityRow {
  user_id: string;
  email: string;
  name: string | null;
  status: "active" | "disabled";
  disabled_at: Date | null;
  disabled_reason: string | null;
  email_verified: boolean;
  password_changed_at: Date | null;
  failed_login_count: number;
  total_failed_logins: number;
  locked_until: Date | null;
  hard_locked: boolean;
  mfa_failed_count: number;
  mfa_locked_until: Date | null;
  mfa_enabled: boolean;
  backup_codes_left: number;
  active_session_count: number;
  trusted_device_count: number;
  last_seen_at: Date | null;
  last_login_at: Date | null;
  roles: string[];
  created_at: Date;
}

/** One account's security state, from the user_security_status view (0008). */
export async function findUserSecurityStatus(q: Queryable, userId: string): Promise<UserSecurityRecord | null> {
  const { rows } = await q.query<UserSecurityRow>(sql`
    SELECT s.user_id, s.email, u.name, s.status, u.disabled_at, u.disabled_reason, s.email_verified, s.password_changed_at,
           s.failed_login_count, s.total_failed_logins, s.locked_until, s.hard_locked, s.mfa_failed_count, s.mfa_locked_until,
           s.mfa_enabled, s.backup_codes_left, s.active_session_count, s.trusted_device_count, s.last_seen_at,
             s.last_login_at, s.roles, s.created_at
    FROM user_security_status s JOIN users u ON u.id = s.user_id
    WHERE s.user_id = ${userId}`);
  const r = rows[0];
  if (!r) return null;
  return {
    id: r.user_id,
    email: r.email,
    name: r.name,
    status: r.status,
    disabledAt: r.disabled_at,
    disabledReason: r.disabled_reason,
    emailVerified: r.email_verified,
    passwordChangedAt: r.password_changed_at,
    failedLoginCount: r.failed_login_count,
    totalFailedLogins: r.total_failed_logins,
    lockedUntil: r.locked_until,
    hardLocked: r.hard_locked,
    mfaFailedCount: r.mfa_failed_count,
    mfaLockedUntil: r.mfa_locked_until,
    mfaEnabled: r.mfa_enabled,
    backupCodesLeft: r.backup_codes_left,
    activeSessionCount: r.active_session_count,
    trustedDeviceCount: r.trusted_device_count,
    lastSeenAt: r.last_seen_at,
    lastLoginAt: r.last_login_at,
    roles: r.roles,
    createdAt: r.created_at,
  };
}

/** The status of a live account, or null when there is none. */
export async function findUserStatus(q: Queryable, userId: string): Promise<{ email: string; status: "active" | "disabled" } | null> {
  const { rows } = await q.query<{ email: string; status: "active" | "disabled" }>(sql`
    SELECT email, status FROM users WHERE id = ${userId} AND deleted_at IS NULL`);
  return rows[0] ?? null;
}

/** active -> disabled, in one guarded statement (status and disabled_at together, per the CHECK). */
export async function markUserDisabled(q: Queryable, userId: string, reason: string | null, now: Date): Promise<boolean> {
  const result = await q.query(sql`
    UPDATE users SET status = 'disabled', disabled_at = ${now}, disabled_reason = ${reason}
    WHERE id = ${userId} AND deleted_at IS NULL AND status = 'active'`);
  return result.rowCount > 0;
}

/** disabled -> active, in one guarded statement. */
export async function markUserEnabled(q: Queryable, userId: string): Promise<boolean> {
  const result = await q.query(sql`
    UPDATE users SET status = 'active', disabled_at = NULL, disabled_reason = NULL
    WHERE id = ${userId} AND deleted_at IS NULL AND status = 'disabled'`);
  return result.rowCount > 0;
}

/** Clears the second-factor failure counter and lock; true when there was something to clear. */
export async function clearMfaLock(q: Queryable, userId: string): Promise<boolean> {
  const result = await q.query(sql`
    UPDATE users SET mfa_failed_count = 0, mfa_locked_until = NULL, mfa_lock_count = 0
    WHERE id = ${userId} AND (mfa_failed_count > 0 OR mfa_locked_until IS NOT NULL OR mfa_lock_count > 0)`);
  return result.rowCount > 0;
}

/** Removes the sign-in throttle of a subject; true when one existed. */
