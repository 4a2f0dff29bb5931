/** alert_watermarks, security_alert_raises and alert_webhook_deliveries statements, one function each (model in notify.ts). */
import { sql, type Queryable } from "../db";

export const SECURITY_ALERTS_JOB = "security_alerts";

/** Locks the job's watermark row for the evaluating transaction; overlapping runs wait here. */
export async function lockWatermark(q: Queryable, job: string): Promise<Date | null> {
  const { rows } = await q.query<{ evaluated_until: Date }>(sql`
    SELECT evaluated_until FROM alert_watermarks WHERE job = ${job} FOR UPDATE`);
  return rows[0]?.evaluated_until ?? null;
}

/** Moves the watermark forward (never back: a run with an earlier clock leaves it). */
export async function advanceWatermark(q: Queryable, job: string, until: Date): Promise<void> {
  await q.query(sql`
    INSERT INTO alert_watermarks (job, evaluated_until) VALUES (${job}, ${until})
    ON CONFLICT (job) DO UPDATE SET evaluated_until = excluded.evaluated_until
    WHERE alert_watermarks.evaluated_until < excluded.evaluated_until`);
}

/**
 * Records that the alert `key` is being raised, in one guarded statement: true for a key never
 * raised, or raised at least `repeatSeconds` ago AND seen now with newer evidence; false (nothing
 * written) otherwise, so the same alert is never sent twice.
 */
export async function claimAlertRaise(
  q: Queryable,
  input: { key: string; kind: string; evidenceAt: Date; now: Date; repeatSeconds: number },
): Promise<boolean> {
  const { rows } = await q.query<{ dedup_key: string }>(sql`
    INSERT INTO security_alert_raises (dedup_key, kind, evidence_at, first_raised_at, last_raised_at)
    VALUES (${input.key}, ${input.kind}, ${input.evidenceAt}, ${input.now}, ${input.now})
    ON CONFLICT (dedup_key) DO UPDATE
      SET evidence_at = excluded.evidence_at, last_raised_at = excluded.last_raised_at,
          raise_count = security_alert_raises.raise_count + 1
      WHERE security_alert_raises.evidence_at < excluded.evidence_at
        AND security_alert_raises.last_raised_at <= ${input.now}::timestamptz - make_interval(secs => ${input.repeatSeconds})
    RETURNING dedup_key`);
  return rows.length === 1;
}

/** Forgets raises older than any window an evaluation can look back over. */
export async function deleteOldAlertRaises(q: Queryable, before: Date): Promise<number> {
  const result = await q.query(sql`DELETE FROM security_alert_raises WHERE last_raised_at < ${before}`);
  return result.rowCount;
}

export interface SpikeBucket {
  readonly from: Date;
  readonly failures: number;
  readonly distinctIps: number;
}

/** Five-minute buckets (aligned to the clock) in [since, until] with more than `minFailures` failed sign-ins in all. */
export async function findSignInSpikes(q: Queryable, since: Date, until: Date, minFailures: number): Promise<SpikeBucket[]> {
  const { rows } = await q.query<{ bucket: Date; failures: number; distinct_ips: number }>(sql`
    SELECT date_bin('5 minutes', created_at, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS bucket,
           count(*)::int AS failures, count(DISTINCT ip)::int AS distinct_ips
    FROM audit_logs
    WHERE event_type = 'login.failure' AND created_at >= ${since} AND created_at <= ${until}
    GROUP BY 1 HAVING count(*) > ${minFailures}
    ORDER BY 1 LIMIT 100`);
  return rows.map((r) => ({ from: new Date(r.bucket), failures: r.failures, distinctIps: r.distinct_ips }));
}

export interface ManySessionsRow {
  readonly userId: string;
  readonly liveSessions: number;
  readonly newestAt: Date;
}

/**
 * Accounts holding more than `maxSessions` live (unrevoked, unexpired) sessions at `now`, among
 * those that created a session at or after `since`: an account crosses the threshold only by
 * creating one, so nothing is missed, and the scan reads the window's new sessions
 * (sessions_created_at_idx) and those accounts' sessions (sessions_user_idx), never the whole
 * table (a full GROUP BY passed the 5 s statement bound at 10M sessions).
 */
export async function findAccountsWithManySessions(q: Queryable, since: Date, now: Date, maxSessions: number): Promise<ManySessionsRow[]> {
  const { rows } = await q.query<{ user_id: string; live: number; newest_at: Date }>(sql`
    SELECT s.user_id, count(*)::int AS live, max(s.created_at) AS newest_at
    FROM sessions s
    WHERE s.user_id IN (SELECT DISTINCT user_id FROM sessions WHERE created_at >= ${since})
      AND s.revoked_at IS NULL AND s.idle_expires_at > ${now} AND s.absolute_expires_at > ${now}
    GROUP BY s.user_id HAVING count(*) > ${maxSessions}
    ORDER BY count(*) DESC LIMIT 100`);
  return rows.map((r) => ({ userId: r.user_id, liveSessions: r.live, newestAt: new Date(r.newest_at) }));
}

/**
 * Active, undeleted accounts holding a role that may read security alerts. Verification is not
 * required: `npm run admin:create` makes admins with an unverified address, and a role is granted
 * only by an admin (or the operator), who vouches for the account.
 */
export async function findAlertRecipients(q: Queryable): Promise<string[]> {
  const { rows } = await q.query<{ email: string }>(sql`
    SELECT DISTINCT u.email::text AS email
    FROM users u JOIN user_roles ur ON ur.user_id = u.id JOIN roles r ON r.id = ur.role_id
    WHERE u.status = 'active' AND u.deleted_at IS NULL
      AND (r.permissions @> '["security:read"]'::jsonb OR r.permissions @> '["*"]'::jsonb)
    ORDER BY 1`);
  return rows.map((r) => r.email);
}

export async function insertWebhookDelivery(q: Queryable, payload: string, now: Date): Promise<number> {
  const { rows } = await q.query<{ id: number }>(sql`
    INSERT INTO alert_webhook_deliveries (created_at, payload, status, next_attempt_at)
    VALUES (${now}, ${payload}, 'queued', ${now}) RETURNING id`);
  return Number(rows[0]!.id);
}

export interface ClaimedWebhookDelivery {
  readonly id: number;
  readonly payload: string;
  readonly attempts: number;
}

/** Claims due deliveries for one attempt: counts it and leases the row, so a parallel run skips it. */
export async function claimDueWebhookDeliveries(
  q: Queryable,
  now: Date,
  leaseUntil: Date,
  limit: number,
): Promise<ClaimedWebhookDelivery[]> {
  const { rows } = await q.query<{ id: number; payload: string; attempts: number }>(sql`
    UPDATE alert_webhook_deliveries SET attempts = attempts + 1, next_attempt_at = ${leaseUntil}
    WHERE id IN (
      SELECT id FROM alert_webhook_deliveries WHERE status = 'queued' AND next_attempt_at <= ${now}
      ORDER BY next_attempt_at, id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
    RETURNING id, payload, attempts`);
  return rows.map((r) => ({ id: Number(r.id), payload: r.payload, attempts: r.attempts }));
}

export async function markWebhookSent(q: Queryable, id: number, now: Date): Promise<void> {
  await q.query(sql`
    UPDATE alert_webhook_deliveries SET status = 'sent', sent_at = ${now}, next_attempt_at = NULL, last_error = NULL WHERE id = ${id}`);
}

export async function scheduleWebhookRetry(q: Queryable, id: number, retryAt: Date, error: string): Promise<void> {
  await q.query(sql`UPDATE alert_webhook_deliveries SET next_attempt_at = ${retryAt}, last_error = ${error} WHERE id = ${id}`);
}

export async function markWebhookFailed(q: Queryable, id: number, error: string): Promise<void> {
  await q.query(sql`
    UPDATE alert_webhook_deliveries SET status = 'failed', next_attempt_at = NULL, last_error = ${error} WHERE id = ${id}`);
}

/** Sent and given-up deliveries older than `before`. */
export async function deleteOldWebhookDeliveries(q: Queryable, before: Date): Promise<number> {
  const result = await q.query(sql`DELETE FROM alert_webhook_deliveries WHERE status <> 'queued' AND created_at < ${before}`);
  return result.rowCount;
}
