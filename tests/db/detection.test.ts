/**
 * Attack detection (db/migrations/0010, lib/admin/alerts.ts) and the audit search
 * (lib/admin/audit-search.ts) on the per-worker test database:
 *  - seeded attack patterns among background noise: each detection function finds exactly
 *    the seeded attack, at the configured threshold, inside the window only;
 *  - query plans on >= 100k audit rows (after ANALYZE) use the intended indexes. The same
 *    assertions hold on PGlite (Postgres 18 in WASM) and on Postgres 15; nothing is skipped.
 * Checklist #65 (detection over the audit log), DESIGN "indexes follow the queries".
 */
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createHash, randomUUID } from "node:crypto";
import { resetDb, testDb } from "../support/db";
import { sql, type Db, type SqlQuery } from "../../lib/db";
import { parseConfig } from "../../lib/config";
import { alertThresholds, findSecurityAlerts } from "../../lib/admin/alerts";
import { searchAuditLog } from "../../lib/audit/audit-search";
import { auditSearchQuery, type AuditFilter } from "../../lib/audit/queries";

const NOW = new Date("2030-06-01T12:00:00.000Z");
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);
const subject = (name: string) => createHash("sha256").update(name).digest("hex");
const DEFAULTS = alertThresholds(parseConfig({}));

interface Failure {
  readonly subject: string;
  readonly ip: string;
  readonly at: Date;
  readonly targetId?: string | null;
}

async function insertFailures(db: Db, rows: readonly Failure[], event = "login.failure"): Promise<void> {
  for (const r of rows) {
    await db.query(sql`
      INSERT INTO audit_logs (created_at, event_type, result, target_id, subject_hash, ip)
      VALUES (${r.at}, ${event}, 'failure', ${r.targetId ?? null}, ${r.subject}, ${r.ip}::inet)`);
  }
}

/** Below every threshold: 150 accounts with 1-2 failures, each from its own IP; successes from one busy IP. */
function backgroundNoise(): Failure[] {
  const rows: Failure[] = [];
  for (let i = 0; i < 150; i++) {
    rows.push({ subject: subject(`noise-${i}`), ip: `10.1.${Math.floor(i / 200)}.${i % 200}`, at: minutesAgo(1 + (i % 55)) });
    if (i % 3 === 0)
      rows.push({ subject: subject(`noise-${i}`), ip: `10.2.${Math.floor(i / 200)}.${i % 200}`, at: minutesAgo(2 + (i % 50)) });
  }
  return rows;
}

describe("detection functions find exactly the seeded attacks", () => {
  let db: Db;
  const victim = randomUUID();
  const reuseVictim = randomUUID();
  const brute = subject("victim@example.com");
  const spread = subject("spread@example.com");

  beforeEach(async () => {
    db = await testDb();
    await resetDb(db);
    await insertFailures(db, backgroundNoise());
    // successful sign-ins from one IP across many accounts are not stuffing
    for (let i = 0; i < 30; i++) {
      await db.query(
        sql`INSERT INTO audit_logs (created_at, event_type, result, subject_hash, ip) VALUES (${minutesAgo(10)}, 'login.success', 'success', ${subject(`ok-${i}`)}, '10.9.9.9')`,
      );
    }
    // brute force: 12 failures on one account from two IPs
    await insertFailures(
      db,
      Array.from({ length: 12 }, (_, i) => ({
        subject: brute,
        targetId: victim,
        ip: i % 2 ? "203.0.113.1" : "203.0.113.2",
        at: minutesAgo(30 - i),
      })),
    );
    // credential stuffing: one IP, six accounts, one failure each
    await insertFailures(
      db,
      Array.from({ length: 6 }, (_, i) => ({ subject: subject(`stuffed-${i}`), ip: "198.51.100.7", at: minutesAgo(20 - i) })),
    );
    // one account from six IPs
    await insertFailures(
      db,
      Array.from({ length: 6 }, (_, i) => ({ subject: spread, ip: `192.0.2.${10 + i}`, at: minutesAgo(40 - i) })),
    );
    // refresh-token reuse, and an ordinary rotation
    await db.query(
      sql`INSERT INTO audit_logs (created_at, event_type, result, target_id, session_id, ip) VALUES (${minutesAgo(5)}, 'refresh.reuse_detected', 'failure', ${reuseVictim}, 'sessionidsessionid0001', '192.0.2.99')`,
    );
    await db.query(
      sql`INSERT INTO audit_logs (created_at, event_type, result, target_id, ip) VALUES (${minutesAgo(5)}, 'refresh.rotated', 'success', ${randomUUID()}, '192.0.2.98')`,
    );
    // the same attacks, two hours ago: outside the 60-minute window
    await insertFailures(
      db,
      Array.from({ length: 30 }, (_, i) => ({ subject: subject(`old-${i % 3}`), ip: `192.0.2.${200 + (i % 7)}`, at: minutesAgo(120 + i) })),
    );
    await db.query(
      sql`INSERT INTO audit_logs (created_at, event_type, result, target_id, ip) VALUES (${minutesAgo(90)}, 'refresh.reuse_detected', 'failure', ${randomUUID()}, '192.0.2.97')`,
    );
  });

  it("brute force against one account: only the victim, with its failure and IP counts", async () => {
    const alerts = await findSecurityAlerts(db, NOW, DEFAULTS);
    expect(alerts.bruteForce).toEqual([
      {
        subjectHash: brute,
        targetId: victim,
        failures: 12,
        distinctIps: 2,
        firstAt: minutesAgo(30).toISOString(),
        lastAt: minutesAgo(19).toISOString(),
      },
    ]);
    expect(alerts.counts.bruteForce).toBe(1);
  });

  it("credential stuffing from one IP across many accounts: only that IP", async () => {
    const alerts = await findSecurityAlerts(db, NOW, DEFAULTS);
    expect(alerts.credentialStuffing).toEqual([
      {
        ip: "198.51.100.7",
        accounts: 6,
        failures: 6,
        firstAt: minutesAgo(20).toISOString(),
        lastAt: minutesAgo(15).toISOString(),
      },
    ]);
  });

  it("one account from many IPs: only that account", async () => {
    const alerts = await findSecurityAlerts(db, NOW, DEFAULTS);
    expect(alerts.accountManyIps).toEqual([
      {
        subjectHash: spread,
        targetId: null,
        distinctIps: 6,
        attempts: 6,
        firstAt: minutesAgo(40).toISOString(),
        lastAt: minutesAgo(35).toISOString(),
      },
    ]);
  });

  it("refresh-token reuse: the reuse inside the window, not rotations nor older reuse", async () => {
    const alerts = await findSecurityAlerts(db, NOW, DEFAULTS);
    expect(alerts.refreshReuse).toEqual([
      { targetId: reuseVictim, sessionId: "sessionidsessionid0001", ip: "192.0.2.99", at: minutesAgo(5).toISOString() },
    ]);
    expect(alerts.window).toEqual({ from: minutesAgo(60).toISOString(), to: NOW.toISOString() });
  });

  it("takes its thresholds and window from configuration", async () => {
    const strict = alertThresholds(parseConfig({ ALERT_BRUTE_FORCE_FAILURES: "13", ALERT_STUFFING_ACCOUNTS: "7", ALERT_MANY_IPS: "7" }));
    const none = await findSecurityAlerts(db, NOW, strict);
    expect([none.bruteForce, none.credentialStuffing, none.accountManyIps]).toEqual([[], [], []]);
    const exact = alertThresholds(parseConfig({ ALERT_BRUTE_FORCE_FAILURES: "12", ALERT_STUFFING_ACCOUNTS: "6", ALERT_MANY_IPS: "6" }));
    const found = await findSecurityAlerts(db, NOW, exact);
    expect([found.bruteForce.length, found.credentialStuffing.length, found.accountManyIps.length]).toEqual([1, 1, 1]);
    const wide = await findSecurityAlerts(db, NOW, alertThresholds(parseConfig({ ALERT_WINDOW_MINUTES: "180" })));
    expect(wide.bruteForce.map((a) => a.subjectHash).sort()).toEqual([brute, subject("old-0"), subject("old-1"), subject("old-2")].sort());
    expect(wide.refreshReuse).toHaveLength(2);
  });
});

/** The index of that name on the monthly partitions (0019 names each after the parent's). */
const onPartitions = (index: string) => new RegExp(`audit_logs_p\\d{6}_${index}\\b`);

describe("query plans on >= 100k audit rows use the intended indexes (on the monthly partitions)", () => {
  let db: Db;
  const ROWS = 120_000;
  let someUser: string;

  async function plan(query: SqlQuery): Promise<string> {
    const { rows } = await db.query<{ "QUERY PLAN": string }>(sql`EXPLAIN ${query}`);
    return rows.map((r) => r["QUERY PLAN"]).join("\n");
  }

  beforeAll(async () => {
    db = await testDb();
    await resetDb(db);
    // the monthly partitions (0019) the 30 days fall in, as the daily cron creates them
    await db.query(sql`SELECT audit_logs_create_partitions(${NOW}::timestamptz - interval '2 months', 2)`);
    // 30 days of traffic, one row every ~21 s: 10% sign-in failures, 5000 accounts, 50k IPs
    await db.query(sql`
      INSERT INTO audit_logs (created_at, event_type, result, actor_id, target_id, subject_hash, ip)
      SELECT ${NOW}::timestamptz - g * interval '21.6 seconds',
             (ARRAY['login.success','login.failure','logout','session.rotated','token.issued','refresh.rotated',
                    'register','mfa.success','reauth.success','password.changed'])[1 + g % 10],
             CASE WHEN g % 10 = 1 THEN 'failure' ELSE 'success' END,
             CASE WHEN g % 10 = 1 THEN NULL ELSE md5('user' || (g % 5000))::uuid END,
             md5('user' || ((g * 7) % 5000))::uuid,
             md5('subject' || (g % 5000)) || md5('subject2' || (g % 5000)),
             ('10.' || (g % 200) || '.' || ((g / 200) % 250) || '.1')::inet
      FROM generate_series(1, ${ROWS}) AS g`);
    await db.query(
      sql`INSERT INTO audit_logs (created_at, event_type, result, target_id) VALUES (${minutesAgo(3)}, 'refresh.reuse_detected', 'failure', ${randomUUID()})`,
    );
    await db.query(sql`ANALYZE audit_logs`);
    const { rows } = await db.query<{ n: number; u: string }>(
      sql`SELECT count(*)::int AS n, md5('user42')::uuid::text AS u FROM audit_logs`,
    );
    expect(rows[0]!.n).toBeGreaterThanOrEqual(100_000);
    someUser = rows[0]!.u;
  });

  const since = minutesAgo(60);

  /**
   * The partitions a plan scans sequentially that hold more than a few pages of rows. An empty
   * or nearly empty partition (the default one, a month with a few hours of rows) is cheaper to
   * scan than to probe, and the planner rightly does; a month of rows must go through its index.
   */
  async function largeSeqScans(text: string): Promise<string[]> {
    const scanned = [...text.matchAll(/Seq Scan on (audit_logs\w*)/g)].map((m) => m[1]!);
    const large: string[] = [];
    for (const name of scanned) {
      const { rows } = await db.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM audit_logs WHERE tableoid = ${name}::regclass`);
      if (rows[0]!.n > 5000) large.push(`${name} (${rows[0]!.n} rows)`);
    }
    return large;
  }

  it("brute force, credential stuffing and many-IPs read audit_logs_login_failures_idx", async () => {
    expect(await plan(sql`SELECT * FROM security_brute_force(${since}, 10)`)).toMatch(onPartitions("login_failures_idx"));
    expect(await plan(sql`SELECT * FROM security_credential_stuffing(${since}, 5)`)).toMatch(onPartitions("login_failures_idx"));
    expect(await plan(sql`SELECT * FROM security_account_many_ips(${since}, 5)`)).toMatch(onPartitions("login_failures_idx"));
  });

  it("refresh reuse reads audit_logs_event_idx", async () => {
    expect(await plan(sql`SELECT * FROM security_refresh_reuse(${since})`)).toMatch(onPartitions("event_idx"));
  });

  const base: AuditFilter = { userId: null, eventType: null, ip: null, from: null, to: null, after: null, limit: 50 };

  it("the unfiltered and time-range audit searches walk audit_logs_created_idx (no sort of the table)", async () => {
    for (const filter of [base, { ...base, from: minutesAgo(7 * 24 * 60), to: minutesAgo(24 * 60) }]) {
      const text = await plan(auditSearchQuery(filter));
      expect(text).toMatch(onPartitions("created_idx"));
      expect(await largeSeqScans(text)).toEqual([]);
    }
    const first = await searchAuditLog(db, base);
    const page = await searchAuditLog(db, { ...base, after: { at: "2030-05-20T00:00:00.000000Z", id: "99999999" } });
    expect(first.entries).toHaveLength(50);
    expect(page.entries[0]!.createdAt <= "2030-05-20T00:00:00.000Z").toBe(true);
    expect(page.entries.every((e) => e.createdAt <= "2030-05-20T00:00:00.000Z")).toBe(true);
    expect(await plan(auditSearchQuery({ ...base, after: { at: "2030-05-20T00:00:00.000000Z", id: "99999999" } }))).toMatch(
      onPartitions("created_idx"),
    );
  });

  it("a search by user reads audit_logs_actor_idx and audit_logs_target_idx", async () => {
    const text = await plan(auditSearchQuery({ ...base, userId: someUser }));
    expect(text).toMatch(onPartitions("actor_idx"));
    expect(text).toMatch(onPartitions("target_idx"));
    expect(await largeSeqScans(text)).toEqual([]);
    const page = await searchAuditLog(db, { ...base, userId: someUser });
    expect(page.entries.length).toBeGreaterThan(0);
    for (const e of page.entries) expect([e.actorId, e.targetId]).toContain(someUser);
  });

  it("searches by event type and by IP read audit_logs_event_idx and audit_logs_ip_idx", async () => {
    const byEvent = await plan(auditSearchQuery({ ...base, eventType: "refresh.reuse_detected" }));
    expect(byEvent).toMatch(onPartitions("event_idx"));
    const byIp = await plan(auditSearchQuery({ ...base, ip: "10.42.0.1" }));
    expect(byIp).toMatch(onPartitions("ip_idx"));
    for (const text of [byEvent, byIp]) expect(await largeSeqScans(text)).toEqual([]);
  });
});
