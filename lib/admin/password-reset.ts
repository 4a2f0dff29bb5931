/**
 * "Send a password-reset email" for administrators (checklist #64): the only password action
 * an administrator has. It issues a password_reset one-time token (lib/tokens/one-time.ts:
 * 256 bits, SHA-256 stored, PASSWORD_RESET_TTL_SECONDS, voids the user's older reset links)
 * and mails the link to the account's own address, in one transaction with the audit row
 * admin.password_reset_sent (actor and target). The token never leaves the outbox: the
 * response says only that a message was sent. Completing the reset is the user's own flow
 * (lib/accounts/password-reset.ts). Disabled accounts get no link (a reset would not let
 * them in). At most RESET_RULE.limit messages per account per hour, whoever asks.
 */
import type { Config } from "../config";
import type { Db } from "../db";
import { err, ok, type Result } from "../errors";
import { PAGES } from "../http/pages";
import { queueMail } from "../email/mailer";
import { link, templates } from "../email/templates";
import { consumeRateLimit } from "../rate-limit/rate-limit";
import { issueOneTimeToken } from "../one-time-tokens/one-time-tokens";
import { recordAdminEvent, type AdminAction } from "./action";
import { findUserStatus } from "./queries";

const RESET_RULE = { limit: 5, windowSeconds: 3600 };

export async function sendPasswordResetEmail(db: Db, userId: string, action: AdminAction, cfg: Config): Promise<Result<void>> {
  const user = await findUserStatus(db, userId);
  if (!user) return err("not_found");
  if (user.status !== "active") return err("conflict");
  const limit = await consumeRateLimit(db, `admin:password-reset:${userId}`, RESET_RULE, action.now);
  if (!limit.allowed) return err("too_many_requests", limit.retryAfterSeconds);
  await db.transaction(async (tx) => {
    const token = await issueOneTimeToken(tx, {
      userId,
      purpose: "password_reset",
      email: user.email,
      ttlSeconds: cfg.PASSWORD_RESET_TTL_SECONDS,
      now: action.now,
    });
    const minutes = Math.round(cfg.PASSWORD_RESET_TTL_SECONDS / 60);
    await queueMail(
      tx,
      templates.passwordReset(user.email, link(cfg.APP_URL, PAGES.resetPassword, token), minutes),
      cfg.mailTransport,
      action.now,
    );
    await recordAdminEvent(tx, action, "admin.password_reset_sent", userId, { ttlMinutes: minutes });
  });
  return ok(undefined);
}
