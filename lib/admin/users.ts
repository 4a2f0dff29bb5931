/**
 * Administration of accounts: list and search, the security state of one account, disable,
 * enable and unlock.
 *
 * Disabling ends the account's access at once (checklist #32): in one transaction the status
 * flips to disabled (with disabled_at, as the CHECK demands), every session is revoked with
 * reason user_disabled and every refresh token of every family with it, and the audit row is
 * written. Session validation also refuses any session of a disabled account, and sign-in
 * answers a disabled account with the generic invalid_credentials.
 * Unlocking clears the per-identifier sign-in throttle (keyed by the email's subject hash)
 * and the second-factor lock.
 *
 * Admins never set, see or receive a password (checklist #64): nothing here reads
 * password_hash, and the only password action is sending the user a reset link
 * (lib/admin/password-reset.ts). Every change is audited with actor and target.
 */
import type { Db } from "../db";
import { err, ok, type Result } from "../errors";
import { subjectHash } from "../users/email";
import { revokeUserSessions } from "../sessions/queries";
import { encodeCursor } from "../http/cursor";
import { clearThrottle } from "../accounts/throttle";
import { recordAdminEvent, type AdminAction } from "./action";
import {
  clearMfaLock,
  findUserSecurityStatus,
  findUserStatus,
  markUserDisabled,
  markUserEnabled,
  searchUsers,
  type UserSearch,
  type UserSecurityRecord,
} from "./queries";

export interface AdminUserSummary {
  readonly id: string;
  readonly email: string;
  readonly name: string | null;
  readonly status: "active" | "disabled";
  readonly emailVerified: boolean;
  readonly roles: readonly string[];
  readonly createdAt: string;
  readonly disabledAt: string | null;
}

export interface UserPage {
  readonly users: readonly AdminUserSummary[];
  readonly nextCursor: string | null;
}

export async function listUsers(db: Db, search: UserSearch): Promise<UserPage> {
  const rows = await searchUsers(db, search);
  const page = rows.slice(0, search.limit);
  const last = page[page.length - 1];
  return {
    users: page.map((u) => ({
      id: u.id,
      email: u.email,
      name: u.name,
      status: u.status,
      emailVerified: u.emailVerifiedAt !== null,
      roles: u.roles,
      createdAt: u.createdAt.toISOString(),
      disabledAt: u.disabledAt?.toISOString() ?? null,
    })),
    nextCursor: rows.length > search.limit && last ? encodeCursor({ at: last.cursorAt, id: last.id }) : null,
  };
}

export interface AdminUserDetail {
  readonly id: string;
  readonly email: string;
  readonly name: string | null;
  readonly status: "active" | "disabled";
  readonly disabledAt: string | null;
  readonly disabledReason: string | null;
  readonly emailVerified: boolean;
  readonly roles: readonly string[];
  readonly createdAt: string;
  readonly passwordChangedAt: string | null;
  readonly lastSeenAt: string | null;
  /** The latest successful sign-in by any method (users.last_login_at); null before the first. */
  readonly lastLoginAt: string | null;
  readonly security: {
    readonly locked: boolean;
    readonly lockedUntil: string | null;
    readonly hardLocked: boolean;
    readonly failedLoginCount: number;
    readonly totalFailedLogins: number;
    readonly mfaEnabled: boolean;
    readonly mfaLocked: boolean;
    readonly mfaLockedUntil: string | null;
    readonly mfaFailedCount: number;
    readonly backupCodesLeft: number;
    readonly activeSessionCount: number;
    readonly trustedDeviceCount: number;
  };
}

const iso = (d: Date | null): string | null => d?.toISOString() ?? null;

function publicDetail(r: UserSecurityRecord, now: Date): AdminUserDetail {
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    status: r.status,
    disabledAt: iso(r.disabledAt),
    disabledReason: r.disabledReason,
    emailVerified: r.emailVerified,
    roles: r.roles,
    createdAt: r.createdAt.toISOString(),
    passwordChangedAt: iso(r.passwordChangedAt),
    lastSeenAt: iso(r.lastSeenAt),
    lastLoginAt: iso(r.lastLoginAt),
    security: {
      locked: r.hardLocked || (r.lockedUntil !== null && r.lockedUntil > now),
      lockedUntil: iso(r.lockedUntil),
      hardLocked: r.hardLocked,
      failedLoginCount: r.failedLoginCount,
      totalFailedLogins: r.totalFailedLogins,
      mfaEnabled: r.mfaEnabled,
      mfaLocked: r.mfaLockedUntil !== null && r.mfaLockedUntil > now,
      mfaLockedUntil: iso(r.mfaLockedUntil),
      mfaFailedCount: r.mfaFailedCount,
      backupCodesLeft: r.backupCodesLeft,
      activeSessionCount: r.activeSessionCount,
      trustedDeviceCount: r.trustedDeviceCount,
    },
  };
}

export async function getUserDetail(db: Db, userId: string, now: Date): Promise<Result<AdminUserDetail>> {
  const record = await findUserSecurityStatus(db, userId);
  return record ? ok(publicDetail(record, now)) : err("not_found");
}

/** Disables an account and ends all its sessions and refresh families at once. */
export async function disableUser(
  db: Db,
  userId: string,
  reason: string | null,
  action: AdminAction,
): Promise<Result<{ sessionsRevoked: number }>> {
  if (userId === action.adminId) return err("cannot_target_self");
  return db.transaction(async (tx) => {
    if (!(await markUserDisabled(tx, userId, reason, action.now))) {
      return err((await findUserStatus(tx, userId)) ? "already_disabled" : "not_found");
    }
    const sessionsRevoked = await revokeUserSessions(tx, userId, "user_disabled", action.now, null);
    await recordAdminEvent(tx, action, "user.disabled", userId, { reason, sessionsRevoked });
    return ok({ sessionsRevoked });
  });
}

export async function enableUser(db: Db, userId: string, action: AdminAction): Promise<Result<void>> {
  return db.transaction(async (tx) => {
    if (!(await markUserEnabled(tx, userId))) return err((await findUserStatus(tx, userId)) ? "not_disabled" : "not_found");
    await recordAdminEvent(tx, action, "user.enabled", userId);
    return ok(undefined);
  });
}

/** Clears the sign-in lock and the second-factor lock. Audited even when nothing was locked. */
export async function unlockUser(
  db: Db,
  userId: string,
  action: AdminAction,
): Promise<Result<{ signInUnlocked: boolean; mfaUnlocked: boolean }>> {
  return db.transaction(async (tx) => {
    const user = await findUserStatus(tx, userId);
    if (!user) return err("not_found");
    const signInUnlocked = await clearThrottle(tx, subjectHash(user.email));
    const mfaUnlocked = await clearMfaLock(tx, userId);
    await recordAdminEvent(tx, action, "user.unlocked", userId, { signInUnlocked, mfaUnlocked });
    return ok({ signInUnlocked, mfaUnlocked });
  });
}
