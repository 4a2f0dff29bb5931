/** One function per SQL statement on roles and user_roles. snake_case rows become camelCase here. */
import { sql, type Queryable } from "../db";

export interface RoleRecord {
  readonly id: number;
  readonly name: string;
  readonly description: string;
  readonly permissions: readonly string[];
  /** The role's permissions are usable only from an aal2 session. */
  readonly requireMfa: boolean;
}

interface RoleRow {
  id: number;
  name: string;
  description: string;
  permissions: unknown;
  require_mfa: boolean;
}

/** jsonb permission lists are arrays of strings (CHECKed as arrays); anything else is ignored. */
function permissionList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((p): p is string => typeof p === "string") : [];
}

const toRole = (r: RoleRow): RoleRecord => ({
  id: r.id,
  name: r.name,
  description: r.description,
  permissions: permissionList(r.permissions),
  requireMfa: r.require_mfa,
});

/** The roles granted to a user, with their permission lists. */
export async function findUserRoles(q: Queryable, userId: string): Promise<RoleRecord[]> {
  const { rows } = await q.query<RoleRow>(sql`
    SELECT r.id, r.name, r.description, r.permissions, r.require_mfa
    FROM user_roles ur JOIN roles r ON r.id = ur.role_id
    WHERE ur.user_id = ${userId}
    ORDER BY r.name`);
  return rows.map(toRole);
}

export async function listRoles(q: Queryable): Promise<RoleRecord[]> {
  const { rows } = await q.query<RoleRow>(sql`SELECT id, name, description, permissions, require_mfa FROM roles ORDER BY name`);
  return rows.map(toRole);
}

/**
 * Finds a role by name and locks its row until the transaction ends, so that two concurrent
 * changes to the same role's holders (two admins demoting each other) run one after the other.
 */
export async function findRoleForUpdate(q: Queryable, name: string): Promise<RoleRecord | null> {
  const { rows } = await q.query<RoleRow>(sql`
    SELECT id, name, description, permissions, require_mfa FROM roles WHERE name = ${name} FOR UPDATE`);
  return rows[0] ? toRole(rows[0]) : null;
}

/** Grants a role; false when the user already had it. */
export async function insertUserRole(
  q: Queryable,
  input: { userId: string; roleId: number; grantedBy: string | null; now: Date },
): Promise<boolean> {
  const result = await q.query(sql`
    INSERT INTO user_roles (user_id, role_id, granted_at, granted_by)
    VALUES (${input.userId}, ${input.roleId}, ${input.now}, ${input.grantedBy})
    ON CONFLICT (user_id, role_id) DO NOTHING`);
  return result.rowCount > 0;
}

/** Takes a role away; false when the user did not have it. */
export async function deleteUserRole(q: Queryable, userId: string, roleId: number): Promise<boolean> {
  const result = await q.query(sql`DELETE FROM user_roles WHERE user_id = ${userId} AND role_id = ${roleId}`);
  return result.rowCount > 0;
}

/** Live, active accounts holding a role other than `exceptUserId`. */
export async function countOtherActiveHolders(q: Queryable, roleId: number, exceptUserId: string): Promise<number> {
  const { rows } = await q.query<{ n: number }>(sql`
    SELECT count(*)::int AS n
    FROM user_roles ur JOIN users u ON u.id = ur.user_id
    WHERE ur.role_id = ${roleId} AND ur.user_id <> ${exceptUserId} AND u.status = 'active' AND u.deleted_at IS NULL`);
  return rows[0]?.n ?? 0;
}

export interface RoleFields {
  readonly description: string;
  readonly permissions: readonly string[];
  readonly requireMfa: boolean;
}

/** Creates a role; null when the name is taken. */
export async function insertRole(q: Queryable, name: string, fields: RoleFields): Promise<RoleRecord | null> {
  const { rows } = await q.query<RoleRow>(sql`
    INSERT INTO roles (name, description, permissions, require_mfa)
    VALUES (${name}, ${fields.description}, ${JSON.stringify(fields.permissions)}::jsonb, ${fields.requireMfa})
    ON CONFLICT (name) DO NOTHING
    RETURNING id, name, description, permissions, require_mfa`);
  return rows[0] ? toRole(rows[0]) : null;
}

export async function updateRole(q: Queryable, id: number, fields: RoleFields): Promise<RoleRecord> {
  const { rows } = await q.query<RoleRow>(sql`
    UPDATE roles SET description = ${fields.description}, permissions = ${JSON.stringify(fields.permissions)}::jsonb,
                     require_mfa = ${fields.requireMfa}
    WHERE id = ${id}
    RETURNING id, name, description, permissions, require_mfa`);
  return toRole(rows[0]!);
}

export async function deleteRole(q: Queryable, id: number): Promise<void> {
  await q.query(sql`DELETE FROM roles WHERE id = ${id}`);
}

/**
 * Locks every role that grants roles:assign (directly or through "*"), so that two changes that
 * could each leave no administrator (two roles edited or deleted at once) run one after the other.
 */
export async function lockAdminRoles(q: Queryable): Promise<void> {
  await q.query(sql`
    SELECT id FROM roles WHERE permissions @> '["roles:assign"]'::jsonb OR permissions @> '["*"]'::jsonb ORDER BY id FOR UPDATE`);
}

/** Live, active accounts that hold roles:assign through a role other than `exceptRoleId`. */
export async function countActiveAdminsWithout(q: Queryable, exceptRoleId: number): Promise<number> {
  const { rows } = await q.query<{ n: number }>(sql`
    SELECT count(DISTINCT ur.user_id)::int AS n
    FROM user_roles ur
    JOIN roles r ON r.id = ur.role_id
    JOIN users u ON u.id = ur.user_id
    WHERE r.id <> ${exceptRoleId}
      AND (r.permissions @> '["roles:assign"]'::jsonb OR r.permissions @> '["*"]'::jsonb)
      AND u.status = 'active' AND u.deleted_at IS NULL`);
  return rows[0]?.n ?? 0;
}

/** The accounts holding a role (every account, live or not: their sessions are what matter). */
export async function findRoleHolderIds(q: Queryable, roleId: number): Promise<string[]> {
  const { rows } = await q.query<{ user_id: string }>(sql`SELECT user_id FROM user_roles WHERE role_id = ${roleId} ORDER BY user_id`);
  return rows.map((r) => r.user_id);
}

/** Grants the seeded `user` role (nothing when it has been deleted). */
export async function grantDefaultRole(q: Queryable, userId: string, now: Date): Promise<void> {
  await q.query(sql`
    INSERT INTO user_roles (user_id, role_id, granted_at)
    SELECT ${userId}, id, ${now} FROM roles WHERE name = ${DEFAULT_ROLE}
    ON CONFLICT (user_id, role_id) DO NOTHING`);
}

/** The role every new account gets (seeded by 0005, granted since 0020). */
export const DEFAULT_ROLE = "user";
