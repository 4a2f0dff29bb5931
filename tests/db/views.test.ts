/**
 * The operator views of 0008: active_sessions (only sessions that authentication would
 * accept right now) and user_security_status (one row per live account: throttle state found
 * through the subject hash the sign-in code uses, MFA, backup codes, sessions, roles).
 */
import { beforeEach, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { resetDb, testDb } from "../support/db";
import { sql, type Db } from "../../lib/db";
import { subjectHash } from "../../lib/users/email";

const hex64 = () => randomBytes(32).toString("hex");
const HASH = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";

async function dbNow(db: Db): Promise<Date> {
  const { rows } = await db.query<{ now: Date }>(sql`SELECT now() AS now`);
  return rows[0]!.now;
}

const plus = (d: Date, seconds: number) => new Date(d.getTime() + seconds * 1000);

async function addUser(db: Db, email: string, extra: { deletedAt?: Date; disabledAt?: Date; verifiedAt?: Date } = {}): Promise<string> {
  const { rows } = await db.query<{ id: string }>(sql`
    INSERT INTO users (email, password_hash, status, disabled_at, deleted_at, email_verified_at)
    VALUES (${email}, ${HASH}, ${extra.disabledAt ? "disabled" : "active"}, ${extra.disabledAt ?? null}, ${extra.deletedAt ?? null}, ${extra.verifiedAt ?? null})
    RETURNING id`);
  return rows[0]!.id;
}

interface SessionShape {
  created: Date;
  idle: Date;
  absolute: Date;
  revoked?: Date;
}

async function addSession(db: Db, userId: string, s: SessionShape): Promise<string> {
  const id = randomBytes(16).toString("base64url");
  await db.query(sql`
    INSERT INTO sessions (id, secret_hash, user_id, created_at, last_activity_at, idle_expires_at, absolute_expires_at,
                          reauthenticated_at, revoked_at, revoked_reason)
    VALUES (${id}, ${hex64()}, ${userId}, ${s.created}, ${s.created}, ${s.idle}, ${s.absolute}, ${s.created},
            ${s.revoked ?? null}, ${s.revoked ? "logout" : null})`);
  return id;
}

describe("view active_sessions", () => {
  beforeEach(async () => resetDb(await testDb()));

  it("lists live sessions and leaves out revoked, idle-expired and absolutely expired ones", async () => {
    const db = await testDb();
    const now = await dbNow(db);
    const user = await addUser(db, "eve@example.com");
    const created = plus(now, -3600);
    const live = await addSession(db, user, { created, idle: plus(now, 3600), absolute: plus(now, 86400) });
    const alsoLive = await addSession(db, user, { created, idle: plus(now, 60), absolute: plus(now, 60) });
    await addSession(db, user, { created, idle: plus(now, 3600), absolute: plus(now, 86400), revoked: plus(now, -60) });
    await addSession(db, user, { created, idle: plus(now, -1), absolute: plus(now, 86400) });
    // an absolute expiry in the past implies the idle one is too (CHECK sessions_expiry_order)
    await addSession(db, user, { created: plus(now, -90000), idle: plus(now, -5), absolute: plus(now, -5) });

    const { rows } = await db.query<{ id: string; email: string }>(
      sql`SELECT id, email FROM active_sessions ORDER BY idle_expires_at DESC`,
    );
    expect(rows).toEqual([
      { id: live, email: "eve@example.com" },
      { id: alsoLive, email: "eve@example.com" },
    ]);
  });

  it("leaves out the sessions of disabled and deleted accounts, which authentication refuses", async () => {
    const db = await testDb();
    const now = await dbNow(db);
    const shape = { created: plus(now, -60), idle: plus(now, 3600), absolute: plus(now, 86400) };
    const active = await addSession(db, await addUser(db, "active@example.com"), shape);
    await addSession(db, await addUser(db, "disabled@example.com", { disabledAt: now }), shape);
    await addSession(db, await addUser(db, "deleted@example.com", { deletedAt: now }), shape);
    const { rows } = await db.query<{ id: string }>(sql`SELECT id FROM active_sessions`);
    expect(rows).toEqual([{ id: active }]);
  });

  it("exposes no secret hash", async () => {
    const db = await testDb();
    const { rows } = await db.query<{ column_name: string }>(sql`
      SELECT column_name FROM information_schema.columns WHERE table_name = 'active_sessions' ORDER BY ordinal_position`);
    const columns = rows.map((r) => r.column_name);
    expect(columns).toContain("user_id");
    expect(columns).not.toContain("secret_hash");
  });
});

interface StatusRow {
  user_id: string;
  email: string;
  status: string;
  email_verified: boolean;
  failed_login_count: number;
  total_failed_logins: number;
  locked_until: Date | null;
  hard_locked: boolean;
  locked: boolean;
  mfa_enabled: boolean;
  backup_codes_left: number;
  active_session_count: number;
  trusted_device_count: number;
  roles: string[];
}

async function statusOf(db: Db, userId: string): Promise<StatusRow | undefined> {
  const { rows } = await db.query<StatusRow>(sql`SELECT * FROM user_security_status WHERE user_id = ${userId}`);
  return rows[0];
}

async function addThrottle(
  db: Db,
  email: string,
  t: { failures: number; total: number; lockedUntil?: Date | null; hard?: boolean; at: Date },
): Promise<void> {
  await db.query(sql`
    INSERT INTO login_throttles (subject_hash, failures, total_failures, lock_count, locked_until, hard_locked, last_failure_at)
    VALUES (${subjectHash(email)}, ${t.failures}, ${t.total}, ${t.lockedUntil ? 1 : 0}, ${t.lockedUntil ?? null}, ${t.hard ?? false}, ${t.at})`);
}

describe("view user_security_status", () => {
  beforeEach(async () => resetDb(await testDb()));

  it("reads failures and the lock from login_throttles through the same subject hash as sign-in (case-insensitive)", async () => {
    const db = await testDb();
    const now = await dbNow(db);
    const locked = await addUser(db, "Dana.Locked@Example.com");
    const expired = await addUser(db, "lock-over@example.com");
    const hard = await addUser(db, "hard@example.com");
    const clean = await addUser(db, "clean@example.com");
    // sign-in hashes what the user typed, normalised: another case of the stored address
    await addThrottle(db, " dana.locked@EXAMPLE.com ", { failures: 3, total: 13, lockedUntil: plus(now, 600), at: now });
    await addThrottle(db, "lock-over@example.com", { failures: 2, total: 12, lockedUntil: plus(now, -1), at: plus(now, -700) });
    await addThrottle(db, "HARD@example.com", { failures: 0, total: 100, hard: true, at: now });
    // a throttle for an address that has no account shows up nowhere
    await addThrottle(db, "nobody@example.com", { failures: 9, total: 9, at: now });

    expect(await statusOf(db, locked)).toMatchObject({ failed_login_count: 3, total_failed_logins: 13, locked: true, hard_locked: false });
    expect((await statusOf(db, locked))!.locked_until).toEqual(plus(now, 600));
    expect(await statusOf(db, expired)).toMatchObject({
      failed_login_count: 2,
      total_failed_logins: 12,
      locked: false,
      hard_locked: false,
    });
    expect(await statusOf(db, hard)).toMatchObject({ total_failed_logins: 100, locked: true, hard_locked: true });
    expect(await statusOf(db, clean)).toMatchObject({
      failed_login_count: 0,
      total_failed_logins: 0,
      locked: false,
      hard_locked: false,
      locked_until: null,
    });
    const all = await db.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM user_security_status`);
    expect(all.rows[0]!.n).toBe(4);
  });

  it("reports MFA, backup codes left, live sessions, trusted devices and roles", async () => {
    const db = await testDb();
    const now = await dbNow(db);
    const user = await addUser(db, "frank@example.com", { verifiedAt: now });
    await db.query(
      sql`INSERT INTO mfa_factors (user_id, status, encrypted_secret, confirmed_at) VALUES (${user}, 'active', ${"v1.k1.bm9uY2U.Y3Q"}, ${now})`,
    );
    await db.query(sql`
      INSERT INTO mfa_backup_codes (user_id, lookup, code_hash, used_at)
      VALUES (${user}, 'AAAA', ${HASH}, NULL), (${user}, 'BBBB', ${HASH}, NULL), (${user}, 'CCCC', ${HASH}, ${now})`);
    const created = plus(now, -60);
    await addSession(db, user, { created, idle: plus(now, 600), absolute: plus(now, 6000) });
    await addSession(db, user, { created, idle: plus(now, 600), absolute: plus(now, 6000) });
    await addSession(db, user, { created, idle: plus(now, 600), absolute: plus(now, 6000), revoked: now });
    await addSession(db, user, { created: plus(now, -7200), idle: plus(now, -1), absolute: plus(now, 6000) });
    await db.query(sql`
      INSERT INTO trusted_devices (id, user_id, secret_hash, created_at, expires_at, revoked_at)
      VALUES (${randomBytes(16).toString("base64url")}, ${user}, ${hex64()}, ${created}, ${plus(now, 86400)}, NULL),
             (${randomBytes(16).toString("base64url")}, ${user}, ${hex64()}, ${created}, ${plus(now, 86400)}, ${now}),
             (${randomBytes(16).toString("base64url")}, ${user}, ${hex64()}, ${plus(now, -7200)}, ${plus(now, -1)}, NULL)`);
    await db.query(sql`INSERT INTO user_roles (user_id, role_id) SELECT ${user}, id FROM roles WHERE name IN ('support', 'admin')`);

    expect(await statusOf(db, user)).toMatchObject({
      email: "frank@example.com",
      status: "active",
      email_verified: true,
      mfa_enabled: true,
      backup_codes_left: 2,
      active_session_count: 2,
      trusted_device_count: 1,
      roles: ["admin", "support"],
    });
  });

  it("shows MFA as off with only a pending factor, and an empty role list", async () => {
    const db = await testDb();
    const user = await addUser(db, "gina@example.com");
    await db.query(sql`INSERT INTO mfa_factors (user_id, status, encrypted_secret) VALUES (${user}, 'pending', ${"v1.k1.bm9uY2U.Y3Q"})`);
    expect(await statusOf(db, user)).toMatchObject({
      email_verified: false,
      mfa_enabled: false,
      backup_codes_left: 0,
      active_session_count: 0,
      roles: [],
    });
  });

  it("leaves out deleted accounts but keeps disabled ones (with their status)", async () => {
    const db = await testDb();
    const now = await dbNow(db);
    const deleted = await addUser(db, "gone@example.com", { deletedAt: now });
    const disabled = await addUser(db, "off@example.com", { disabledAt: now });
    expect(await statusOf(db, deleted)).toBeUndefined();
    expect(await statusOf(db, disabled)).toMatchObject({ status: "disabled" });
  });

  it("exposes no password hash, secret or token column", async () => {
    const db = await testDb();
    const { rows } = await db.query<{ column_name: string }>(sql`
      SELECT column_name FROM information_schema.columns WHERE table_name = 'user_security_status'`);
    const columns = rows.map((r) => r.column_name);
    expect(columns.length).toBeGreaterThan(10);
    expect(columns.filter((c) => /hash|secret|token/.test(c))).toEqual([]);
  });
});
