/** One function per SQL statement on roles and user_roles. snake_case rows become camelCase here. */
import { sql, type Queryable } from "../db";

export interface RoleRecord {
  readonly id: number;
  readonly name: string;
  readonly description: string;
  readonly permissions: readonly string[];
}

interface RoleRow {
  id: number;
  name: string;
  description: string;
  permissions: unknown;
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
});

/** The roles granted to a user, with their permission lists. */
export async function findUserRoles(q: Queryable, userId: string): Promise<RoleRecord[]> {
  const { rows } = await q.query<RoleRow>(sql`
    SELECT r.id, r.name, r.description, r.permissions
    FROM user_roles ur JOIN roles r ON r.id = ur.role_id
    WHERE ur.user_id = ${userId}
    ORDER BY r.name`);
  return rows.map(toRole);
}

export async function listRoles(q: Queryable): Promise<RoleRecord[]> {
  const { rows } = await q.query<RoleRow>(sql`SELECT id, name, description, permissions FROM roles ORDER BY name`);
  return rows.map(toRole);
}

/**
 * Finds a role by name and locks its row until the transaction ends, so that two concurrent
 * changes to the same role's holders (two admins demoting each other) run one after the other.
 */
export async function findRoleForUpdate(q: Queryable, name: string): Promise<RoleRecord | null> {
  const { rows } = await q.query<RoleRow>(sql`
    SELECT id, name, description, permissions FROM roles WHERE name = ${name} FOR UPDATE`);
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
