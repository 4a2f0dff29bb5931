/**
 * RBAC (lib/rbac/permissions.ts) on the test database: effective permissions from the roles'
 * jsonb lists with the "*" wildcard, role changes audited with actor and target and flagging
 * the user's sessions for rotation, and the last holder of a role-assigning role keeping it.
 * Checklist #62, #63, #64.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { resetDb, testDb } from "../support/db";
import { sql, type Db } from "../../lib/db";
import { assignRole, hasPermission, removeRole, rolesAndPermissions, type RoleChange } from "../../lib/rbac/permissions";

const NOW = new Date("2030-02-03T04:05:06.000Z");
const actor = { ip: "192.0.2.1", userAgent: "test", requestId: "rbac-test-0001" };

async function user(db: Db, email = `u${randomBytes(4).toString("hex")}@example.com`): Promise<string> {
  const { rows } = await db.query<{ id: string }>(sql`INSERT INTO users (email) VALUES (${email}) RETURNING id`);
  return rows[0]!.id;
}

async function liveSession(db: Db, userId: string): Promise<string> {
  const id = randomBytes(16).toString("base64url");
  await db.query(sql`
    INSERT INTO sessions (id, secret_hash, user_id, created_at, last_activity_at, idle_expires_at, absolute_expires_at, reauthenticated_at)
    VALUES (${id}, ${"a".repeat(64)}, ${userId}, ${NOW}, ${NOW}, ${new Date(NOW.getTime() + 3600_000)}, ${new Date(NOW.getTime() + 7200_000)}, ${NOW})`);
  return id;
}

const change = (targetUserId: string, role: string, actorId: string | null): RoleChange => ({
  targetUserId,
  role,
  actorId,
  sessionId: null,
  actor,
  now: NOW,
});

describe("permissions", () => {
  let db: Db;
  beforeEach(async () => {
    db = await testDb();
    await resetDb(db);
  });

  it("are the union of the user's roles' jsonb lists; none without a role", async () => {
    const id = await user(db);
    expect(await rolesAndPermissions(db, id)).toEqual({ roles: [], permissions: [] });
    await assignRole(db, change(id, "support", null));
    await assignRole(db, change(id, "user", null));
    expect(await rolesAndPermissions(db, id)).toEqual({
      roles: ["support", "user"],
      permissions: ["audit:read", "sessions:revoke", "users:read"],
    });
  });

  it('"*" grants every permission; a listed permission grants only itself', async () => {
    const id = await user(db);
    await db.query(sql`INSERT INTO roles (name, permissions) VALUES ('root', '["*"]')`);
    await assignRole(db, change(id, "root", null));
    const { permissions } = await rolesAndPermissions(db, id);
    expect(hasPermission(permissions, "roles:assign")).toBe(true);
    expect(hasPermission(["users:read"], "users:read")).toBe(true);
    expect(hasPermission(["users:read"], "users:write")).toBe(false);
    expect(hasPermission(["users:*"], "users:write")).toBe(false);
  });
});

describe("role changes", () => {
  let db: Db;
  beforeEach(async () => {
    db = await testDb();
    await resetDb(db);
  });

  it("audit role.changed with actor and target; a grant ends every live session of the user, a removal flags them for rotation", async () => {
    const adminId = await user(db);
    const target = await user(db);
    await liveSession(db, target);
    await liveSession(db, target);
    const granted = await assignRole(db, change(target, "support", adminId));
    expect(granted).toEqual({ ok: true, value: { changed: true, roles: ["support"] } });
    const live = await db.query<{ id: string }>(sql`SELECT id FROM sessions WHERE user_id = ${target} AND revoked_at IS NULL`);
    expect(live.rows).toEqual([]);
    const again = await assignRole(db, change(target, "support", adminId));
    expect(again).toEqual({ ok: true, value: { changed: false, roles: ["support"] } });
    const later = [await liveSession(db, target), await liveSession(db, target)];
    expect(await removeRole(db, change(target, "support", adminId))).toEqual({ ok: true, value: { changed: true, roles: [] } });
    const flagged = await db.query<{ id: string }>(
      sql`SELECT id FROM sessions WHERE user_id = ${target} AND rotate_pending AND revoked_at IS NULL`,
    );
    expect(flagged.rows.map((r) => r.id).sort()).toEqual([...later].sort());
    const audit = await db.query<{ actor_id: string; target_id: string; details: Record<string, unknown> }>(
      sql`SELECT actor_id, target_id, details FROM audit_logs WHERE event_type = 'role.changed' ORDER BY id`,
    );
    expect(audit.rows).toEqual([
      { actor_id: adminId, target_id: target, details: { action: "assigned", role: "support", sessionsRevoked: 2 } },
      { actor_id: adminId, target_id: target, details: { action: "removed", role: "support", sessionsRotated: 2 } },
    ]);
  });

  it("refuse an unknown role, an unknown user, and removing a role the user does not hold", async () => {
    const target = await user(db);
    expect(await assignRole(db, change(target, "superuser", null))).toEqual({ ok: false, error: "not_found" });
    expect(await assignRole(db, change("00000000-0000-4000-8000-000000000009", "support", null))).toEqual({
      ok: false,
      error: "not_found",
    });
    expect(await removeRole(db, change(target, "support", null))).toEqual({ ok: false, error: "not_found" });
    const audit = await db.query(sql`SELECT 1 FROM audit_logs`);
    expect(audit.rows).toEqual([]);
  });

  it("keep the admin role on its last active holder (409 last_admin), and allow removal once another admin exists", async () => {
    const first = await user(db);
    await assignRole(db, change(first, "admin", null));
    expect(await removeRole(db, change(first, "admin", first))).toEqual({ ok: false, error: "last_admin" });
    const second = await user(db);
    await db.query(sql`UPDATE users SET status = 'disabled', disabled_at = ${NOW} WHERE id = ${second}`);
    await assignRole(db, change(second, "admin", first));
    // a disabled holder does not count
    expect(await removeRole(db, change(first, "admin", first))).toEqual({ ok: false, error: "last_admin" });
    await db.query(sql`UPDATE users SET status = 'active', disabled_at = NULL WHERE id = ${second}`);
    expect((await removeRole(db, change(first, "admin", second))).ok).toBe(true);
    expect((await rolesAndPermissions(db, first)).roles).toEqual([]);
  });
});
