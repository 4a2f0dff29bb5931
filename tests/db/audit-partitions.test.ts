/**
 * The audit log partitioned by month (0019): rows land in their month's partition, anything
 * outside every monthly partition lands in audit_logs_default (an insert never fails for want of
 * a partition), the daily cron creates the coming months ahead, retention detaches and drops whole
 * months (never one holding a row younger than 30 days), the append-only guard holds on every
 * partition, and the detection functions read only the partitions their window touches.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { resetDb, testDb } from "../support/db";
import { sql, type Db, type Queryable } from "../../lib/db";
import { parseConfig } from "../../lib/config";
import { runDailyMaintenance } from "../../lib/maintenance/cleanup";

const DAY_MS = 86400_000;
const INSUFFICIENT_PRIVILEGE = "42501";
const actor = { ip: "127.0.0.1", userAgent: "vitest", requestId: "audit-partitions" };

async function dbNow(db: Queryable): Promise<Date> {
  return (await db.query<{ now: Date }>(sql`SELECT now() AS now`)).rows[0]!.now;
}

/** The first instant of the UTC month `offset` months from `d`, and its partition's name. */
function month(d: Date, offset: number): { start: Date; name: string } {
  const start = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1));
  return { start, name: `audit_logs_p${start.getUTCFullYear()}${String(start.getUTCMonth() + 1).padStart(2, "0")}` };
}

async function partitions(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(sql`
    SELECT c.relname::text AS name FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
    WHERE h.inhparent = 'audit_logs'::regclass ORDER BY 1`);
  return rows.map((r) => r.name);
}

async function dropMonthlyPartitions(db: Queryable): Promise<void> {
  for (const name of await partitions(db)) {
    if (name !== "audit_logs_default") await db.query({ text: `DROP TABLE ${name}`, values: [] });
  }
}

async function addRow(db: Queryable, createdAt: Date, type = "login.failure"): Promise<string> {
  const { rows } = await db.query<{ part: string }>(sql`
    INSERT INTO audit_logs (created_at, event_type, result, subject_hash, ip)
    VALUES (${createdAt}, ${type}, 'failure', repeat('a', 64), '10.9.8.7') RETURNING tableoid::regclass::text AS part`);
  return rows[0]!.part;
}

async function sqlError(run: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await run;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error("the statement succeeded");
}

describe("audit_logs partitions", () => {
  let db: Db;
  let now: Date;

  beforeEach(async () => {
    db = await testDb();
    await resetDb(db);
    await dropMonthlyPartitions(db);
    now = await dbNow(db);
  });

  it("creates this month and the next n, idempotently, each with the parent's indexes named after it", async () => {
    const created = await db.query<{ name: string }>(sql`SELECT audit_logs_create_partitions(${now}, 3) AS name`);
    const expected = [0, 1, 2, 3].map((i) => month(now, i).name);
    expect(created.rows.map((r) => r.name)).toEqual(expected);
    expect(await partitions(db)).toEqual(["audit_logs_default", ...expected].sort());
    expect((await db.query(sql`SELECT audit_logs_create_partitions(${now}, 3) AS name`)).rows).toEqual([]);

    const { rows } = await db.query<{ name: string }>(sql`
      SELECT indexrelid::regclass::text AS name FROM pg_index WHERE indrelid = ${expected[0]!}::regclass ORDER BY 1`);
    const suffixes = [
      "actor_idx",
      "created_idx",
      "event_idx",
      "ip_idx",
      "login_failures_idx",
      "pkey",
      "revoked_session_idx",
      "session_idx",
      "target_idx",
    ];
    expect(rows.map((r) => r.name)).toEqual(suffixes.map((s) => `${expected[0]}_${s}`));
  });

  it("puts each row in its month's partition, and a row outside every monthly partition in audit_logs_default", async () => {
    await db.query(sql`SELECT audit_logs_create_partitions(${now}, 1)`);
    expect(await addRow(db, now)).toBe(month(now, 0).name);
    expect(await addRow(db, month(now, 1).start)).toBe(month(now, 1).name);
    expect(await addRow(db, month(now, 2).start)).toBe("audit_logs_default");
    expect(await addRow(db, new Date(now.getTime() - 400 * DAY_MS))).toBe("audit_logs_default");
    const { rows } = await db.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM audit_logs`);
    expect(rows[0]!.n).toBe(4);
  });

  it("does not create a month whose rows already sit in the default partition, and inserts for that month still succeed", async () => {
    const ahead = month(now, 5);
    expect(await addRow(db, ahead.start)).toBe("audit_logs_default");
    const created = await db.query<{ name: string }>(sql`SELECT audit_logs_create_partitions(${ahead.start}, 0) AS name`);
    expect(created.rows).toEqual([]);
    expect(await partitions(db)).not.toContain(ahead.name);
    expect(await addRow(db, new Date(ahead.start.getTime() + DAY_MS))).toBe("audit_logs_default");
  });

  it("refuses UPDATE, DELETE of a recent row and TRUNCATE on a partition addressed by name", async () => {
    await db.query(sql`SELECT audit_logs_create_partitions(${now}, 0)`);
    const part = month(now, 0).name;
    await addRow(db, now);
    await addRow(db, new Date(now.getTime() - 400 * DAY_MS));
    for (const statement of [
      `UPDATE ${part} SET result = 'success'`,
      `DELETE FROM ${part}`,
      `TRUNCATE ${part}`,
      `UPDATE audit_logs_default SET result = 'success'`,
      `TRUNCATE audit_logs_default`,
    ]) {
      const error = await sqlError(db.query({ text: statement, values: [] }));
      expect(error.code, statement).toBe(INSUFFICIENT_PRIVILEGE);
    }
    const { rows } = await db.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM audit_logs`);
    expect(rows[0]!.n).toBe(2);
  });

  it("retention drops whole months before the cutoff (with their row counts), never a month holding a row younger than 30 days", async () => {
    await db.query(sql`SELECT audit_logs_create_partitions(${month(now, -4).start}, 4)`);
    const old = [month(now, -4), month(now, -3), month(now, -2)];
    for (const [i, m] of old.entries()) for (let k = 0; k <= i; k++) await addRow(db, new Date(m.start.getTime() + (k + 1) * DAY_MS));
    await addRow(db, now);

    // asked for everything up to tomorrow: capped at now() - 30 days, so last month and this one stay
    const { rows } = await db.query<{ name: string; rows: string }>(
      sql`SELECT name, rows::text FROM audit_logs_drop_partitions(${new Date(now.getTime() + DAY_MS)})`,
    );
    const lastMonthStays = month(now, -1);
    const dropped = old.filter((m) => m.start.getTime() + 31 * DAY_MS <= now.getTime() - 30 * DAY_MS);
    expect(rows).toEqual(dropped.map((m) => ({ name: m.name, rows: String(old.indexOf(m) + 1) })));
    const left = await partitions(db);
    for (const m of dropped) expect(left).not.toContain(m.name);
    expect(left).toContain(lastMonthStays.name);
    expect(left).toContain(month(now, 0).name);
    const recent = await db.query<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM audit_logs WHERE created_at >= ${new Date(now.getTime() - 30 * DAY_MS)}`,
    );
    expect(recent.rows[0]!.n).toBe(1);
  });

  it("retention reports an analysed month's row count from its statistics, without reading the month (0028)", async () => {
    const old = month(now, -4);
    await db.query(sql`SELECT audit_logs_create_partitions(${old.start}, 0)`);
    const fill = (n: number) =>
      db.query(sql`
        INSERT INTO audit_logs (created_at, event_type, result)
        SELECT ${new Date(old.start.getTime() + DAY_MS)}::timestamptz + g * interval '1 second', 'login.success', 'success'
        FROM generate_series(1, ${n}) AS g`);
    await fill(1000);
    await db.query({ text: `ANALYZE ${old.name}`, values: [] });
    await fill(10); // after the statistics: not counted
    const { rows } = await db.query<{ name: string; rows: string }>(sql`SELECT name, rows::text FROM audit_logs_drop_partitions(${now})`);
    expect(rows).toEqual([{ name: old.name, rows: "1000" }]);
  });

  it("the daily job creates the coming months, drops the months past AUDIT_RETENTION_DAYS, deletes old rows of the default partition, and counts both", async () => {
    await db.query(sql`SELECT audit_logs_create_partitions(${month(now, -14).start}, 0)`);
    await addRow(db, new Date(month(now, -14).start.getTime() + DAY_MS));
    await addRow(db, new Date(month(now, -14).start.getTime() + 2 * DAY_MS));
    await addRow(db, new Date(now.getTime() - 500 * DAY_MS)); // in the default partition
    await addRow(db, new Date(now.getTime() - 40 * DAY_MS)); // in the default partition, inside retention

    const cfg = parseConfig({ AUDIT_RETENTION_DAYS: "365" });
    const result = await runDailyMaintenance(db, now, actor, cfg);
    expect(result.deleted.audit_logs).toBe(3);
    expect(result.auditPartitions.dropped).toEqual([month(now, -14).name]);
    expect(result.auditPartitions.created).toEqual([0, 1, 2, 3].map((i) => month(now, i).name));
    const { rows } = await db.query<{ part: string }>(sql`
      SELECT tableoid::regclass::text AS part FROM audit_logs WHERE event_type = 'login.failure'`);
    expect(rows).toEqual([{ part: "audit_logs_default" }]);
    expect((await runDailyMaintenance(db, now, actor, cfg)).auditPartitions).toEqual({ created: [], dropped: [] });
  });

  it("the detection functions read only the partitions their window touches, through their indexes", async () => {
    // a fixed mid-month instant: the functions take their window as a parameter, not from the clock
    const at = new Date("2030-06-15T12:00:00Z");
    await db.query(sql`SELECT audit_logs_create_partitions(${month(at, -3).start}, 3)`);
    await db.query(sql`
      INSERT INTO audit_logs (created_at, event_type, result, subject_hash, ip)
      SELECT ${at}::timestamptz - g * interval '30 seconds', CASE WHEN g % 5 = 0 THEN 'login.failure' ELSE 'login.success' END,
             'failure', md5(g::text) || md5((g + 1)::text), ('10.1.' || (g % 200) || '.1')::inet
      FROM generate_series(1, 20000) AS g`);
    await db.query(sql`ANALYZE audit_logs`);
    const since = new Date(at.getTime() - 3600_000);
    const current = month(at, 0).name;
    const older = month(at, -1).name;
    for (const q of [sql`SELECT * FROM security_brute_force(${since}, 10)`, sql`SELECT * FROM security_credential_stuffing(${since}, 5)`]) {
      const { rows } = await db.query<{ "QUERY PLAN": string }>(sql`EXPLAIN ${q}`);
      const plan = rows.map((r) => r["QUERY PLAN"]).join("\n");
      expect(plan, plan).toContain(`${current}_login_failures_idx`);
      expect(plan, plan).not.toContain(older);
      expect(plan, plan).not.toMatch(/Seq Scan on audit_logs_p/); // the empty default partition may be scanned
    }
  });
});
