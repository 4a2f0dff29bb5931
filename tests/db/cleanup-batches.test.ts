/**
 * The cron's session cleanup (lib/maintenance/cleanup.ts) works one batch per statement: each
 * batch commits on its own, a run stops at its time budget and keeps every batch it finished,
 * and there is no cap on batches: a run with budget left drains the whole backlog.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { resetDb, testDb } from "../support/db";
import { sql, type Db } from "../../lib/db";
import { batchSpread, deleteExpiredSessions, nextBatchSize, runSessionCleanup } from "../../lib/maintenance/cleanup";

const NOW = new Date("2031-06-01T12:00:00Z");
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

async function seedSessions(db: Db, expired: number, live: number): Promise<void> {
  const { rows } = await db.query<{ id: string }>(
    sql`INSERT INTO users (email) VALUES (${`b-${randomBytes(4).toString("hex")}@example.com`}) RETURNING id`,
  );
  const userId = rows[0]!.id;
  await db.query(sql`
    INSERT INTO sessions (id, secret_hash, user_id, created_at, last_activity_at, idle_expires_at, absolute_expires_at, reauthenticated_at)
    SELECT lpad(g::text, 22, 'b'), repeat('a', 64), ${userId}, ${at(-86400)}, ${at(-86400)},
           CASE WHEN g <= ${expired} THEN ${at(-60)}::timestamptz ELSE ${at(3600)}::timestamptz END, ${at(86400)}, ${at(-86400)}
    FROM generate_series(1, ${expired + live}) AS g`);
}

async function sessionCount(db: Db): Promise<number> {
  return (await db.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM sessions`)).rows[0]!.n;
}

describe("session cleanup in batches", () => {
  beforeEach(async () => resetDb(await testDb()));

  it("stops after the batch that spends its time budget, and that batch stays committed", async () => {
    const db = await testDb();
    await seedSessions(db, 25, 3);
    expect(await deleteExpiredSessions(db, NOW, { batchSize: 10, timeBudgetMs: 0 })).toBe(10);
    expect(await sessionCount(db)).toBe(18);
  });

  it("drains a backlog of many batches in one run (no batch cap), keeps live sessions, and audits the count", async () => {
    const db = await testDb();
    await seedSessions(db, 2_345, 7);
    const counts = await runSessionCleanup(db, NOW, { ip: null, userAgent: null, requestId: "cleanup-batches" }, { batchSize: 100 });
    expect(counts).toEqual({ sessions: 2_345 });
    expect(await sessionCount(db)).toBe(7);
    const { rows } = await db.query<{ details: unknown }>(sql`SELECT details FROM audit_logs WHERE event_type = 'cron.cleanup'`);
    expect(rows).toEqual([{ details: { job: "sessions", deleted: { sessions: 2_345 } } }]);
  });

  it("sizes batches to the target lock time: first batch 100 rows, then rows per ms times the target, at most double", async () => {
    const db = await testDb();
    await seedSessions(db, 250, 2);
    expect(await deleteExpiredSessions(db, NOW, { timeBudgetMs: 0 })).toBe(100);
    expect(nextBatchSize(100, 10, 40)).toBe(200);
    expect(nextBatchSize(1000, 146, 40)).toBe(274);
    expect(nextBatchSize(100, 4000, 40)).toBe(10);
    expect(nextBatchSize(4000, 1, 40)).toBe(5000);
    expect(nextBatchSize(100, 0, 40)).toBe(200);
  });

  it("adaptive batches drain the whole backlog in one run", async () => {
    const db = await testDb();
    await seedSessions(db, 1_234, 5);
    const batches: { size: number; rows: number; ms: number }[] = [];
    expect(await deleteExpiredSessions(db, NOW, { dutyPercent: 100, onBatch: (b) => batches.push(b) })).toBe(1_234);
    expect(await sessionCount(db)).toBe(5);
    expect(batches[0]!.size).toBe(100);
    expect(batches.reduce((sum, b) => sum + b.rows, 0)).toBe(1_234);
    for (const [i, b] of batches.entries()) if (i > 0) expect(b.size).toBeLessThanOrEqual(batches[i - 1]!.size * 2);
    const spread = batchSpread(batches);
    expect(spread.count).toBe(batches.length);
    expect(spread.rows.max).toBe(Math.max(...batches.map((b) => b.rows)));
  });
});
