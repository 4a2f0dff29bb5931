/**
 * Changing the account's email address (checklist #60).
 *
 * Model: the request needs a recent re-authentication (the route asks authenticate() for it:
 * 403 reauth_required otherwise). The stored address does not change at request time: an
 * email_change token (lib/tokens/one-time.ts: 256 bits, SHA-256 stored, bound to the user and
 * to the NEW address, EMAIL_VERIFICATION_TTL_SECONDS, a newer request voids the older) is
 * mailed to the new address, and the old address is told at once. When the new address
 * confirms (POST /api/auth/email/verify with the token, see email-verification.ts) the address
 * changes, verified, other sessions end, and the old address is told again.
 *
 * No enumeration: when the new address already belongs to another account the requester gets
 * the same answer and the old address the same notice; the owner of the taken address gets a
 * "someone tried to use your address" notice instead of a link, and no token exists.
 * Mail limits per new address and per IP as in mail-limits.ts.
 */
import type { Config } from "../config";
import type { Db, Queryable } from "../db";
import { err, ok, type Result } from "../errors";
import type { Actor } from "../http/context";
import { PAGES } from "../http/pages";
import { recordAuditEvent } from "../audit/audit";
import { queueMail } from "../email/mailer";
import { link, maskEmail, templates } from "../email/templates";
import { issueOneTimeToken } from "../one-time-tokens/one-time-tokens";
import type { SessionUser } from "../sessions/sessions";
import { subjectHash } from "../users/email";
import { allowMailToAddress, consumeMailIpLimit } from "./mail-limits";
import { findUserByEmail } from "../users/queries";
import { changeUserEmail } from "./lifecycle-queries";

export interface EmailChangeRequest {
  readonly user: SessionUser;
  readonly sessionId: string;
  readonly newEmail: string;
  readonly now: Date;
  readonly actor: Actor;
}

export async function requestEmailChange(db: Db, input: EmailChangeRequest, cfg: Config): Promise<Result<void>> {
  const { user, newEmail, now, actor } = input;
  if (newEmail.trim().toLowerCase() === user.email.toLowerCase()) return err("email_unchanged");
  const ipLimit = await consumeMailIpLimit(db, actor.ip, now, cfg);
  if (!ipLimit.allowed) return err("too_many_requests", ipLimit.retryAfterSeconds);
  await db.transaction(async (tx) => {
    const allowed = await allowMailToAddress(tx, "email-change", newEmail, now, cfg);
    const taken = allowed ? (await findUserByEmail(tx, newEmail)) !== null : false;
    if (allowed && !taken) {
      const token = await issueOneTimeToken(tx, {
        userId: user.id,
        purpose: "email_change",
        email: newEmail,
        ttlSeconds: cfg.EMAIL_VERIFICATION_TTL_SECONDS,
        now,
      });
      const hours = Math.round(cfg.EMAIL_VERIFICATION_TTL_SECONDS / 3600);
      await queueMail(
        tx,
        templates.emailChangeConfirm(newEmail, link(cfg.APP_URL, PAGES.verifyEmail, token), hours),
        cfg.mailTransport,
        now,
      );
    }
    if (allowed && taken) {
      await queueMail(tx, templates.emailInUse(newEmail, link(cfg.APP_URL, PAGES.resetPassword)), cfg.mailTransport, now);
    }
    if (allowed) {
      await queueMail(
        tx,
        templates.emailChangeRequested(user.email, maskEmail(newEmail), link(cfg.APP_URL, PAGES.resetPassword)),
        cfg.mailTransport,
        now,
      );
    }
    await recordAuditEvent(tx, {
      type: "email.change.requested",
      result: allowed && !taken ? "success" : "failure",
      actor,
      actorId: user.id,
      targetId: user.id,
      sessionId: input.sessionId,
      subjectHash: subjectHash(newEmail),
      now,
      details: { sent: allowed, ...(allowed ? {} : { limited: "address" }), ...(taken ? { reason: "address_in_use" } : {}) },
    });
  });
  return ok(undefined);
}

export interface ApplyEmailChange {
  readonly userId: string;
  readonly oldEmail: string;
  readonly newEmail: string;
  readonly now: Date;
}

/**
 * Inside the confirming transaction (the token already spent): moves the account to the new
 * address and tells the old one. False when the account moved meanwhile or the new address
 * was taken by another account since the request.
 */
export async function applyEmailChange(tx: Queryable, input: ApplyEmailChange, cfg: Config): Promise<boolean> {
  const changed = await changeUserEmail(tx, input.userId, input.oldEmail, input.newEmail, input.now);
  if (!changed) return false;
  await queueMail(
    tx,
    templates.emailChanged(input.oldEmail, maskEmail(input.newEmail), link(cfg.APP_URL, PAGES.resetPassword)),
    cfg.mailTransport,
    input.now,
  );
  return true;
}
