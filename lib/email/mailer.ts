/**
 * Mail. Every message is written to mail_outbox in the caller's transaction, so it exists if
 * and only if the change that caused it commits.
 *   - outbox transport (development, tests): the row is the delivery ('stored'); a one-line
 *     summary is logged, without the body (it may hold a link with a token).
 *   - smtp transport (production): rows are 'queued'; deliverQueuedMail() sends them after the
 *     response (Next.js after()), marks them 'sent' or 'failed' and blanks the body once sent.
 */
import { sql, type Db, type Queryable } from "../db";
import type { MailMessage } from "./templates";

export type { MailMessage } from "./templates";

export interface MailTransport {
  send(message: MailMessage & { from: string }): Promise<void>;
}

function maskAddress(address: string): string {
  const [local = "", domain = ""] = address.split("@");
  return `${local.slice(0, 1)}***@${domain}`;
}

export async function queueMail(q: Queryable, message: MailMessage, transport: "outbox" | "smtp", now: Date): Promise<void> {
  await q.query(sql`
    INSERT INTO mail_outbox (created_at, to_address, template, subject, text_body, status)
    VALUES (${now}, ${message.to}, ${message.template}, ${message.subject}, ${message.text}, ${transport === "smtp" ? "queued" : "stored"})`);
  if (transport === "outbox") console.info(`[mail] ${message.template} -> ${maskAddress(message.to)} (stored in mail_outbox)`);
}

/** Sends every queued message (at most `limit`), claiming rows so parallel runs never double-send. */
export async function deliverQueuedMail(db: Db, transport: MailTransport, from: string, limit = 20): Promise<{ sent: number; failed: number }> {
  const { rows } = await db.query<{ id: number; to_address: string; template: string; subject: string; text_body: string }>(sql`
    UPDATE mail_outbox SET status = 'sent', sent_at = now()
    WHERE id IN (SELECT id FROM mail_outbox WHERE status = 'queued' ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
    RETURNING id, to_address, template, subject, text_body`);
  let sent = 0;
  let failed = 0;
  for (const row of rows) {
    try {
      await transport.send({ from, to: row.to_address, template: row.template, subject: row.subject, text: row.text_body });
      await db.query(sql`UPDATE mail_outbox SET text_body = '' WHERE id = ${row.id}`);
      sent++;
    } catch (error) {
      await db.query(sql`UPDATE mail_outbox SET status = 'failed', error = ${String((error as Error).message).slice(0, 500)} WHERE id = ${row.id}`);
      failed++;
    }
  }
  return { sent, failed };
}
