/**
 * Mail. Every message is written to mail_outbox in the caller's transaction, so it exists if
 * and only if the change that caused it commits. Reset, verification and email-change mails
 * carry a live link token (the database otherwise holds only its SHA-256).
 *   - smtp transport (production): rows are 'queued'. deliverDueMail() runs after each
 *     response (Next.js after()) and from both crons. It claims due rows (a lease, so parallel
 *     runs never send one twice), sends each, and marks a row 'sent' only once the SMTP server
 *     accepted it; a refusal or an unreachable server schedules a retry with backoff
 *     (RETRY_BASE_SECONDS x 4^(attempt-1), at most MAX_ATTEMPTS attempts), then 'failed'.
 *     Once sent or given up the body is redacted (redact_mail_body(): every token=... link
 *     replaced), so no usable token stays at rest after the hand-over; a queued body holds
 *     its link only until the server takes it.
 *   - outbox transport (development, tests, or a deployer who delivers rows itself, chosen
 *     explicitly with MAIL_TRANSPORT=outbox): the row is the delivery ('stored', full body); a
 *     one-line summary is logged, without the body.
 * Threat: a read of the database (backup, replica, SQL injection) must not yield links that
 * sign in or reset. Issue 10 item 6; docs/security/mail.md.
 */
import type { Db, Queryable } from "../db";
import { addSeconds } from "../clock";
import { maskEmail, type MailMessage } from "./templates";
import { claimDueMail, insertMail, markMailFailed, markMailSent, scheduleMailRetry } from "./queries";

export type { MailMessage } from "./templates";

export interface MailTransport {
  send(message: MailMessage & { from: string }): Promise<void>;
}

/** Attempts per message before it is marked 'failed' (about 5.7 h of retries in all). */
export const MAX_ATTEMPTS = 6;
/** Wait after the first failed attempt; each later wait is four times longer. */
export const RETRY_BASE_SECONDS = 60;
const RETRY_FACTOR = 4;
/** A claimed row is skipped by other runs this long (above the SMTP timeouts in smtp.ts). */
export const CLAIM_LEASE_SECONDS = 300;
const DELIVERY_BATCH = 20;

export async function queueMail(q: Queryable, message: MailMessage, transport: "outbox" | "smtp", now: Date): Promise<void> {
  await insertMail(q, {
    to: message.to,
    template: message.template,
    subject: message.subject,
    text: message.text,
    status: transport === "smtp" ? "queued" : "stored",
    now,
  });
  if (transport === "outbox") console.info(`[mail] ${message.template} -> ${maskEmail(message.to)} (stored in mail_outbox)`);
}

/** Seconds to wait after failed attempt number `attempt` (1-based). */
export function retryDelaySeconds(attempt: number): number {
  return RETRY_BASE_SECONDS * RETRY_FACTOR ** Math.max(0, attempt - 1);
}

export interface DeliveryCounts {
  readonly sent: number;
  readonly retrying: number;
  readonly failed: number;
}

/** Sends every due queued message (at most `limit`). */
export async function deliverDueMail(
  db: Db,
  transport: MailTransport,
  from: string,
  now: Date,
  limit = DELIVERY_BATCH,
): Promise<DeliveryCounts> {
  const claimed = await claimDueMail(db, now, CLAIM_LEASE_SECONDS, limit);
  let sent = 0;
  let retrying = 0;
  let failed = 0;
  for (const mail of claimed) {
    try {
      await transport.send({ from, to: mail.to, template: mail.template, subject: mail.subject, text: mail.text });
    } catch (error) {
      const reason = String((error as Error)?.message ?? error).slice(0, 500);
      if (mail.attempts >= MAX_ATTEMPTS) {
        await markMailFailed(db, mail.id, reason);
        failed++;
      } else {
        await scheduleMailRetry(db, mail.id, addSeconds(now, retryDelaySeconds(mail.attempts)), reason);
        retrying++;
      }
      continue;
    }
    await markMailSent(db, mail.id, now);
    sent++;
  }
  return { sent, retrying, failed };
}
