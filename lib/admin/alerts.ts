/**
 * Security alerts: what the detection functions of 0010 find in the audit log over the last
 * ALERT_WINDOW_MINUTES, with thresholds from configuration:
 *   bruteForce          >= ALERT_BRUTE_FORCE_FAILURES failed sign-ins against one account
 *   credentialStuffing  one IP failing against >= ALERT_STUFFING_ACCOUNTS different accounts
 *   accountManyIps      one account failing from >= ALERT_MANY_IPS different IPs
 *   refreshReuse        every refresh-token reuse (a replayed, probably stolen token)
 * Accounts are named by subject hash (SHA-256 of the normalised email: attempts on emails
 * without an account are counted too, without storing the address) and by user id when one
 * exists. The sign-in queries read the partial index audit_logs_login_failures_idx, refresh
 * reuse audit_logs_event_idx (plans checked in tests/db/detection.test.ts).
 *
 * The daily cron records a summary (counts, and the user ids and IPs involved; no hashes) as a
 * security.alerts audit row, so the log itself says when an attack was noticed. The summary
 * covers the whole period since the previous one (at least 24 hours, at most 7 days), so an
 * attack between two daily runs is never missed.
 */
import type { Config } from "../config";
import { sql, type Queryable } from "../db";
import { addSeconds } from "../clock";
import type { Actor } from "../http/context";
import { recordAuditEvent } from "../audit/audit";

export interface AlertThresholds {
  readonly windowMinutes: number;
  readonly bruteForceFailures: number;
  readonly stuffingAccounts: number;
  readonly manyIps: number;
}

export function alertThresholds(
  cfg: Pick<Config, "ALERT_WINDOW_MINUTES" | "ALERT_BRUTE_FORCE_FAILURES" | "ALERT_STUFFING_ACCOUNTS" | "ALERT_MANY_IPS">,
): AlertThresholds {
  return {
    windowMinutes: cfg.ALERT_WINDOW_MINUTES,
    bruteForceFailures: cfg.ALERT_BRUTE_FORCE_FAILURES,
    stuffingAccounts: cfg.ALERT_STUFFING_ACCOUNTS,
    manyIps: cfg.ALERT_MANY_IPS,
  };
}

/** Rows per kind of alert: the worst first; the counts say if there were more. */
export const MAX_ALERTS_PER_KIND = 100;
const SUMMARY_ITEMS = 10;

export interface BruteForceAlert {
  readonly subjectHash: string;
  readonly targetId: string | null;
  readonly failures: number;
  readonly distinctIps: number;
  readonly firstAt: string;
  readonly lastAt: string;
}

export interface StuffingAlert {
  readonly ip: string;
  readonly accounts: number;
  readonly failures: number;
  readonly firstAt: string;
  readonly lastAt: string;
}

export interface ManyIpsAlert {
  readonly subjectHash: string;
  readonly targetId: string | null;
  readonly distinctIps: number;
  readonly attempts: number;
  readonly firstAt: string;
  readonly lastAt: string;
}

export interface RefreshReuseAlert {
  readonly targetId: string | null;
  readonly sessionId: string | null;
  readonly ip: string | null;
  readonly at: string;
}

export interface SecurityAlerts {
  readonly window: { readonly from: string; readonly to: string };
  readonly thresholds: AlertThresholds;
  readonly counts: {
    readonly bruteForce: number;
    readonly credentialStuffing: number;
    readonly accountManyIps: number;
    readonly refreshReuse: number;
  };
  readonly bruteForce: readonly BruteForceAlert[];
  readonly credentialStuffing: readonly StuffingAlert[];
  readonly accountManyIps: readonly ManyIpsAlert[];
  readonly refreshReuse: readonly RefreshReuseAlert[];
}

type Counted<T> = { readonly total: number; readonly rows: T[] };

const iso = (d: Date) => d.toISOString();

export async function findBruteForce(q: Queryable, since: Date, minFailures: number): Promise<Counted<BruteForceAlert>> {
  const { rows } = await q.query<{
    subject_hash: string;
    target_id: string | null;
    failures: number;
    distinct_ips: number;
    first_at: Date;
    last_at: Date;
    total: number;
  }>(sql`
    SELECT subject_hash, target_id, failures, distinct_ips, first_at, last_at, count(*) OVER ()::int AS total
    FROM security_brute_force(${since}, ${minFailures}) LIMIT ${MAX_ALERTS_PER_KIND}`);
  return {
    total: rows[0]?.total ?? 0,
    rows: rows.map((r) => ({
      subjectHash: r.subject_hash,
      targetId: r.target_id,
      failures: r.failures,
      distinctIps: r.distinct_ips,
      firstAt: iso(r.first_at),
      lastAt: iso(r.last_at),
    })),
  };
}

export async function findCredentialStuffing(q: Queryable, since: Date, minAccounts: number): Promise<Counted<StuffingAlert>> {
  const { rows } = await q.query<{ ip: string; accounts: number; failures: number; first_at: Date; last_at: Date; total: number }>(sql`
    SELECT host(ip) AS ip, accounts, failures, first_at, last_at, count(*) OVER ()::int AS total
    FROM security_credential_stuffing(${since}, ${minAccounts}) LIMIT ${MAX_ALERTS_PER_KIND}`);
  return {
    total: rows[0]?.total ?? 0,
    rows: rows.map((r) => ({ ip: r.ip, accounts: r.accounts, failures: r.failures, firstAt: iso(r.first_at), lastAt: iso(r.last_at) })),
  };
}

export async function findAccountManyIps(q: Queryable, since: Date, minIps: number): Promise<Counted<ManyIpsAlert>> {
  const { rows } = await q.query<{
    subject_hash: string;
    target_id: string | null;
    distinct_ips: number;
    attempts: number;
    first_at: Date;
    last_at: Date;
    total: number;
  }>(sql`
    SELECT subject_hash, target_id, distinct_ips, attempts, first_at, last_at, count(*) OVER ()::int AS total
    FROM security_account_many_ips(${since}, ${minIps}) LIMIT ${MAX_ALERTS_PER_KIND}`);
  return {
    total: rows[0]?.total ?? 0,
    rows: rows.map((r) => ({
      subjectHash: r.subject_hash,
      targetId: r.target_id,
      distinctIps: r.distinct_ips,
      attempts: r.attempts,
      firstAt: iso(r.first_at),
      lastAt: iso(r.last_at),
    })),
  };
}

export async function findRefreshReuse(q: Queryable, since: Date): Promise<Counted<RefreshReuseAlert>> {
  const { rows } = await q.query<{
    target_id: string | null;
    session_id: string | null;
    ip: string | null;
    created_at: Date;
    total: number;
  }>(sql`
    SELECT target_id, session_id, host(ip) AS ip, created_at, count(*) OVER ()::int AS total
    FROM security_refresh_reuse(${since}) LIMIT ${MAX_ALERTS_PER_KIND}`);
  return {
    total: rows[0]?.total ?? 0,
    rows: rows.map((r) => ({ targetId: r.target_id, sessionId: r.session_id, ip: r.ip, at: iso(r.created_at) })),
  };
}

export async function findSecurityAlerts(q: Queryable, now: Date, thresholds: AlertThresholds): Promise<SecurityAlerts> {
  return findSecurityAlertsSince(q, addSeconds(now, -thresholds.windowMinutes * 60), now, thresholds);
}

/** The daily summary covers at least this much: a day's attack is reported whatever ALERT_WINDOW_MINUTES is. */
export const SUMMARY_MIN_WINDOW_SECONDS = 24 * 3600;
/** ... and, after missed runs, at most this much (the detection functions scan the window). */
export const SUMMARY_MAX_WINDOW_SECONDS = 7 * 24 * 3600;

/** When the previous security.alerts summary was recorded, if any. */
export async function findLastAlertSummaryAt(q: Queryable, now: Date): Promise<Date | null> {
  const { rows } = await q.query<{ created_at: Date }>(sql`
    SELECT created_at FROM audit_logs WHERE event_type = 'security.alerts' AND created_at <= ${now}
    ORDER BY created_at DESC LIMIT 1`);
  return rows[0]?.created_at ?? null;
}

/**
 * The window of the daily summary: since the previous summary when runs were missed (no gap
 * between two summaries), at least the last 24 hours, at most the last 7 days.
 */
export function summaryWindowStart(now: Date, lastSummaryAt: Date | null): Date {
  const dayAgo = addSeconds(now, -SUMMARY_MIN_WINDOW_SECONDS);
  const floor = addSeconds(now, -SUMMARY_MAX_WINDOW_SECONDS);
  if (lastSummaryAt === null || lastSummaryAt >= dayAgo) return dayAgo;
  return lastSummaryAt < floor ? floor : lastSummaryAt;
}

export async function findSecurityAlertsSince(q: Queryable, since: Date, now: Date, thresholds: AlertThresholds): Promise<SecurityAlerts> {
  const bruteForce = await findBruteForce(q, since, thresholds.bruteForceFailures);
  const stuffing = await findCredentialStuffing(q, since, thresholds.stuffingAccounts);
  const manyIps = await findAccountManyIps(q, since, thresholds.manyIps);
  const reuse = await findRefreshReuse(q, since);
  return {
    window: { from: iso(since), to: iso(now) },
    thresholds,
    counts: { bruteForce: bruteForce.total, credentialStuffing: stuffing.total, accountManyIps: manyIps.total, refreshReuse: reuse.total },
    bruteForce: bruteForce.rows,
    credentialStuffing: stuffing.rows,
    accountManyIps: manyIps.rows,
    refreshReuse: reuse.rows,
  };
}

const ids = (values: (string | null)[]) => [...new Set(values.filter((v): v is string => v !== null))].slice(0, SUMMARY_ITEMS);

/**
 * For the daily cron: finds the alerts over the whole period since the previous summary (at
 * least 24 hours, see summaryWindowStart), not only the last ALERT_WINDOW_MINUTES, and records
 * their summary as one security.alerts audit row.
 */
export async function recordAlertSummary(q: Queryable, now: Date, actor: Actor, cfg: Config): Promise<SecurityAlerts["counts"]> {
  const since = summaryWindowStart(now, await findLastAlertSummaryAt(q, now));
  const alerts = await findSecurityAlertsSince(q, since, now, alertThresholds(cfg));
  await recordAuditEvent(q, {
    type: "security.alerts",
    result: "success",
    actor,
    now,
    details: {
      window: alerts.window,
      thresholds: alerts.thresholds,
      counts: alerts.counts,
      bruteForceUserIds: ids(alerts.bruteForce.map((a) => a.targetId)),
      stuffingIps: ids(alerts.credentialStuffing.map((a) => a.ip)),
      manyIpsUserIds: ids(alerts.accountManyIps.map((a) => a.targetId)),
      refreshReuseUserIds: ids(alerts.refreshReuse.map((a) => a.targetId)),
    },
  });
  return alerts.counts;
}
