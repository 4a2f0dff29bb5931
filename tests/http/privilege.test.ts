/**
 * Privilege changes and object-level refusals over HTTP (issue 10, items 2 and 15): a role
 * grant ends every token issued before it; another user's session or device id is refused
 * with an authz.denied audit row; a rotation cannot undo a sign-out everywhere; the daily
 * alert summary covers the whole day.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { TEST_CRON_SECRET } from "../support/env";
import { Client, serverSql, signedInClient } from "../support/http";
import { SESSION_COOKIE, auditRows, signedInAdmin, type Principal } from "../support/principals";

let admin: Principal;
beforeAll(async () => {
  admin = await signedInAdmin();
});

function holding(token: string): Client {
  const client = new Client();
  client.jar.set(SESSION_COOKIE, token);
  return client;
}

describe("a role grant (issue 10 item 2)", { timeout: 180_000 }, () => {
  it("ends every session and refresh family issued before it: a copied cookie presented first gets 401, not the new role", async () => {
    const member = await signedInClient();
    const copied = member.client.sessionToken()!;
    const pair = await new Client().post("/api/auth/token", { email: member.email, password: member.password });
    expect(pair.status).toBe(200);

    const granted = await admin.client.post(`/api/admin/users/${member.userId}/roles`, { role: "support" });
    expect([granted.status, granted.body.roles]).toEqual([201, ["support", "user"]]);

    // the attacker's copy, presented before the owner's next request
    const thief = holding(copied);
    const stolen = await thief.get("/api/admin/users?limit=1");
    expect([stolen.status, stolen.body.error.code]).toEqual([401, "unauthenticated"]);
    expect(stolen.headers.getSetCookie().some((l) => l.startsWith(`${SESSION_COOKIE}=`) && !/Max-Age=0/i.test(l))).toBe(false);
    expect((await thief.post("/api/auth/token")).status).toBe(401);
    // a refresh token from before the grant cannot mint an access token carrying the new roles claim
    const refreshed = await new Client().post("/api/auth/token/refresh", { refreshToken: pair.body.refreshToken });
    expect([refreshed.status, refreshed.body.error.code]).toEqual([401, "invalid_refresh_token"]);
    expect((await member.client.get("/api/auth/session")).status).toBe(401);

    const live = await serverSql("SELECT id FROM sessions WHERE user_id = $1 AND revoked_at IS NULL", [member.userId]);
    expect(live).toEqual([]);
    const [change] = await auditRows("role.changed", member.userId);
    expect([change!.details.action, change!.details.sessionsRevoked]).toEqual(["assigned", 2]);

    // a fresh sign-in, after the grant, holds the role (which requires MFA: refused as not enrolled rather than forbidden)
    const fresh = new Client();
    expect((await fresh.post("/api/auth/login", { email: member.email, password: member.password })).status).toBe(200);
    const held = await fresh.get("/api/admin/users?limit=1");
    expect([held.status, held.body.error.code]).toEqual([403, "mfa_enrolment_required"]);
  });

  it("a repeated grant of a held role ends nothing", async () => {
    const member = await signedInClient();
    expect((await admin.client.post(`/api/admin/users/${member.userId}/roles`, { role: "support" })).status).toBe(201);
    const again = new Client();
    expect((await again.post("/api/auth/login", { email: member.email, password: member.password })).status).toBe(200);
    const repeat = await admin.client.post(`/api/admin/users/${member.userId}/roles`, { role: "support" });
    expect([repeat.status, repeat.body.changed]).toEqual([200, false]);
    // still signed in with the role (support requires MFA, so the password-only session is asked to enrol)
    const still = await again.get("/api/admin/users?limit=1");
    expect([still.status, still.body.error.code]).toEqual([403, "mfa_enrolment_required"]);
  });
});

describe("object-level refusals (issue 10 item 15)", { timeout: 180_000 }, () => {
  it("another user's session id on DELETE /api/auth/sessions/[id] is 404 and writes authz.denied naming the owner", async () => {
    const victim = await signedInClient();
    const attacker = await signedInClient();
    const [victimSession] = await serverSql<{ id: string }>("SELECT id FROM sessions WHERE user_id = $1 AND revoked_at IS NULL", [
      victim.userId,
    ]);
    const res = await attacker.client.delete(`/api/auth/sessions/${victimSession!.id}`);
    expect([res.status, res.body.error.code]).toEqual([404, "not_found"]);
    expect((await victim.client.get("/api/auth/session")).status).toBe(200);
    const denied = await auditRows("authz.denied", victim.userId);
    expect(denied.map((d) => [d.actor_id, d.result, d.details.object, d.details.objectId, d.details.scope])).toEqual([
      [attacker.userId, "failure", "session", victimSession!.id, "own"],
    ]);
    // an id nobody holds is a plain 404, with nothing to audit
    expect((await attacker.client.delete("/api/auth/sessions/AAAAAAAAAAAAAAAAAAAAAA")).status).toBe(404);
    expect(await auditRows("authz.denied", attacker.userId)).toEqual([]);
  });

  it("another user's trusted-device id on DELETE /api/auth/devices/[id] is 404 and writes authz.denied", async () => {
    const victim = await signedInClient();
    const attacker = await signedInClient();
    const deviceId = "D".repeat(22);
    await serverSql(
      `INSERT INTO trusted_devices (id, user_id, secret_hash, created_at, last_used_at, expires_at)
       VALUES ($1, $2, $3, now(), now(), now() + interval '1 day')`,
      [deviceId, victim.userId, "0".repeat(64)],
    );
    const res = await attacker.client.delete(`/api/auth/devices/${deviceId}`);
    expect(res.status).toBe(404);
    const live = await serverSql("SELECT id FROM trusted_devices WHERE id = $1 AND revoked_at IS NULL", [deviceId]);
    expect(live).toHaveLength(1);
    const denied = await auditRows("authz.denied", victim.userId);
    expect(denied.map((d) => [d.actor_id, d.details.object, d.details.objectId])).toEqual([[attacker.userId, "device", deviceId]]);
  });

  it("the admin route refuses a session of another account than the path's with 404 and authz.denied", async () => {
    const pathUser = await signedInClient();
    const owner = await signedInClient();
    const [ownerSession] = await serverSql<{ id: string }>("SELECT id FROM sessions WHERE user_id = $1 AND revoked_at IS NULL", [
      owner.userId,
    ]);
    const res = await admin.client.delete(`/api/admin/users/${pathUser.userId}/sessions/${ownerSession!.id}`);
    expect(res.status).toBe(404);
    expect((await owner.client.get("/api/auth/session")).status).toBe(200);
    const denied = await auditRows("authz.denied", owner.userId);
    expect(denied.map((d) => [d.actor_id, d.details.object, d.details.scope, d.details.pathUserId])).toEqual([
      [admin.userId, "session", "admin", pathUser.userId],
    ]);
  });
});

describe("rotation against a concurrent sign-out everywhere (issue 10 item 15)", { timeout: 180_000 }, () => {
  it("a re-authentication whose session is ended while its password is checked issues no new session (401), so sign-out everywhere holds", async () => {
    const user = await signedInClient();
    const other = new Client();
    expect((await other.post("/api/auth/login", { email: user.email, password: user.password })).status).toBe(200);
    // the reauth validates the session, then spends a password hash; sign-out everywhere lands meanwhile
    const reauth = user.client.post("/api/auth/reauth", { password: user.password });
    await new Promise((resolve) => setTimeout(resolve, 80));
    const everywhere = await other.post("/api/auth/logout-all", {});
    expect(everywhere.status).toBe(200);
    const res = await reauth;
    expect([res.status, res.body?.error?.code]).toEqual([401, "unauthenticated"]);
    const live = await serverSql("SELECT id FROM sessions WHERE user_id = $1 AND revoked_at IS NULL", [user.userId]);
    expect(live).toEqual([]);
    expect(await auditRows("reauth.success", user.userId)).toEqual([]);
  });
});

describe("the daily alert summary (issue 10 item 15)", { timeout: 180_000 }, () => {
  it("covers the last 24 hours, not only the last ALERT_WINDOW_MINUTES", async () => {
    const victim = await signedInClient();
    const subject = `${victim.userId.replace(/-/g, "")}${"0".repeat(32)}`;
    const fiveHoursAgo = new Date(Date.now() - 5 * 3600_000).toISOString();
    for (let i = 0; i < 12; i++) {
      await serverSql(
        `INSERT INTO audit_logs (created_at, event_type, result, target_id, subject_hash, ip)
         VALUES ($1::timestamptz + $2 * interval '1 second', 'login.failure', 'failure', $3, $4, '203.0.113.77')`,
        [fiveHoursAgo, i, victim.userId, subject],
      );
    }
    const run = await new Client().get("/api/cron/daily", { headers: { authorization: `Bearer ${TEST_CRON_SECRET}` } });
    expect(run.status).toBe(200);
    const [summary] = await serverSql<{ details: any }>(
      "SELECT details FROM audit_logs WHERE event_type = 'security.alerts' ORDER BY id DESC LIMIT 1",
    );
    const from = Date.parse(summary!.details.window.from);
    const to = Date.parse(summary!.details.window.to);
    expect(to - from).toBeGreaterThanOrEqual(24 * 3600_000);
    expect(summary!.details.bruteForceUserIds).toContain(victim.userId);
  });
});
