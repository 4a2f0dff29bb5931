/**
 * The audit log is append-only (0006): UPDATE and TRUNCATE are always refused, DELETE is
 * refused for any row younger than 30 days, and retention (purge_audit_logs) removes only
 * older rows. On a real Postgres, an application role that was GRANTed every DML privilege on
 * the table still cannot rewrite or erase recent history, nor switch the guard off.
 */
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { inject } from "vitest";
import pg from "pg";
import { resetDb, testDb, testDbUrl } from "../support/db";
import { databaseUrl, usingPglite } from "../support/env";
import { sql, type Db, type Queryable } from "../../lib/db";
import { runQuery } from "../../lib/db/pg-common";
import { recordAuditEvent } from "../../lib/audit/audit";

const INSUFFICIENT_PRIVILEGE = "42501";
const DAY_MS = 86400 * 1000;

async function sqlError(run: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await run;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error("the statement succeeded");
}

async function dbNow(db: Queryable): Promise<Date> {
  return (await db.query<{ now: Date }>(sql`SELECT now() AS now`)).rows[0]!.now;
}

async function addAuditRow(db: Queryable, createdAt: Date, type = "login.failure"): Promise<number> {
  const { rows } = await db.query<{ id: number }>(sql`
    INSERT INTO audit_logs (created_at, event_type, result, ip, details) VALUES (${createdAt}, ${type}, 'failure', '10.1.2.3', '{"reason":"bad_password"}')
    RETURNING id`);
  return Number(rows[0]!.id);
}

async function rowsOf(db: Queryable): Promise<{ id: number; event_type: string; result: string }[]> {
  const { rows } = await db.query<{ id: number; event_type: string; result: string }>(
    sql`SELECT id::int AS id, event_type, result FROM audit_logs ORDER BY id`,
  );
  return rows;
}

describe("audit_logs protection", () => {
  let recent: number;
  let almostOld: number;
  let old: number;

  beforeEach(async () => {
    const db = await testDb();
    await resetDb(db);
    const now = await dbNow(db);
    recent = await addAuditRow(db, now);
    almostOld = await addAuditRow(db, new Date(now.getTime() - 29 * DAY_MS));
    old = await addAuditRow(db, new Date(now.getTime() - 31 * DAY_MS));
  });

  it("refuses UPDATE of a recent row and of an old row, with insufficient_privilege", async () => {
    const db = await testDb();
    const before = await rowsOf(db);
    for (const id of [recent, old]) {
      const error = await sqlError(db.query(sql`UPDATE audit_logs SET result = 'success' WHERE id = ${id}`));
      expect(error.code).toBe(INSUFFICIENT_PRIVILEGE);
      expect(error.message).toMatch(/append-only/);
    }
    expect(await rowsOf(db)).toEqual(before);
  });

  it("refuses a table-wide UPDATE as a whole (no row changes)", async () => {
    const db = await testDb();
    const before = await rowsOf(db);
    expect((await sqlError(db.query(sql`UPDATE audit_logs SET details = '{}'::jsonb`))).code).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await rowsOf(db)).toEqual(before);
  });

  it("refuses DELETE of a row younger than 30 days", async () => {
    const db = await testDb();
    for (const id of [recent, almostOld]) {
      const error = await sqlError(db.query(sql`DELETE FROM audit_logs WHERE id = ${id}`));
      expect(error.code).toBe(INSUFFICIENT_PRIVILEGE);
    }
    expect((await sqlError(db.query(sql`DELETE FROM audit_logs`))).code).toBe(INSUFFICIENT_PRIVILEGE);
    expect((await rowsOf(db)).map((r) => r.id)).toEqual([recent, almostOld, old]);
  });

  it("refuses TRUNCATE", async () => {
    const db = await testDb();
    expect((await sqlError(db.query(sql`TRUNCATE audit_logs`))).code).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await rowsOf(db)).toHaveLength(3);
  });

  it("lets retention (purge_audit_logs) delete a row older than 30 days, and only that row", async () => {
    const db = await testDb();
    const now = await dbNow(db);
    const { rows } = await db.query<{ n: number }>(sql`SELECT purge_audit_logs(${new Date(now.getTime() - 30 * DAY_MS)}) AS n`);
    expect(rows[0]!.n).toBe(1);
    expect((await rowsOf(db)).map((r) => r.id)).toEqual([recent, almostOld]);
  });

  it("still accepts new rows (the log is append-only, not read-only)", async () => {
    const db = await testDb();
    await recordAuditEvent(db, {
      type: "logout",
      result: "success",
      actor: { ip: "10.0.0.1", userAgent: "test", requestId: "req-000001" },
    });
    expect(await rowsOf(db)).toHaveLength(4);
  });
});

/**
 * Real Postgres only: PGlite has a single built-in user, so there is no second role to GRANT
 * privileges to and log in as.
 */
describe("audit_logs protection against the application's role (real Postgres)", () => {
  const role = `portcullis_app_w${process.env.VITEST_POOL_ID ?? "0"}_${usingPglite ? "none" : inject("runId")}`;
  const opened: pg.Client[] = [];
  let created = false;

  async function admin(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: testDbUrl()! });
    await client.connect();
    opened.push(client);
    return client;
  }

  /** A login role with every DML privilege on audit_logs, as a careless deployment would grant. */
  async function appRole(): Promise<{ client: pg.Client; q: Queryable }> {
    const a = await admin();
    const database = new URL(testDbUrl()!).pathname.slice(1);
    if (!created) {
      await a.query(`CREATE ROLE ${role} LOGIN`);
      created = true;
    }
    await a.query(`GRANT CONNECT ON DATABASE ${database} TO ${role}`);
    await a.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
    await a.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON audit_logs TO ${role}`);
    const url = new URL(testDbUrl()!);
    url.username = role;
    url.password = "";
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    opened.push(client);
    return { client, q: { query: (x) => runQuery(client, x) } };
  }

  beforeEach(async () => {
    if (!usingPglite) await resetDb(await testDb());
  });

  afterAll(async () => {
    for (const c of opened.splice(0).reverse()) await c.end().catch(() => undefined);
    if (!created || !databaseUrl) return;
    const a = new pg.Client({ connectionString: testDbUrl()! });
    await a.connect();
    await a.query(`DROP OWNED BY ${role}`);
    await a.query(`DROP ROLE ${role}`);
    await a.end();
  });

  it.skipIf(usingPglite)("cannot UPDATE or DELETE recent rows even with UPDATE and DELETE granted, but can append", async () => {
    const db: Db = await testDb();
    const { client, q } = await appRole();
    expect((await client.query("SELECT current_user AS u")).rows[0].u).toBe(role);
    const now = await dbNow(q);
    const id = await addAuditRow(q, now, "login.success");
    await recordAuditEvent(q, { type: "logout", result: "success", actor: { ip: "10.0.0.1", userAgent: "app", requestId: "req-000002" } });

    expect((await sqlError(client.query("UPDATE audit_logs SET result = 'success' WHERE id = $1", [id]))).code).toBe(
      INSUFFICIENT_PRIVILEGE,
    );
    expect((await sqlError(client.query("DELETE FROM audit_logs WHERE id = $1", [id]))).code).toBe(INSUFFICIENT_PRIVILEGE);
    expect((await sqlError(client.query("DELETE FROM audit_logs"))).code).toBe(INSUFFICIENT_PRIVILEGE);
    expect((await sqlError(client.query("TRUNCATE audit_logs"))).code).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await rowsOf(db)).toHaveLength(2);
  });

  it.skipIf(usingPglite)("cannot switch the guard off: no DISABLE TRIGGER, DROP TRIGGER or session_replication_role", async () => {
    const { client } = await appRole();
    expect((await sqlError(client.query("ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_retention_only"))).code).toBe(
      INSUFFICIENT_PRIVILEGE,
    );
    expect((await sqlError(client.query("ALTER TABLE audit_logs DISABLE TRIGGER ALL"))).code).toBe(INSUFFICIENT_PRIVILEGE);
    expect((await sqlError(client.query("DROP TRIGGER audit_logs_no_update ON audit_logs"))).code).toBe(INSUFFICIENT_PRIVILEGE);
    expect((await sqlError(client.query("SET session_replication_role = replica"))).code).toBe(INSUFFICIENT_PRIVILEGE);
    expect(
      (
        await sqlError(
          client.query("CREATE OR REPLACE FUNCTION audit_logs_protect() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$"),
        )
      ).code,
    ).toBe(INSUFFICIENT_PRIVILEGE);
  });

  it.skipIf(usingPglite)("can run retention, which removes only rows older than 30 days", async () => {
    const db = await testDb();
    const now = await dbNow(db);
    await addAuditRow(db, new Date(now.getTime() - 400 * DAY_MS));
    const keep = await addAuditRow(db, new Date(now.getTime() - 10 * DAY_MS));
    const { q } = await appRole();
    const { rows } = await q.query<{ n: number }>(sql`SELECT purge_audit_logs(${new Date(now.getTime() - 365 * DAY_MS)}) AS n`);
    expect(rows[0]!.n).toBe(1);
    expect((await rowsOf(db)).map((r) => r.id)).toEqual([keep]);
  });
});
