/** Delivery with the configured transport: SMTP sends due queued rows; the outbox sends nothing. */
import type { Config } from "../config";
import type { Db } from "../db";
import { deliverDueMail, type DeliveryCounts, type MailTransport } from "./mailer";
import { smtpTransport } from "./smtp";

let cached: { url: string; transport: MailTransport } | null = null;

function transportFor(url: string): MailTransport {
  if (cached?.url !== url) cached = { url, transport: smtpTransport(url) };
  return cached.transport;
}

/** Sends the due queued mail (after each response and from the crons); null with the outbox transport. */
export async function deliverConfiguredMail(db: Db, cfg: Config, now: Date): Promise<DeliveryCounts | null> {
  if (cfg.mailTransport !== "smtp" || !cfg.SMTP_URL) return null;
  return deliverDueMail(db, transportFor(cfg.SMTP_URL), cfg.MAIL_FROM, now);
}
