/**
 * Issue 17 part A over HTTP: MFA required by role (roles.require_mfa), role management
 * (/api/admin/roles), the default `user` role, users.last_login_at, and a session's activity for
 * its owner (/api/auth/sessions/[id]/activity) and for an administrator
 * (/api/admin/users/[id]/sessions/[sessionId]/activity).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { Client, serverSql, signedInClient } from "../support/http";
import {
  SESSION_COOKIE,
  auditRows,
  clientFor,
  enrolTotp,
  grantRole,
  mintSession,
  signedInAdmin,
  type MfaPrincipal,
} from "../support/principals";

let admin: MfaPrincipal;
beforeAll(async () => {
  admin = await signedInAdmin();
}, 120_000);

const roleName = () => `r_${randomBytes(5).toString("hex")}`;

function patch(client: Client, path: string, json: unknown) {
  return client.request("PATCH", path, { json });
}

async function lastLoginAt(userId: string): Promise<Date | null> {
  const [row] = await serverSql<{ last_login_at: Date | null }>("SELECT last_login_at FROM users WHERE id = $1", [userId]);
  return row!.last_login_at === null ? null : new Date(row!.last_login_at);
}

describe("MFA required by role", { timeout: 180_000 }, () => {
  it("an aal1 session of an admin without a factor gets 403 mfa_enrolment_required, audited; enrolling steps the session up and the call succeeds", async () => {
    const member = await signedInClient();
    await grantRole(member.userId, "admin");
    const refused = await member.client.get("/api/admin/users?limit=1");
    expect([refused.status, refused.body.error.code]).toEqual([403, "mfa_enrolment_required"]);
    const [denied] = await serverSql<{ details: { permission: string; reason: string } }>(
      "SELECT details FROM audit_logs WHERE event_type = 'authz.denied' AND actor_id = $1 ORDER BY id DESC LIMIT 1",
      [member.userId],
    );
    expect(denied!.details).toMatchObject({ permission: "users:read", reason: "mfa_enrolment_required" });
    await enrolTotp(member);
    expect((await member.client.get("/api/admin/users?limit=1")).status).toBe(200);
  });

  it("an enrolled admin on an aal1 session gets 403 step_up_required until a re-authentication with a code", async () => {
    const member = await enrolTotp(await signedInClient());
    await grantRole(member.userId, "admin");
    const aal1 = await clientFor(member.userId);
    const refused = await aal1.get("/api/admin/roles");
    expect([refused.status, refused.body.error.code]).toEqual([403, "step_up_required"]);
    const noCode = await aal1.post("/api/auth/reauth", { password: member.password });
    expect([noCode.status, noCode.body.error.code]).toEqual([403, "mfa_required"]);
    const stepped = await aal1.post("/api/auth/reauth", { password: member.password, code: member.backupCodes.shift() });
    expect(stepped.status).toBe(200);
    expect((await aal1.get("/api/admin/roles")).status).toBe(200);
    const [row] = await auditRows("reauth.success", member.userId);
    expect(row!.details.aal).toBe(2);
  });

  it("withholds only the require_mfa roles' permissions: a role without the flag works from aal1, and a user without the permission stays forbidden", async () => {
    const name = roleName();
    await serverSql(`INSERT INTO roles (name, permissions, require_mfa) VALUES ($1, '["audit:read"]', false)`, [name]);
    const member = await signedInClient();
    await grantRole(member.userId, name);
    await grantRole(member.userId, "support");
    const client = await clientFor(member.userId);
    expect((await client.get("/api/admin/audit?limit=1")).status).toBe(200);
    const support = await client.get("/api/admin/users?limit=1");
    expect([support.status, support.body.error.code]).toEqual([403, "mfa_enrolment_required"]);
    const plain = await clientFor((await signedInClient()).userId);
    const forbidden = await plain.get("/api/admin/users?limit=1");
    expect([forbidden.status, forbidden.body.error.code]).toEqual([403, "forbidden"]);
  });
});

describe("role management", { timeout: 180_000 }, () => {
  it("lists the seeded roles with require_mfa: admin and support require it, user does not", async () => {
    const res = await admin.client.get("/api/admin/roles");
    expect(res.status).toBe(200);
    const byName = Object.fromEntries(res.body.roles.map((r: { name: string; requireMfa: boolean }) => [r.name, r.requireMfa]));
    expect(byName).toMatchObject({ admin: true, support: true, user: false });
  });

  it("creates, edits and deletes a role, each audited with the administrator and the role's fields", async () => {
    const name = roleName();
    const created = await admin.client.post("/api/admin/roles", { name, description: "Reads the audit log", permissions: ["audit:read"] });
    expect([created.status, created.body.role]).toEqual([
      201,
      { name, description: "Reads the audit log", permissions: ["audit:read"], requireMfa: false },
    ]);
    const edited = await patch(admin.client, `/api/admin/roles/${name}`, { permissions: ["audit:read", "users:read"], requireMfa: true });
    expect([edited.status, edited.body.role.permissions, edited.body.role.requireMfa]).toEqual([200, ["audit:read", "users:read"], true]);
    expect((await admin.client.delete(`/api/admin/roles/${name}`)).status).toBe(204);
    expect((await admin.client.delete(`/api/admin/roles/${name}`)).status).toBe(404);

    const rows = await serverSql<{ event_type: string; actor_id: string; details: any }>(
      "SELECT event_type, actor_id, details FROM audit_logs WHERE event_type LIKE 'role.%' AND details->>'role' = $1 ORDER BY id",
      [name],
    );
    expect(rows.map((r) => [r.event_type, r.actor_id])).toEqual([
      ["role.created", admin.userId],
      ["role.updated", admin.userId],
      ["role.deleted", admin.userId],
    ]);
    expect(rows[1]!.details.before.permissions).toEqual(["audit:read"]);
    expect(rows[1]!.details.after).toMatchObject({ permissions: ["audit:read", "users:read"], requireMfa: true });
  });

  it("widening a role ends its holders' sessions; narrowing it rotates them", async () => {
    const name = roleName();
    expect((await admin.client.post("/api/admin/roles", { name, permissions: [] })).status).toBe(201);
    const holder = await signedInClient();
    await grantRole(holder.userId, name);
    const widened = await patch(admin.client, `/api/admin/roles/${name}`, { permissions: ["audit:read"] });
    expect(widened.status).toBe(200);
    expect((await holder.client.get("/api/auth/session")).status).toBe(401);

    const again = new Client();
    expect((await again.post("/api/auth/login", { email: holder.email, password: holder.password })).status).toBe(200);
    expect((await again.get("/api/admin/audit?limit=1")).status).toBe(200);
    const before = again.sessionToken();
    expect((await patch(admin.client, `/api/admin/roles/${name}`, { permissions: [] })).status).toBe(200);
    const narrowed = await again.get("/api/admin/audit?limit=1");
    expect([narrowed.status, narrowed.body.error.code]).toEqual([403, "forbidden"]);
    expect(again.sessionToken()).not.toBe(before);
    expect((await again.get("/api/auth/session")).status).toBe(200);
  });

  it("refuses a held role's deletion with 409 role_in_use", async () => {
    const name = roleName();
    expect((await admin.client.post("/api/admin/roles", { name, permissions: [] })).status).toBe(201);
    await grantRole((await signedInClient()).userId, name);
    const res = await admin.client.delete(`/api/admin/roles/${name}`);
    expect([res.status, res.body.error.code]).toEqual([409, "role_in_use"]);
  });

  it.each([
    ["an unknown permission", "POST", { name: "r_unknownperm", permissions: ["users:delete"] }, 400, "invalid_request"],
    ["a malformed name", "POST", { name: "Bad Name", permissions: [] }, 400, "invalid_request"],
    ["an extra field", "POST", { name: "r_extrafield", permissions: [], id: 1 }, 400, "invalid_request"],
    ["a taken name", "POST", { name: "support", permissions: [] }, 409, "conflict"],
    ["an empty edit", "PATCH", {}, 400, "invalid_request"],
    ["an edit with an unknown permission", "PATCH", { permissions: ["*", "root"] }, 400, "invalid_request"],
  ])("refuses %s", async (_name, method, body, status, code) => {
    const res =
      method === "POST" ? await admin.client.post("/api/admin/roles", body) : await patch(admin.client, "/api/admin/roles/support", body);
    expect([res.status, res.body.error.code]).toEqual([status, code]);
  });

  it("needs roles:assign, and a recent re-authentication, to change roles", async () => {
    const member = await signedInClient();
    await grantRole(member.userId, "support");
    const support = await clientFor(member.userId, { aal: 2 });
    const denied = await support.post("/api/admin/roles", { name: roleName(), permissions: [] });
    expect([denied.status, denied.body.error.code]).toEqual([403, "forbidden"]);
    const stale = await clientFor(admin.userId, { aal: 2, reauthenticatedAt: new Date(Date.now() - 24 * 3600_000) });
    const res = await stale.post("/api/admin/roles", { name: roleName(), permissions: [] });
    expect([res.status, res.body.error.code]).toEqual([403, "reauth_required"]);
  });

  it("gives a new account the user role at registration", async () => {
    const { userId } = await signedInClient();
    const roles = await serverSql<{ name: string }>(
      "SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = $1",
      [userId],
    );
    expect(roles.map((r) => r.name)).toEqual(["user"]);
  });
});

describe("last sign-in", { timeout: 180_000 }, () => {
  it("is set by a password sign-in, the token route's password grant and the second step, and shown in the admin user detail", async () => {
    const member = await signedInClient();
    const afterLogin = await lastLoginAt(member.userId);
    expect(afterLogin).not.toBeNull();

    const at = Date.now() + 60_000;
    const token = await new Client().post("/api/auth/token", { email: member.email, password: member.password }, { now: at });
    expect(token.status).toBe(200);
    expect((await lastLoginAt(member.userId))!.getTime()).toBe(at);

    const enrolled = await enrolTotp(member);
    const later = at + 60_000;
    const browser = new Client();
    const first = await browser.post("/api/auth/login", { email: enrolled.email, password: enrolled.password }, { now: later });
    expect(first.body.status).toBe("mfa_required");
    expect((await lastLoginAt(member.userId))!.getTime()).toBe(at);
    const second = await browser.post(
      "/api/auth/login/mfa",
      { challenge: first.body.challenge, code: enrolled.backupCodes.shift() },
      { now: later },
    );
    expect(second.status).toBe(200);
    expect((await lastLoginAt(member.userId))!.getTime()).toBe(later);

    const detail = await admin.client.get(`/api/admin/users/${member.userId}`);
    expect(detail.body.user.lastLoginAt).toBe(new Date(later).toISOString());
    const [view] = await serverSql<{ last_login_at: Date }>("SELECT last_login_at FROM user_security_status WHERE user_id = $1", [
      member.userId,
    ]);
    expect(new Date(view!.last_login_at).getTime()).toBe(later);
  });

  it("is not moved by a failed sign-in or a re-authentication", async () => {
    const member = await signedInClient();
    const before = await lastLoginAt(member.userId);
    expect((await new Client().post("/api/auth/login", { email: member.email, password: "wrong password entirely" })).status).toBe(401);
    expect((await member.client.post("/api/auth/reauth", { password: member.password }, { now: Date.now() + 60_000 })).status).toBe(200);
    expect(await lastLoginAt(member.userId)).toEqual(before);
  });
});

describe("session activity", { timeout: 180_000 }, () => {
  it("shows the owner a session's events across its rotations (sign-in, step-up), newest first, keyset-paged", async () => {
    const member = await enrolTotp(await signedInClient());
    const browser = new Client();
    const first = await browser.post("/api/auth/login", { email: member.email, password: member.password });
    const signedIn = await browser.post("/api/auth/login/mfa", { challenge: first.body.challenge, code: member.backupCodes.shift() });
    expect(signedIn.status).toBe(200);
    const reauth = await browser.post("/api/auth/reauth", { password: member.password, code: member.backupCodes.shift() });
    expect(reauth.status).toBe(200);
    const currentId = browser.sessionToken()!.split(".")[0]!;

    const res = await browser.get(`/api/auth/sessions/${currentId}/activity`);
    expect(res.status).toBe(200);
    expect(res.body.entries.map((e: { eventType: string }) => e.eventType)).toEqual(["reauth.success", "login.success"]);
    for (const entry of res.body.entries)
      expect(Object.keys(entry).sort()).toEqual(["at", "bySelf", "eventType", "id", "ip", "result", "userAgent"]);

    const page1 = await browser.get(`/api/auth/sessions/${currentId}/activity?limit=1`);
    expect(page1.body.entries.map((e: { eventType: string }) => e.eventType)).toEqual(["reauth.success"]);
    const page2 = await browser.get(`/api/auth/sessions/${currentId}/activity?limit=1&cursor=${page1.body.nextCursor}`);
    expect([page2.body.entries.map((e: { eventType: string }) => e.eventType), page2.body.nextCursor]).toEqual([["login.success"], null]);
  });

  it("answers 404 for another user's session (audited as authz.denied) and for an unknown or malformed id", async () => {
    const owner = await signedInClient();
    const ownerSession = owner.client.sessionToken()!.split(".")[0]!;
    const other = await signedInClient();
    const res = await other.client.get(`/api/auth/sessions/${ownerSession}/activity`);
    expect([res.status, res.body.error.code]).toEqual([404, "not_found"]);
    const [denied] = await auditRows("authz.denied", owner.userId);
    expect(denied!.details).toMatchObject({ object: "session", objectId: ownerSession, scope: "own" });
    expect((await other.client.get(`/api/auth/sessions/${randomBytes(16).toString("base64url")}/activity`)).status).toBe(404);
    expect((await other.client.get("/api/auth/sessions/nope/activity")).status).toBe(404);
    const badCursor = await owner.client.get(`/api/auth/sessions/${ownerSession}/activity?cursor=zzz`);
    expect([badCursor.status, badCursor.body.error.code]).toEqual([400, "invalid_cursor"]);
  });

  it("shows an administrator any session's events with who acted, including its revocation by an administrator", async () => {
    const member = await signedInClient();
    const sessionId = member.client.sessionToken()!.split(".")[0]!;
    const refreshFamily = await new Client().post("/api/auth/token", { email: member.email, password: member.password });
    const refreshed = await new Client().post("/api/auth/token/refresh", { refreshToken: refreshFamily.body.refreshToken });
    expect(refreshed.status).toBe(200);
    expect((await admin.client.delete(`/api/admin/users/${member.userId}/sessions/${sessionId}`)).status).toBe(204);

    const res = await admin.client.get(`/api/admin/users/${member.userId}/sessions/${sessionId}/activity`);
    expect(res.status).toBe(200);
    expect(res.body.entries.map((e: { eventType: string; actorId: string }) => [e.eventType, e.actorId])).toEqual([
      ["session.revoked", admin.userId],
      ["login.success", member.userId],
    ]);
    const family = (
      await serverSql<{ session_id: string }>(
        "SELECT session_id FROM audit_logs WHERE event_type = 'refresh.rotated' AND actor_id = $1 ORDER BY id DESC LIMIT 1",
        [member.userId],
      )
    )[0]!.session_id;
    const familyActivity = await admin.client.get(`/api/admin/users/${member.userId}/sessions/${family}/activity`);
    expect(familyActivity.body.entries.map((e: { eventType: string }) => e.eventType)).toContain("refresh.rotated");

    const other = await signedInClient();
    const mismatch = await admin.client.get(`/api/admin/users/${other.userId}/sessions/${sessionId}/activity`);
    expect([mismatch.status, mismatch.body.error.code]).toEqual([404, "not_found"]);
    const session = await mintSession(member.userId);
    const owned = new Client();
    owned.jar.set(SESSION_COOKIE, session.token);
    const notAdmin = await owned.get(`/api/admin/users/${member.userId}/sessions/${sessionId}/activity`);
    expect([notAdmin.status, notAdmin.body.error.code]).toEqual([403, "forbidden"]);
  });
});
