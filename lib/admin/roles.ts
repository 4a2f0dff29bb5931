/**
 * Role management: create, edit and delete roles (lib/rbac holds the model; this module holds
 * the administrator's changes to it). Every change writes role.created / role.updated /
 * role.deleted (actor = the administrator, details = the role's name and its fields before and
 * after) in its transaction.
 *
 * Privilege changes through a role follow lib/rbac/permissions.ts: an edit that widens a role
 * (adds a permission, or stops requiring MFA) ends every session and refresh family of its
 * holders, like a grant (the acting administrator keeps the acting session, flagged for a new
 * id); an edit that only narrows it flags the holders' sessions for a new id, like a removal.
 * Widening the `user` role, which every account holds, therefore signs everyone out.
 *
 * Last-admin guard: the roles that grant roles:assign are locked for the transaction, and an edit
 * that takes roles:assign away from a role is refused (last_admin) when no active account would
 * hold roles:assign through another role. A role still held by an account cannot be deleted
 * (role_in_use): take it from its holders first, which the per-account guard of removeRole
 * covers; so a deletion never leaves the site without an administrator.
 * Threats: lock-out by editing or deleting the administrators' role, privilege escalation without
 * a trace (audit), a widened role reaching sessions opened before the change (ended).
 */
import type { Db, Queryable } from "../db";
import { err, ok, type Result } from "../errors";
import { recordAuditEvent, type AuditEventType } from "../audit/audit";
import { hasPermission } from "../rbac/permissions";
import {
  countActiveAdminsWithout,
  deleteRole,
  findRoleForUpdate,
  findRoleHolderIds,
  insertRole,
  lockAdminRoles,
  updateRole,
  type RoleFields,
  type RoleRecord,
} from "../rbac/queries";
import { markSessionsForRotation, revokeUserSessions } from "../sessions/queries";
import type { AdminAction } from "./action";

export interface PublicRole {
  readonly name: string;
  readonly description: string;
  readonly permissions: readonly string[];
  readonly requireMfa: boolean;
}

export function publicRole(role: RoleRecord): PublicRole {
  return { name: role.name, description: role.description, permissions: role.permissions, requireMfa: role.requireMfa };
}

export interface RoleEdit {
  readonly description?: string;
  readonly permissions?: readonly string[];
  readonly requireMfa?: boolean;
}

async function recordRoleEvent(tx: Queryable, action: AdminAction, type: AuditEventType, details: Record<string, unknown>): Promise<void> {
  await recordAuditEvent(tx, {
    type,
    result: "success",
    actor: action.actor,
    actorId: action.adminId,
    targetId: null,
    sessionId: action.sessionId,
    now: action.now,
    details,
  });
}

/** conflict: a role of that name exists. */
export async function createRole(db: Db, name: string, fields: RoleFields, action: AdminAction): Promise<Result<PublicRole>> {
  return db.transaction(async (tx) => {
    const role = await insertRole(tx, name, { ...fields, permissions: [...new Set(fields.permissions)].sort() });
    if (!role) return err("conflict");
    await recordRoleEvent(tx, action, "role.created", { role: name, after: publicRole(role) });
    return ok(publicRole(role));
  });
}

function widens(before: RoleRecord, after: RoleFields): boolean {
  return after.permissions.some((p) => !before.permissions.includes(p)) || (before.requireMfa && !after.requireMfa);
}

function narrows(before: RoleRecord, after: RoleFields): boolean {
  return before.permissions.some((p) => !after.permissions.includes(p)) || (!before.requireMfa && after.requireMfa);
}

/** Ends (widened) or flags for a new id (narrowed) the sessions of every holder of the role; returns how many. */
async function applyToHolders(tx: Queryable, roleId: number, effect: "end" | "rotate", action: AdminAction): Promise<number> {
  let sessions = 0;
  for (const userId of await findRoleHolderIds(tx, roleId)) {
    if (effect === "rotate") {
      sessions += await markSessionsForRotation(tx, userId);
      continue;
    }
    const keep = userId === action.adminId ? action.sessionId : null;
    sessions += await revokeUserSessions(tx, userId, "role_changed", action.now, keep);
    if (keep) await markSessionsForRotation(tx, userId);
  }
  return sessions;
}

/** not_found: no such role. last_admin: the edit would leave no active account with roles:assign. */
export async function editRole(db: Db, name: string, edit: RoleEdit, action: AdminAction): Promise<Result<PublicRole>> {
  return db.transaction(async (tx) => {
    await lockAdminRoles(tx);
    const before = await findRoleForUpdate(tx, name);
    if (!before) return err("not_found");
    const fields: RoleFields = {
      description: edit.description ?? before.description,
      permissions: edit.permissions ? [...new Set(edit.permissions)].sort() : before.permissions,
      requireMfa: edit.requireMfa ?? before.requireMfa,
    };
    const losesAdmin = hasPermission(before.permissions, "roles:assign") && !hasPermission(fields.permissions, "roles:assign");
    if (losesAdmin && (await countActiveAdminsWithout(tx, before.id)) === 0) return err("last_admin");
    const after = await updateRole(tx, before.id, fields);
    const effect = widens(before, fields) ? "end" : narrows(before, fields) ? "rotate" : null;
    const sessions = effect ? await applyToHolders(tx, before.id, effect, action) : 0;
    await recordRoleEvent(tx, action, "role.updated", {
      role: name,
      before: publicRole(before),
      after: publicRole(after),
      ...(effect === "end" ? { sessionsRevoked: sessions } : effect === "rotate" ? { sessionsRotated: sessions } : {}),
    });
    return ok(publicRole(after));
  });
}

/** not_found: no such role. role_in_use: an account holds it. */
export async function removeRoleDefinition(db: Db, name: string, action: AdminAction): Promise<Result<void>> {
  return db.transaction(async (tx) => {
    await lockAdminRoles(tx);
    const role = await findRoleForUpdate(tx, name);
    if (!role) return err("not_found");
    if ((await findRoleHolderIds(tx, role.id)).length > 0) return err("role_in_use");
    await deleteRole(tx, role.id);
    await recordRoleEvent(tx, action, "role.deleted", { role: name, before: publicRole(role) });
    return ok(undefined);
  });
}
