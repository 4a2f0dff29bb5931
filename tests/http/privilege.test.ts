/**
 * Privilege changes and object-level refusals over HTTP (issue 10, items 2 and 15): a role
 * grant ends every token issued before it; another user's session or device id is refused
 * with an authz.denied audit row; a rotation cannot undo a sign-out everywhere; the daily
 * alert summary covers the whole day.
 */
import { beforeAll, describe, expect, it } from "vitest";
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

describe("a role grant (issue 10 item 2)", () => {
  it("ends every session and refresh family issued before it: a copied cookie presented first gets 401, not the new role", async () => {
    const member = await signedInClient();
    const copied = member.client.sessionToken()!;
    const pair = await new Client().post("/api/auth/token", { email: member.email, password: member.password });
    expect(pair.status).toBe(200);

    const granted = await admin.client.post(`/api/admin/users/${member.userId}/roles`, { role: "support" });
    expect([granted.status, granted.body.roles]).toEqual([201, ["support"]]);

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

    // a fresh sign-in, after the grant, holds the role
    const fresh = new Client();
    expect((await fresh.post("/api/auth/login", { email: member.email, password: member.password })).status).toBe(200);
    expect((await fresh.get("/api/admin/users?limit=1")).status).toBe(200);
  });

  it("a repeated grant of a held role ends nothing", async () => {
    const member = await signedInClient();
    expect((await admin.client.post(`/api/admin/users/${member.userId}/roles`, { role: "support" })).status).toBe(201);
    const again = new Client();
    expect((await again.post("/api/auth/login", { email: member.email, password: member.password })).status).toBe(200);
    const repeat = await admin.client.post(`/api/admin/users/${member.userId}/roles`, { role: "support" });
    expect([repeat.status, repeat.body.changed]).toEqual([200, false]);
    expect((await again.get("/api/admin/users?limit=1")).status).toBe(200);
  });
});
