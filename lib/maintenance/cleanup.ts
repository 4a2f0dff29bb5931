/**
 * Maintenance jobs for Vercel Cron. Each calls the plpgsql cleanup functions (batched deletes
 * with FOR UPDATE SKIP LOCKED), records a cron audit row with the counts, and returns them.
 *   frequent (every 5 minutes): expired, idle and long-revoked sessions
 *   daily: spent and expired one-time tokens, challenges, devices, rate-limit rows and
 *          throttles; old outbox rows; audit rows past AUDIT_RETENTION_DAYS
 *          (and a security.alerts audit row summarising lib/admin/alerts.ts)
 */
import type { Config } from "../config";
import { sql, type Db } from "../db";
import { addSeconds } from "../clock";
import type { Actor } from "../http/context";
import { recordAuditEvent } from "../audit/audit";
import { recordAlertSummary } from "../admin/alerts";

const DAY_SECONDS = 86400;

export async function runSessionCleanup(db: Db, now: Date, actor: Actor): Promise<{ sessions: number }> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ n: number }>(sql`SELECT cleanup_expired_sessions(${now}) AS n`);
    const counts = { sessions: rows[0]?.n ?? 0 };
    await recordAuditEvent(tx, { type: "cron.cleanup", result: "success", actor, now, details: { job: "sessions", deleted: counts } });
    return counts;
  });
}

export type DailyCounts = Record<string, number>;

export async function runDailyMaintenance(db: Db, now: Date, actor: Actor, cfg: Config): Promise<DailyCounts> {
  return db.transaction(async (tx) => {
    const counts: DailyCounts = {};
    const tokens = await tx.query<{ kind: string; deleted: number }>(sql`SELECT kind, deleted FROM cleanup_expired_tokens(${now})`);
    for (const row of tokens.rows) counts[row.kind] = row.deleted;
    const outbox = await tx.query<{ n: number }>(sql`SELECT purge_mail_outbox(${addSeconds(now, -cfg.OUTBOX_RETENTION_DAYS * DAY_SECONDS)}) AS n`);
    counts.mail_outbox = outbox.rows[0]?.n ?? 0;
    const audit = await tx.query<{ n: number }>(sql`SELECT purge_audit_logs(${addSeconds(now, -cfg.AUDIT_RETENTION_DAYS * DAY_SECONDS)}) AS n`);
    counts.audit_logs = audit.rows[0]?.n ?? 0;
    await recordAuditEvent(tx, { type: "cron.cleanup", result: "success", actor, now, details: { job: "daily", deleted: counts } });
    await recordAlertSummary(tx, now, actor, cfg);
    return counts;
  });
}
