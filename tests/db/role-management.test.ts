/**
 * Role management (lib/admin/roles.ts) on the test database: the last-admin guard on editing and
 * deleting roles, which needs a database where the number of administrators is known.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { resetDb, testDb } from "../support/db";
import { sql, type Db } from "../../lib/db";
import { createRole, editRole, removeRoleDefinition } from "../../lib/admin/roles";
import type { AdminAction } from "../../lib/admin/action";

const NOW = new Date("2030-02-03T04:05:06.000Z");
const actor = { ip: "192.0.2.1", userAgent: "test", requestId: "roles-test-0001" };

async function user(db: Db, status: "active" | "disabled" = "active"): Promise<string> {
  const { rows } = await db.query<{ id: string }>(sql`
    INSERT INTO users (email, status, disabled_at)
    VALUES (${`u${randomBytes(4).toString("hex")}@example.com`}, ${status}, ${status === "disabled" ? NOW : null}) RETURNING id`);
  return rows[0]!.id;
}

async function grant(db: Db, userId: string, role: string): Promise<void> {
  await db.query(sql`INSERT INTO user_roles (user_id, role_id) SELECT ${userId}, id FROM roles WHERE name = ${role}`);
}

const action = (adminId: string): AdminAction => ({ adminId, sessionId: "s".repeat(22), actor, now: NOW });

describe("the last-admin guard of role management", () => {
  let db: Db;
  beforeEach(async () => {
    db = await testDb();
    await resetDb(db);
  });
  // resetDb keeps the seeded roles' rows: put back what 0005 and 0020 seed for admin
  afterEach(async () => {
    await db.query(sql`
      UPDATE roles SET description = 'Full administration of users, sessions, roles and the audit log', require_mfa = true,
        permissions = '["users:read", "users:write", "sessions:revoke", "roles:assign", "audit:read", "security:read", "clients:manage"]'
      WHERE name = 'admin'`);
  });

  it("refuses to take roles:assign from the admin role while it is the only way any active account holds it", async () => {
    const only = await user(db);
    await grant(db, only, "admin");
    const disabled = await user(db, "disabled");
    await db.query(sql`INSERT INTO roles (name, permissions) VALUES ('root', '["*"]')`);
    await grant(db, disabled, "root");
    expect(await editRole(db, "admin", { permissions: ["users:read"] }, action(only))).toEqual({ ok: false, error: "last_admin" });
    const { rows } = await db.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM audit_logs WHERE event_type = 'role.updated'`);
    expect(rows[0]!.n).toBe(0);

    // another active account holding "*" through another role lifts the guard
    const second = await user(db);
    await grant(db, second, "root");
    const edited = await editRole(db, "admin", { permissions: ["users:read"] }, action(only));
    expect(edited).toMatchObject({ ok: true, value: { name: "admin", permissions: ["users:read"] } });
  });

  it("allows every other edit of the only administrators' role (description, require_mfa, more permissions)", async () => {
    const only = await user(db);
    await grant(db, only, "admin");
    const result = await editRole(db, "admin", { description: "Admins", requireMfa: false }, action(only));
    expect(result).toMatchObject({ ok: true, value: { description: "Admins", requireMfa: false } });
  });

  it("refuses to delete a held role (role_in_use), so deletion never removes the last administrator; an unheld one goes", async () => {
    const only = await user(db);
    await grant(db, only, "admin");
    expect(await removeRoleDefinition(db, "admin", action(only))).toEqual({ ok: false, error: "role_in_use" });
    expect(await createRole(db, "spare", { description: "", permissions: ["roles:assign"], requireMfa: true }, action(only))).toMatchObject(
      {
        ok: true,
      },
    );
    expect(await removeRoleDefinition(db, "spare", action(only))).toEqual({ ok: true, value: undefined });
    expect(await removeRoleDefinition(db, "spare", action(only))).toEqual({ ok: false, error: "not_found" });
  });
});

describe("user_security_status.last_login_at", () => {
  it("is the account's users.last_login_at", async () => {
    const db = await testDb();
    await resetDb(db);
    const id = await user(db);
    await db.query(sql`UPDATE users SET last_login_at = ${NOW} WHERE id = ${id}`);
    const { rows } = await db.query<{ last_login_at: Date }>(sql`SELECT last_login_at FROM user_security_status WHERE user_id = ${id}`);
    expect(rows[0]!.last_login_at.getTime()).toBe(NOW.getTime());
  });
});
