/** mail_outbox statements, one function each (lib/email/mailer.ts holds the delivery model). */
import { sql, type Queryable } from "../db";
import { addSeconds } from "../clock";

export type OutboxStatus = "stored" | "queued";

export interface InsertMailInput {
  readonly to: string;
  readonly template: string;
  readonly subject: string;
  readonly text: string;
  readonly status: OutboxStatus;
  readonly now: Date;
}

export async function insertMail(q: Queryable, input: InsertMailInput): Promise<void> {
  await q.query(sql`
    INSERT INTO mail_outbox (created_at, to_address, template, subject, text_body, status, next_attempt_at)
    VALUES (${input.now}, ${input.to}, ${input.template}, ${input.subject}, ${input.text}, ${input.status},
            ${input.status === "queued" ? input.now : null})`);
}

export interface ClaimedMail {
  readonly id: number;
  readonly to: string;
  readonly template: string;
  readonly subject: string;
  readonly text: string;
  readonly attempts: number;
}

/**
 * Claims up to `limit` due queued messages for one delivery attempt: counts the attempt and
 * pushes next_attempt_at out by `leaseSeconds`, so a parallel run skips them (and a run that
 * dies mid-send leaves them due again once the lease is over).
 */
export async function claimDueMail(q: Queryable, now: Date, leaseSeconds: number, limit: number): Promise<ClaimedMail[]> {
  const { rows } = await q.query<{
    id: number;
    to_address: string;
    template: string;
    subject: string;
    text_body: string;
    attempts: number;
  }>(sql`
    UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = ${addSeconds(now, leaseSeconds)}
    WHERE id IN (
      SELECT id FROM mail_outbox WHERE status = 'queued' AND next_attempt_at <= ${now}
      ORDER BY next_attempt_at, id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
    RETURNING id, to_address, template, subject, text_body, attempts`);
  return rows.map((r) => ({
    id: Number(r.id),
    to: r.to_address,
    template: r.template,
    subject: r.subject,
    text: r.text_body,
    attempts: r.attempts,
  }));
}

/** The SMTP server accepted it: sent, and the body keeps no live link. */
export async function markMailSent(q: Queryable, id: number, now: Date): Promise<void> {
  await q.query(sql`
    UPDATE mail_outbox SET status = 'sent', sent_at = ${now}, next_attempt_at = NULL, error = NULL,
                           text_body = redact_mail_body(text_body)
    WHERE id = ${id}`);
}

/** Refused or unreachable: due again at `retryAt`. */
export async function scheduleMailRetry(q: Queryable, id: number, retryAt: Date, error: string): Promise<void> {
  await q.query(sql`UPDATE mail_outbox SET next_attempt_at = ${retryAt}, error = ${error} WHERE id = ${id}`);
}

/** The last attempt failed: given up, and the body keeps no live link. */
export async function markMailFailed(q: Queryable, id: number, error: string): Promise<void> {
  await q.query(sql`
    UPDATE mail_outbox SET status = 'failed', next_attempt_at = NULL, error = ${error}, text_body = redact_mail_body(text_body)
    WHERE id = ${id}`);
}
