/**
 * Rate limits on the routes that send mail (checklist #21): forgot password, verification
 * resend, email change, email sign-in codes.
 *
 * Two kinds of limit. Per address (keyed by the subject hash of the address, whether or not an
 * account has it): at most one message every MAIL_PER_ADDRESS_INTERVAL_SECONDS and
 * MAIL_PER_ADDRESS_PER_HOUR an hour, per purpose. A request past it is accepted and dropped:
 * the caller answers exactly as if a message had gone out, so the limit says nothing about
 * whether the address has an account, and an attacker cannot flood a victim's inbox. Per IP:
 * MAIL_REQUESTS_PER_IP_PER_HOUR requests an hour across these routes, then 429 with
 * Retry-After (an IP limit does not depend on the address, so it reveals nothing either).
 */
import type { Config } from "../config";
import type { Queryable } from "../db";
import { consumeRateLimit, ipKey, type RateLimitVerdict } from "../rate-limit/rate-limit";
import { subjectHash } from "../users/email";

export type MailPurpose = "password-reset" | "email-verification" | "email-change" | "email-sign-in-code";

export type MailLimitConfig = Pick<
  Config,
  "MAIL_PER_ADDRESS_INTERVAL_SECONDS" | "MAIL_PER_ADDRESS_PER_HOUR" | "MAIL_REQUESTS_PER_IP_PER_HOUR"
>;

const HOUR_SECONDS = 3600;

/** Counts one mail-sending request from this IP (all mail routes share the bucket). */
export function consumeMailIpLimit(q: Queryable, ip: string | null, now: Date, cfg: MailLimitConfig): Promise<RateLimitVerdict> {
  return consumeRateLimit(q, ipKey("mail-requests", ip), { limit: cfg.MAIL_REQUESTS_PER_IP_PER_HOUR, windowSeconds: HOUR_SECONDS }, now);
}

/**
 * May a message of this purpose go to this address now? Counts the attempt. The hourly budget
 * is only spent by requests that pass the per-interval gate, so hammering the route within a
 * minute does not use up the hour.
 */
export async function allowMailToAddress(
  q: Queryable,
  purpose: MailPurpose,
  email: string,
  now: Date,
  cfg: MailLimitConfig,
): Promise<boolean> {
  const subject = subjectHash(email);
  const interval = await consumeRateLimit(
    q,
    `mail:${purpose}:interval:${subject}`,
    { limit: 1, windowSeconds: cfg.MAIL_PER_ADDRESS_INTERVAL_SECONDS },
    now,
  );
  if (!interval.allowed) return false;
  const hourly = await consumeRateLimit(
    q,
    `mail:${purpose}:hour:${subject}`,
    { limit: cfg.MAIL_PER_ADDRESS_PER_HOUR, windowSeconds: HOUR_SECONDS },
    now,
  );
  return hourly.allowed;
}
