/**
 * Maintenance jobs for Vercel Cron. Each works through its backlog one short batch at a time:
 * every batch is one autocommitted statement (its own transaction, rows picked with FOR UPDATE
 * SKIP LOCKED), so row locks are held for one batch only, a run cut short keeps what it did, and
 * there is no batch cap: a run stops when the backlog is empty or its time budget is spent, and
 * the next run continues. After a large delete the table is ANALYZEd, so the planner sees its
 * new size. The job then records a cron audit row with the counts and returns them.
 *   frequent (every 5 minutes): expired, idle and long-revoked sessions
 *   daily: spent and expired one-time tokens, email sign-in codes, challenges, devices,
 *          rate-limit rows and throttles; old outbox rows; audit partitions for the coming months; audit
 *          retention past AUDIT_RETENTION_DAYS (whole monthly partitions dropped)
 *          (and a security.alerts audit row summarising lib/admin/alerts.ts)
 */
import type { Config } from "../config";
import { sql, type Db } from "../db";
import { addSeconds } from "../clock";
import type { Actor } from "../http/context";
import { recordAuditEvent } from "../audit/audit";
import { recordAlertSummary } from "../admin/alerts";

const DAY_SECONDS = 86400;
/** Rows per batch of the daily jobs, and of the session cleanup's first batch before it adapts. */
export const CLEANUP_BATCH_SIZE = 1000;
/**
 * The session cleanup sizes each batch so that it holds its rows' locks about this long (the next
 * batch's size follows the rows per millisecond of the last one, growing at most 2x a batch), and
 * spends this share of its run deleting, pausing the rest so live traffic keeps the database; both
 * come from configuration (CLEANUP_BATCH_TARGET_MS, CLEANUP_DUTY_PERCENT). A fixed 1,000-row batch
 * held its locks up to 146 ms at 10M sessions, and deleting back to back raised the session
 * check's p99 2.1x at 10 connections and 5.4x at 50 on a 2-core machine (bench:scale).
 */
export const CLEANUP_BATCH_TARGET_MS = 20;
export const CLEANUP_DUTY_PERCENT = 25;
const FIRST_ADAPTIVE_BATCH = 100;
const MIN_ADAPTIVE_BATCH = 10;
const MAX_ADAPTIVE_BATCH = 5000;
/** Wall time one run may spend deleting; well inside a Vercel function's maximum duration. */
export const CLEANUP_TIME_BUDGET_MS = 40_000;
/** A run that deleted at least this many rows of a table refreshes its statistics. */
export const ANALYZE_AFTER_DELETED_ROWS = 50_000;
/** Monthly audit partitions kept created ahead of the current month. */
export const AUDIT_PARTITIONS_AHEAD_MONTHS = 3;

export interface CleanupOptions {
  /** Rows per batch, fixed; without it the session cleanup adapts its batches to batchTargetMs. */
  readonly batchSize?: number;
  readonly batchTargetMs?: number;
  /** Share of the run spent in batches, in percent (100: back to back). */
  readonly dutyPercent?: number;
  readonly timeBudgetMs?: number;
  /** Told each batch's size asked, rows deleted and wall time (the cron reports their spread). */
  readonly onBatch?: (batch: { size: number; rows: number; ms: number }) => void;
}

/** The next adaptive batch: the last one's rows per millisecond times the target, at most double. */
export function nextBatchSize(size: number, tookMs: number, targetMs: number): number {
  const fitted = Math.round((size * targetMs) / Math.max(1, tookMs));
  return Math.min(MAX_ADAPTIVE_BATCH, size * 2, Math.max(MIN_ADAPTIVE_BATCH, fitted));
}

/**
 * Runs `batch` until it deletes less than the size it was asked for or the budget is spent; between
 * batches it pauses so that batches fill dutyPercent of the time. Returns the total deleted.
 */
async function drain(batch: (size: number) => Promise<number>, deadline: number, options: CleanupOptions): Promise<number> {
  const adaptive = options.batchSize === undefined;
  const target = options.batchTargetMs ?? CLEANUP_BATCH_TARGET_MS;
  const duty = Math.min(100, Math.max(1, options.dutyPercent ?? CLEANUP_DUTY_PERCENT));
  let size = options.batchSize ?? FIRST_ADAPTIVE_BATCH;
  let total = 0;
  for (;;) {
    const started = Date.now();
    const n = await batch(size);
    const took = Date.now() - started;
    options.onBatch?.({ size, rows: n, ms: took });
    total += n;
    if (n < size || Date.now() >= deadline) return total;
    if (adaptive) size = nextBatchSize(size, took, target);
    const pause = Math.min((took * (100 - duty)) / duty, deadline - Date.now());
    if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

/** How a run's batches went: count, rows per batch and wall time per batch (median and largest). */
export function batchSpread(batches: readonly { size: number; rows: number; ms: number }[]) {
  const median = (xs: number[]) => (xs.length ? xs.sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]! : 0);
  return {
    count: batches.length,
    rows: { median: median(batches.map((b) => b.rows)), max: Math.max(0, ...batches.map((b) => b.rows)) },
    ms: { median: median(batches.map((b) => b.ms)), max: Math.max(0, ...batches.map((b) => b.ms)) },
  };
}

/** Deletes expired and long-revoked sessions (their refresh tokens cascade), batch by batch. */
export async function deleteExpiredSessions(db: Db, now: Date, options: CleanupOptions = {}): Promise<number> {
  const deadline = Date.now() + (options.timeBudgetMs ?? CLEANUP_TIME_BUDGET_MS);
  const deleted = await drain(
    async (size) => {
      const { rows } = await db.query<{ n: number }>(sql`SELECT cleanup_expired_sessions_batch(${now}, ${size}) AS n`);
      return rows[0]?.n ?? 0;
    },
    deadline,
    options,
  );
  if (deleted >= ANALYZE_AFTER_DELETED_ROWS) {
    await db.query(sql`ANALYZE sessions`);
    await db.query(sql`ANALYZE refresh_tokens`);
  }
  return deleted;
}

export async function runSessionCleanup(db: Db, now: Date, actor: Actor, options: CleanupOptions = {}): Promise<{ sessions: number }> {
  const counts = { sessions: await deleteExpiredSessions(db, now, options) };
  await recordAuditEvent(db, { type: "cron.cleanup", result: "success", actor, now, details: { job: "sessions", deleted: counts } });
  return counts;
}

export type DailyCounts = Record<string, number>;

/** Spent and expired one-time tokens, challenges, devices, rate-limit rows and throttles, one batch of each kind per statement. */
async function deleteExpiredTokens(db: Db, now: Date, batchSize: number, deadline: number): Promise<DailyCounts> {
  const counts: DailyCounts = {};
  for (;;) {
    const { rows } = await db.query<{ kind: string; deleted: number }>(
      sql`SELECT kind, deleted FROM cleanup_expired_tokens(${now}, ${batchSize}, 1)`,
    );
    for (const row of rows) counts[row.kind] = (counts[row.kind] ?? 0) + row.deleted;
    if (rows.every((row) => row.deleted < batchSize) || Date.now() >= deadline) break;
  }
  for (const [kind, n] of Object.entries(counts)) {
    if (n >= ANALYZE_AFTER_DELETED_ROWS) await db.query({ text: `ANALYZE ${kind}`, values: [] });
  }
  return counts;
}

export interface AuditPartitionChanges {
  readonly created: string[];
  readonly dropped: string[];
}

export async function runDailyMaintenance(
  db: Db,
  now: Date,
  actor: Actor,
  cfg: Config,
  options: CleanupOptions = {},
): Promise<{ deleted: DailyCounts; auditPartitions: AuditPartitionChanges }> {
  const batchSize = options.batchSize ?? CLEANUP_BATCH_SIZE;
  const fixed = { ...options, batchSize };
  const deadline = Date.now() + (options.timeBudgetMs ?? CLEANUP_TIME_BUDGET_MS);
  const deleted = await deleteExpiredTokens(db, now, batchSize, deadline);
  deleted.email_sign_in_codes = await drain(
    async (size) => {
      const { rows } = await db.query<{ n: number }>(sql`SELECT cleanup_email_sign_in_codes(${now}, ${size}, 1) AS n`);
      return rows[0]?.n ?? 0;
    },
    deadline,
    fixed,
  );
  const outboxBefore = addSeconds(now, -cfg.OUTBOX_RETENTION_DAYS * DAY_SECONDS);
  deleted.mail_outbox = await drain(
    async (size) => {
      const { rows } = await db.query<{ n: number }>(sql`SELECT purge_mail_outbox(${outboxBefore}, ${size}, 1) AS n`);
      return rows[0]?.n ?? 0;
    },
    deadline,
    fixed,
  );

  const created = await db.query<{ name: string }>(
    sql`SELECT audit_logs_create_partitions(${now}, ${AUDIT_PARTITIONS_AHEAD_MONTHS}) AS name`,
  );
  const auditBefore = addSeconds(now, -cfg.AUDIT_RETENTION_DAYS * DAY_SECONDS);
  const dropped = await db.query<{ name: string; rows: number }>(sql`SELECT name, rows FROM audit_logs_drop_partitions(${auditBefore})`);
  const rowsDeleted = await drain(
    async (size) => {
      const { rows } = await db.query<{ n: number }>(sql`SELECT purge_audit_logs_default(${auditBefore}, ${size}, 1) AS n`);
      return rows[0]?.n ?? 0;
    },
    deadline,
    fixed,
  );
  deleted.audit_logs = dropped.rows.reduce((sum, p) => sum + Number(p.rows), 0) + rowsDeleted;
  const auditPartitions = { created: created.rows.map((r) => r.name), dropped: dropped.rows.map((r) => r.name) };

  await db.transaction(async (tx) => {
    await recordAuditEvent(tx, { type: "cron.cleanup", result: "success", actor, now, details: { job: "daily", deleted } });
    await recordAlertSummary(tx, now, actor, cfg);
  });
  return { deleted, auditPartitions };
}
