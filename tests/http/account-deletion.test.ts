/**
 * Account deletion: POST /api/auth/account/delete (the owner, inside the re-authentication
 * window) and POST /api/admin/users/[id]/delete (an administrator). Every session, token
 * family, factor and device ends; personal data is removed (the row stays anonymised and
 * soft-deleted); audit rows stay with the user id; a notice goes out; the address registers again.
 */
import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { Client, GOOD_PASSWORD, latestMail, serverSql, signedInClient } from "../support/http";
import { auditRows, clientFor, grantRole, signedInAdmin } from "../support/principals";

/** White-box: a second factor, a backup code and a trusted device, in the shapes the MFA routes store. */
async function insertMfaRows(userId: string): Promise<void> {
  await serverSql("INSERT INTO mfa_factors (user_id, status, encrypted_secret, confirmed_at) VALUES ($1, 'active', 'v1.a.b.c', now())", [
    userId,
  ]);
  await serverSql("INSERT INTO mfa_backup_codes (user_id, lookup, code_hash) VALUES ($1, 'ABCD', '$argon2id$x')", [userId]);
  await serverSql("INSERT INTO trusted_devices (id, user_id, secret_hash, expires_at) VALUES ($1, $2, $3, now() + interval '1 day')", [
    randomBytes(16).toString("base64url"),
    userId,
    "0".repeat(64),
  ]);
}

describe("POST /api/auth/account/delete", () => {
  it("ends every session and refresh family, removes personal data, keeps the audit rows, mails a notice, and frees the address", {
    timeout: 120_000,
  }, async () => {
    const { client, email, userId } = await signedInClient();
    const other = await clientFor(userId);
    const tokens = await client.post("/api/auth/token", {});
    expect(tokens.status).toBe(200);
    await serverSql(
      "INSERT INTO password_history (user_id, password_hash, created_at) VALUES ($1, '$argon2id$v=19$m=19456,t=2,p=1$x$y', now())",
      [userId],
    );
    await insertMfaRows(userId);
    const auditBefore = (
      await serverSql<{ n: number }>("SELECT count(*)::int AS n FROM audit_logs WHERE actor_id = $1 OR target_id = $1", [userId])
    )[0]!.n;

    const res = await client.post("/api/auth/account/delete", { confirm: true });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("deleted");
    expect(client.sessionToken()).toBeUndefined();

    expect((await client.get("/api/auth/session")).status).toBe(401);
    expect((await other.get("/api/auth/session")).status).toBe(401);
    const refresh = await new Client().post("/api/auth/token/refresh", { refreshToken: tokens.body.refreshToken });
    expect(refresh.status).toBe(401);

    const [row] = await serverSql<{
      email: string;
      name: string | null;
      password_hash: string | null;
      status: string;
      deleted_at: string | null;
    }>("SELECT email::text AS email, name, password_hash, status, deleted_at FROM users WHERE id = $1", [userId]);
    expect(row).toMatchObject({ email: `deleted-${userId}@deleted.invalid`, name: null, password_hash: null, status: "disabled" });
    expect(row!.deleted_at).not.toBeNull();
    for (const table of [
      "sessions",
      "refresh_tokens",
      "mfa_factors",
      "mfa_backup_codes",
      "trusted_devices",
      "one_time_tokens",
      "password_history",
      "user_roles",
    ]) {
      const [count] = await serverSql<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE user_id = $1`, [userId]);
      expect({ table, n: count!.n }).toEqual({ table, n: 0 });
    }
    const auditAfter = (
      await serverSql<{ n: number }>("SELECT count(*)::int AS n FROM audit_logs WHERE actor_id = $1 OR target_id = $1", [userId])
    )[0]!.n;
    expect(auditAfter).toBe(auditBefore + 1);
    const [deleted] = await auditRows("user.deleted", userId);
    expect(deleted).toMatchObject({ actor_id: userId, result: "success" });
    expect(deleted!.details.by).toBe("self");
    expect((await latestMail(email, "account_deleted"))?.subject).toBe("Your account was deleted");

    expect((await new Client().post("/api/auth/login", { email, password: GOOD_PASSWORD })).status).toBe(401);
    const again = await new Client().post("/api/auth/register", { email, password: GOOD_PASSWORD });
    expect(again.status).toBe(201);
    const live = await serverSql<{ id: string }>("SELECT id FROM users WHERE email = $1 AND deleted_at IS NULL", [email]);
    expect(live).toHaveLength(1);
    expect(live[0]!.id).not.toBe(userId);
    expect(await latestMail(email, "welcome")).toBeDefined();
  });

  it("needs a recent re-authentication (403 reauth_required) and an explicit confirmation (400)", { timeout: 120_000 }, async () => {
    const { userId } = await signedInClient();
    const stale = await clientFor(userId, { reauthenticatedAt: new Date(Date.now() - 24 * 3600 * 1000) });
    const refused = await stale.post("/api/auth/account/delete", { confirm: true });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("reauth_required");
    const fresh = await clientFor(userId);
    for (const body of [{}, { confirm: false }, { confirm: "true" }]) {
      const res = await fresh.post("/api/auth/account/delete", body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
    }
    const [row] = await serverSql<{ deleted_at: string | null }>("SELECT deleted_at FROM users WHERE id = $1", [userId]);
    expect(row!.deleted_at).toBeNull();
    expect((await new Client().post("/api/auth/account/delete", { confirm: true })).status).toBe(401);
  });

  it("refuses the last active holder of a role that assigns roles (409 last_admin)", { timeout: 120_000 }, async () => {
    const { userId } = await signedInClient();
    await serverSql("INSERT INTO roles (name, description, permissions) VALUES ($1, 'test', '[\"roles:assign\"]'::jsonb)", [
      `solo_${userId.slice(0, 8)}`,
    ]);
    await grantRole(userId, `solo_${userId.slice(0, 8)}`);
    const res = await (await clientFor(userId)).post("/api/auth/account/delete", { confirm: true });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("last_admin");
  });
});

describe("POST /api/admin/users/[id]/delete", () => {
  it("deletes another account with the same effects, audited with the administrator as actor", { timeout: 120_000 }, async () => {
    const admin = await signedInAdmin();
    const target = await signedInClient();
    const res = await admin.client.post(`/api/admin/users/${target.userId}/delete`, { confirm: true });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: target.userId, status: "deleted", sessionsEnded: 1 });
    expect((await target.client.get("/api/auth/session")).status).toBe(401);
    const [row] = await auditRows("user.deleted", target.userId);
    expect(row).toMatchObject({ actor_id: admin.userId });
    expect(row!.details.by).toBe("admin");
    const again = await admin.client.post(`/api/admin/users/${target.userId}/delete`, { confirm: true });
    expect(again.status).toBe(404);
  });

  it("refuses one's own account, a missing confirmation and a non-admin", { timeout: 120_000 }, async () => {
    const admin = await signedInAdmin();
    const self = await admin.client.post(`/api/admin/users/${admin.userId}/delete`, { confirm: true });
    expect(self.status).toBe(409);
    expect(self.body.error.code).toBe("cannot_target_self");
    const target = await signedInClient();
    expect((await admin.client.post(`/api/admin/users/${target.userId}/delete`, {})).status).toBe(400);
    const user = await signedInClient();
    expect((await user.client.post(`/api/admin/users/${target.userId}/delete`, { confirm: true })).status).toBe(403);
  });
});
