/**
 * Role-based access control.
 *
 * Model: a role (roles table) carries a jsonb list of permission strings "resource:action";
 * "*" grants every permission. A user holds any number of roles (user_roles). Permissions are
 * read from the database on every authorised request, never cached in the session or the
 * cookie, so a demotion takes effect on the user's very next request.
 *
 * A grant (a privilege increase) ends every session and refresh family of the user in the
 * same transaction: no token issued before the grant can ever act with the new role, not a
 * cookie copied earlier, not a refresh token (whose next access token would carry the new
 * roles claim); access JWTs already issued keep the roles they were signed with until they
 * expire. The user signs in again to use the role. Only a self-grant keeps the acting session
 * (it already held roles:assign), flagged for rotation. A removal (a decrease) flags every
 * live session for rotation (sessions.rotate_pending): the next request swaps the session for
 * a new id (app/_lib/auth.ts) and already runs without the role (OWASP Session Management CS:
 * renew the session id after any privilege change).
 *
 * Threats: a stolen or copied token promoted along with its owner (sessions ended at a grant),
 * privilege escalation by mass assignment (roles change only through assignRole /
 * removeRole, never from a request body naming fields), stale privileges after a demotion
 * (no cache), session fixation across a privilege change (rotation), locking everyone out
 * (the last active holder of a role that can assign roles keeps it), unaccountable changes
 * (every change writes role.changed with actor and target in the same transaction).
 * MFA required by role (roles.require_mfa, seeded for admin and support): such a role's
 * permissions count only for an aal2 session (a second factor was verified at sign-in or at a
 * step-up). From an aal1 session they are withheld, and a route that needs one of them answers
 * mfa_enrolment_required (no factor yet: enrol on /account/security) or step_up_required
 * (re-authenticate with a code: POST /api/auth/reauth). Threat: a phished or guessed password
 * alone reaching privileged or health data (HIPAA 164.312(d), ASVS V2.1 L2 for privileged users).
 *
 * References: ASVS V8.2.1-V8.2.3, V8.3.1, V7.2.4; checklist #62, #63, #64.
 */
import type { Db, Queryable } from "../db";
import { err, ok, type Result } from "../errors";
import type { Actor } from "../http/context";
import { recordAuditEvent } from "../audit/audit";
import { findUserById } from "../users/queries";
import { markSessionsForRotation, revokeUserSessions } from "../sessions/queries";
import { countOtherActiveHolders, deleteUserRole, findRoleForUpdate, findUserRoles, insertUserRole, type RoleRecord } from "./queries";

/** Every permission a route checks. Roles may list others; nothing checks them. */
export const PERMISSIONS = [
  "users:read",
  "users:write",
  "sessions:revoke",
  "roles:assign",
  "audit:read",
  "security:read",
  "clients:manage",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const WILDCARD = "*";

export function hasPermission(granted: readonly string[], needed: Permission): boolean {
  return granted.includes(WILDCARD) || granted.includes(needed);
}

/**
 * What a session of `aal` may do with `roles` for `needed`: granted (with the permissions usable
 * at that aal), mfa (only a require_mfa role grants it and the session is aal1), or denied.
 */
export type PermissionGate =
  | { readonly kind: "granted"; readonly permissions: readonly string[] }
  | { readonly kind: "mfa" }
  | { readonly kind: "denied" };

export function gatePermission(roles: readonly RoleRecord[], aal: 1 | 2, needed: Permission): PermissionGate {
  const usable = effectivePermissions(roles.filter((r) => aal === 2 || !r.requireMfa));
  if (hasPermission(usable, needed)) return { kind: "granted", permissions: usable };
  if (hasPermission(effectivePermissions(roles), needed)) return { kind: "mfa" };
  return { kind: "denied" };
}

function effectivePermissions(roles: readonly RoleRecord[]): string[] {
  return [...new Set(roles.flatMap((r) => r.permissions))].sort();
}

export interface RolesAndPermissions {
  readonly roles: readonly string[];
  /** Sorted, without duplicates; "*" when a role grants everything. */
  readonly permissions: readonly string[];
}

/** A user's role names and effective permissions: for authorisation and for access-token claims. */
export async function rolesAndPermissions(q: Queryable, userId: string): Promise<RolesAndPermissions> {
  const roles = await findUserRoles(q, userId);
  return { roles: roles.map((r) => r.name), permissions: effectivePermissions(roles) };
}

export interface RoleChange {
  readonly targetUserId: string;
  readonly role: string;
  /** The administrator making the change; null for the admin:create command. */
  readonly actorId: string | null;
  readonly sessionId: string | null;
  readonly actor: Actor;
  readonly now: Date;
  /** Extra audit details (e.g. { source: "cli" }). */
  readonly details?: Record<string, unknown>;
}

export interface RoleChangeOutcome {
  /** false when the user already had (assign) the role: nothing was written. */
  readonly changed: boolean;
  readonly roles: readonly string[];
}

async function recordRoleChange(
  tx: Queryable,
  change: RoleChange,
  action: "assigned" | "removed",
  sessions: Record<string, number>,
): Promise<void> {
  await recordAuditEvent(tx, {
    type: "role.changed",
    result: "success",
    actor: change.actor,
    actorId: change.actorId,
    targetId: change.targetUserId,
    sessionId: change.sessionId,
    now: change.now,
    details: { action, role: change.role, ...sessions, ...change.details },
  });
}

/**
 * A grant ends the user's sessions and refresh families (every one but the acting session of
 * a self-grant, which is only flagged for rotation): returns how many ended.
 */
async function endSessionsForGrant(tx: Queryable, change: RoleChange): Promise<number> {
  const selfGrant = change.actorId !== null && change.actorId === change.targetUserId;
  const keep = selfGrant ? change.sessionId : null;
  const revoked = await revokeUserSessions(tx, change.targetUserId, "role_changed", change.now, keep);
  if (keep) await markSessionsForRotation(tx, change.targetUserId);
  return revoked;
}

/**
 * Grants a role and ends the user's sessions (see the header). not_found: no such live user
 * or role. Idempotent: a held role is not re-audited and ends nothing.
 */
export async function assignRole(db: Db, change: RoleChange): Promise<Result<RoleChangeOutcome>> {
  return db.transaction(async (tx) => {
    const user = await findUserById(tx, change.targetUserId);
    const role = user ? await findRoleForUpdate(tx, change.role) : null;
    if (!user || !role) return err("not_found");
    const inserted = await insertUserRole(tx, { userId: user.id, roleId: role.id, grantedBy: change.actorId, now: change.now });
    if (inserted) {
      const revoked = await endSessionsForGrant(tx, change);
      await recordRoleChange(tx, change, "assigned", { sessionsRevoked: revoked });
    }
    const roles = (await findUserRoles(tx, user.id)).map((r) => r.name);
    return ok({ changed: inserted, roles });
  });
}

/**
 * Takes a role away. not_found: no such user or role, or the user does not hold it.
 * last_admin: the role can assign roles and the user is its last active holder.
 */
export async function removeRole(db: Db, change: RoleChange): Promise<Result<RoleChangeOutcome>> {
  return db.transaction(async (tx) => {
    const user = await findUserById(tx, change.targetUserId);
    const role = user ? await findRoleForUpdate(tx, change.role) : null;
    if (!user || !role) return err("not_found");
    if (hasPermission(role.permissions, "roles:assign") && (await countOtherActiveHolders(tx, role.id, user.id)) === 0) {
      const holds = (await findUserRoles(tx, user.id)).some((r) => r.id === role.id);
      if (holds) return err("last_admin");
    }
    if (!(await deleteUserRole(tx, user.id, role.id))) return err("not_found");
    const rotated = await markSessionsForRotation(tx, user.id);
    await recordRoleChange(tx, change, "removed", { sessionsRotated: rotated });
    const roles = (await findUserRoles(tx, user.id)).map((r) => r.name);
    return ok({ changed: true, roles });
  });
}
