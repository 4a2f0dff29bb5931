/**
 * Security alerts that reach someone (issue 17 part B). The five-minute cron
 * (app/api/cron/sessions) runs evaluateSecurityAlerts, then deliverDueWebhooks (webhook.ts):
 *
 *   window      from the job's watermark (alert_watermarks: where the previous run stopped) or
 *               ALERT_WINDOW_MINUTES back, whichever is earlier, at most 7 days back, to now. A
 *               missed run leaves no gap; a threshold is never split across two runs' windows.
 *   detections  the four of lib/admin/alerts.ts (brute force, credential stuffing, one account from
 *               many IPs, refresh-token reuse) with their thresholds, and two more:
 *                 sign_in_spike  more than ALERT_SPIKE_FAILURES failed sign-ins in all, in one
 *                                five-minute bucket (aligned to the clock, like the cron)
 *                 many_sessions  an account with more than ALERT_MAX_LIVE_SESSIONS live sessions
 *                                that created one inside the window
 *   dedup       each finding has a key (kind + account, IP, bucket or reuse event); it is raised
 *               only if the key was never raised, or was raised ALERT_REPEAT_HOURS ago or more and
 *               now has newer evidence (one guarded upsert in security_alert_raises). Overlapping
 *               windows and overlapping runs (the watermark row is locked) send nothing twice.
 *   delivery    one message per run with new alerts: mailed (mail_outbox, so the SMTP transport
 *               delivers and retries it) to every active account whose role may read
 *               security alerts (security:read or *) unless ALERT_EMAIL_ADMINS=false, and one
 *               signed webhook call queued when ALERT_WEBHOOK_URL is set.
 *   audit       a security.alert.raised row per run that raised something, in the same transaction.
 * What leaves the server: kinds, counts, times, user ids and IPs; never an address, subject hash or
 * token. Threat: attacks noticed only by whoever polls /api/admin/security/alerts. Reference: ASVS
 * V7.2.1-V7.2.2 (log and alert on authentication anomalies); HIPAA 164.308(a)(1)(ii)(D), 164.312(b).
 */
import type { Config } from "../config";
import type { Db, Queryable } from "../db";
import { addSeconds } from "../clock";
import type { Actor } from "../http/context";
import { PAGES } from "../http/pages";
import { recordAuditEvent } from "../audit/audit";
import { queueMail } from "../email/mailer";
import { link, templates } from "../email/templates";
import { alertThresholds, findSecurityAlertsSince } from "../admin/alerts";
import {
  SECURITY_ALERTS_JOB,
  advanceWatermark,
  claimAlertRaise,
  deleteOldAlertRaises,
  deleteOldWebhookDeliveries,
  findAccountsWithManySessions,
  findAlertRecipients,
  findSignInSpikes,
  insertWebhookDelivery,
  lockWatermark,
} from "./queries";

/** The furthest back an evaluation looks, however long the cron was down. */
export const MAX_LOOKBACK_SECONDS = 7 * 86400;
/** Sent and given-up webhook deliveries are kept this long. */
export const WEBHOOK_RETENTION_SECONDS = 7 * 86400;
const AUDITED_ALERTS = 20;

export type AlertKind = "brute_force" | "credential_stuffing" | "account_many_ips" | "refresh_reuse" | "sign_in_spike" | "many_sessions";

/** One raised alert as mailed and posted: no address, hash or token. */
export interface RaisedAlert {
  readonly kind: AlertKind;
  readonly userId?: string | null;
  readonly ip?: string | null;
  readonly sessionId?: string | null;
  readonly count: number;
  readonly firstAt: string;
  readonly lastAt: string;
  readonly summary: string;
}

interface Finding {
  readonly key: string;
  readonly evidenceAt: Date;
  readonly alert: RaisedAlert;
}

export interface AlertRunCounts {
  readonly raised: number;
  readonly emailed: number;
  readonly webhookQueued: boolean;
}

export function evaluationWindowStart(now: Date, watermark: Date | null, windowMinutes: number): Date {
  const sliding = addSeconds(now, -windowMinutes * 60);
  const from = watermark !== null && watermark < sliding ? watermark : sliding;
  const floor = addSeconds(now, -MAX_LOOKBACK_SECONDS);
  return from < floor ? floor : from;
}

const who = (userId: string | null) => (userId ? `account ${userId}` : "an email with no account");

async function findFindings(q: Queryable, since: Date, now: Date, cfg: Config): Promise<Finding[]> {
  const found = await findSecurityAlertsSince(q, since, now, alertThresholds(cfg));
  const findings: Finding[] = [];
  for (const a of found.bruteForce) {
    findings.push({
      key: `brute_force:${a.subjectHash}`,
      evidenceAt: new Date(a.lastAt),
      alert: {
        kind: "brute_force",
        userId: a.targetId,
        count: a.failures,
        firstAt: a.firstAt,
        lastAt: a.lastAt,
        summary: `brute force: ${a.failures} failed sign-ins against ${who(a.targetId)} from ${a.distinctIps} IP(s)`,
      },
    });
  }
  for (const a of found.credentialStuffing) {
    findings.push({
      key: `credential_stuffing:${a.ip}`,
      evidenceAt: new Date(a.lastAt),
      alert: {
        kind: "credential_stuffing",
        ip: a.ip,
        count: a.accounts,
        firstAt: a.firstAt,
        lastAt: a.lastAt,
        summary: `credential stuffing: IP ${a.ip} failed against ${a.accounts} accounts (${a.failures} attempts)`,
      },
    });
  }
  for (const a of found.accountManyIps) {
    findings.push({
      key: `account_many_ips:${a.subjectHash}`,
      evidenceAt: new Date(a.lastAt),
      alert: {
        kind: "account_many_ips",
        userId: a.targetId,
        count: a.distinctIps,
        firstAt: a.firstAt,
        lastAt: a.lastAt,
        summary: `many IPs: ${who(a.targetId)} failed from ${a.distinctIps} IPs (${a.attempts} attempts)`,
      },
    });
  }
  for (const a of found.refreshReuse) {
    findings.push({
      key: `refresh_reuse:${a.sessionId ?? a.targetId ?? "-"}:${a.at}`,
      evidenceAt: new Date(a.at),
      alert: {
        kind: "refresh_reuse",
        userId: a.targetId,
        sessionId: a.sessionId,
        ip: a.ip,
        count: 1,
        firstAt: a.at,
        lastAt: a.at,
        summary: `refresh-token reuse (a replayed token) on ${who(a.targetId)}${a.ip ? ` from ${a.ip}` : ""}`,
      },
    });
  }
  for (const b of await findSignInSpikes(q, since, now, cfg.ALERT_SPIKE_FAILURES)) {
    const to = addSeconds(b.from, 300);
    findings.push({
      key: `sign_in_spike:${b.from.toISOString()}`,
      evidenceAt: b.from,
      alert: {
        kind: "sign_in_spike",
        count: b.failures,
        firstAt: b.from.toISOString(),
        lastAt: to.toISOString(),
        summary:
          `sign-in failure spike: ${b.failures} failed sign-ins from ${b.distinctIps} IP(s) ` +
          `in the five minutes from ${b.from.toISOString()}`,
      },
    });
  }
  for (const s of await findAccountsWithManySessions(q, since, now, cfg.ALERT_MAX_LIVE_SESSIONS)) {
    findings.push({
      key: `many_sessions:${s.userId}`,
      evidenceAt: s.newestAt,
      alert: {
        kind: "many_sessions",
        userId: s.userId,
        count: s.liveSessions,
        firstAt: s.newestAt.toISOString(),
        lastAt: s.newestAt.toISOString(),
        summary: `many sessions: account ${s.userId} holds ${s.liveSessions} live sessions`,
      },
    });
  }
  return findings;
}

/**
 * Evaluates the window since the previous run, raises what is new, queues the mail and the
 * webhook call, records the audit row and moves the watermark: all in one transaction.
 */
export async function evaluateSecurityAlerts(db: Db, cfg: Config, now: Date, actor: Actor): Promise<AlertRunCounts> {
  return db.transaction(async (tx) => {
    const watermark = await lockWatermark(tx, SECURITY_ALERTS_JOB);
    const since = evaluationWindowStart(now, watermark, cfg.ALERT_WINDOW_MINUTES);
    const repeatSeconds = cfg.ALERT_REPEAT_HOURS * 3600;
    const raised: RaisedAlert[] = [];
    for (const f of await findFindings(tx, since, now, cfg)) {
      if (await claimAlertRaise(tx, { key: f.key, kind: f.alert.kind, evidenceAt: f.evidenceAt, now, repeatSeconds })) raised.push(f.alert);
    }
    let emailed = 0;
    let webhookDeliveryId: number | null = null;
    if (raised.length > 0) {
      const lines = raised.map((a) => a.summary);
      if (cfg.ALERT_EMAIL_ADMINS) {
        for (const to of await findAlertRecipients(tx)) {
          await queueMail(tx, templates.securityAlerts(to, lines, link(cfg.APP_URL, PAGES.adminAlerts)), cfg.mailTransport, now);
          emailed++;
        }
      }
      if (cfg.ALERT_WEBHOOK_URL) {
        const payload = JSON.stringify({
          type: "portcullis.security_alerts",
          raisedAt: now.toISOString(),
          window: { from: since.toISOString(), to: now.toISOString() },
          alerts: raised,
        });
        webhookDeliveryId = await insertWebhookDelivery(tx, payload, now);
      }
      await recordAuditEvent(tx, {
        type: "security.alert.raised",
        result: "success",
        actor,
        now,
        details: {
          window: { from: since.toISOString(), to: now.toISOString() },
          count: raised.length,
          alerts: raised
            .slice(0, AUDITED_ALERTS)
            .map((a) => ({ kind: a.kind, userId: a.userId ?? null, ip: a.ip ?? null, count: a.count })),
          emailed,
          webhookDeliveryId,
        },
      });
    }
    await advanceWatermark(tx, SECURITY_ALERTS_JOB, now);
    await deleteOldAlertRaises(tx, addSeconds(now, -(MAX_LOOKBACK_SECONDS + repeatSeconds)));
    await deleteOldWebhookDeliveries(tx, addSeconds(now, -WEBHOOK_RETENTION_SECONDS));
    return { raised: raised.length, emailed, webhookQueued: webhookDeliveryId !== null };
  });
}
