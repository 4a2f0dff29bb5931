/**
 * The first administrator: lib/admin/create-admin.ts on the test database, and the
 * `admin:create` command end to end (its own process, on PGlite in a temporary directory or on
 * the run's Postgres). Checklist #10 (no default accounts: an operator creates the first one).
 */
import { beforeEach, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { resetDb, testDb, testDbUrl } from "../support/db";
import { usingPglite } from "../support/env";
import { sql, type Db } from "../../lib/db";
import { parseConfig } from "../../lib/config";
import { ensureAdmin } from "../../lib/admin/create-admin";
import { verifyPassword } from "../../lib/passwords/hasher";
import { rolesAndPermissions } from "../../lib/rbac/permissions";

const cfg = parseConfig({});
const actor = { ip: null, userAgent: "portcullis admin:create", requestId: "admin-create-test" };
const NOW = new Date("2030-01-01T00:00:00.000Z");
const PASSWORD = "correct horse battery staple admin";
const email = () => `root-${randomBytes(4).toString("hex")}@example.com`;

async function passwordHashOf(db: Db, address: string): Promise<string> {
  const { rows } = await db.query<{ password_hash: string }>(sql`SELECT password_hash FROM users WHERE email = ${address}`);
  return rows[0]!.password_hash;
}

describe("ensureAdmin", () => {
  let db: Db;
  beforeEach(async () => {
    db = await testDb();
    await resetDb(db);
  });

  it("creates the account with a generated strong password, shown once, and grants admin", async () => {
    const address = email();
    const result = await ensureAdmin(db, { email: address, password: null, now: NOW, actor }, cfg);
    if (!result.ok) throw new Error(result.error);
    const { generatedPassword, userId } = result.value;
    expect(result.value).toMatchObject({ created: true, roleGranted: true, passwordIgnored: false });
    expect(generatedPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(await verifyPassword(generatedPassword!, await passwordHashOf(db, address))).toBe(true);
    expect(await rolesAndPermissions(db, userId)).toMatchObject({ roles: ["admin", "user"] });
    const audit = await db.query<{ event_type: string; actor_id: string | null; target_id: string; details: { source: string } }>(
      sql`SELECT event_type, actor_id, target_id, details FROM audit_logs ORDER BY id`,
    );
    expect(audit.rows.map((r) => [r.event_type, r.actor_id, r.target_id, r.details.source])).toEqual([
      ["register", null, userId, "cli"],
      ["role.changed", null, userId, "cli"],
    ]);
    expect(JSON.stringify(audit.rows)).not.toContain(generatedPassword);
  });

  it("uses the operator's password under the full policy, and refuses a weak one without creating anything", async () => {
    const weak = await ensureAdmin(db, { email: email(), password: "short", now: NOW, actor }, cfg);
    expect(weak).toEqual({ ok: false, error: "password_too_short" });
    const common = await ensureAdmin(db, { email: email(), password: "passwordpassword", now: NOW, actor }, cfg);
    expect(common).toEqual({ ok: false, error: "password_common" });
    expect((await db.query(sql`SELECT 1 FROM users`)).rows).toEqual([]);
    const address = email();
    const ok = await ensureAdmin(db, { email: address, password: PASSWORD, now: NOW, actor }, cfg);
    expect(ok).toMatchObject({ ok: true, value: { created: true, generatedPassword: null } });
    expect(await verifyPassword(PASSWORD, await passwordHashOf(db, address))).toBe(true);
  });

  it("promotes an existing account without touching its password, and changes nothing when run again", async () => {
    const address = email();
    await ensureAdmin(db, { email: address, password: PASSWORD, now: NOW, actor }, cfg);
    await db.query(sql`DELETE FROM user_roles`);
    const hash = await passwordHashOf(db, address);
    const promoted = await ensureAdmin(db, { email: address.toUpperCase(), password: "some other long passphrase", now: NOW, actor }, cfg);
    expect(promoted).toMatchObject({
      ok: true,
      value: { created: false, roleGranted: true, passwordIgnored: true, generatedPassword: null },
    });
    expect(await passwordHashOf(db, address)).toBe(hash);
    const again = await ensureAdmin(db, { email: address, password: null, now: NOW, actor }, cfg);
    expect(again).toMatchObject({ ok: true, value: { created: false, roleGranted: false, passwordIgnored: false } });
    expect((await db.query(sql`SELECT 1 FROM users`)).rows).toHaveLength(1);
  });

  it("refuses an address that is not an email", async () => {
    expect(await ensureAdmin(db, { email: "not an email", password: null, now: NOW, actor }, cfg)).toEqual({
      ok: false,
      error: "invalid_request",
    });
  });
});

describe("npm run admin:create", () => {
  function run(args: string[], env: Record<string, string>, input?: string) {
    return spawnSync(
      process.execPath,
      [join(process.cwd(), "node_modules", "tsx", "dist", "cli.mjs"), "scripts/admin-create.ts", ...args],
      {
        cwd: process.cwd(),
        input,
        encoding: "utf8",
        timeout: 120_000,
        env: { NODE_ENV: "development", PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
      },
    );
  }

  it("creates an admin from --password-stdin on the configured database, and prints usage without --email", async () => {
    const dir = usingPglite ? mkdtempSync(join(tmpdir(), "portcullis-admin-")) : null;
    const env: Record<string, string> = dir ? { PGLITE_DATA_DIR: dir } : { POSTGRES_URL: testDbUrl()! };
    try {
      if (!usingPglite) await resetDb(await testDb());
      expect(run([], env).status).toBe(2);
      const address = email();
      const created = run(["--email", address, "--password-stdin"], env, `${PASSWORD}\n`);
      expect(created.stderr).toBe("");
      expect(created.status).toBe(0);
      expect(created.stdout).toContain(`created account ${address}`);
      expect(created.stdout).toContain("granted the admin role");
      expect(created.stdout).not.toContain(PASSWORD);
      const rerun = run([`--email=${address}`], env);
      expect(rerun.status).toBe(0);
      expect(rerun.stdout).toContain("already had the admin role");
      expect(rerun.stdout).not.toContain("generated password");

      let db: Db;
      if (dir) {
        const { createPgliteDb, openPglite } = await import("../../lib/db/pglite");
        db = createPgliteDb(openPglite(dir));
      } else {
        db = await testDb();
      }
      try {
        const { rows } = await db.query<{ id: string; password_hash: string }>(
          sql`SELECT id, password_hash FROM users WHERE email = ${address}`,
        );
        expect(await verifyPassword(PASSWORD, rows[0]!.password_hash)).toBe(true);
        expect((await rolesAndPermissions(db, rows[0]!.id)).roles).toEqual(["admin", "user"]);
      } finally {
        if (dir) await db.close();
      }
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });
});
