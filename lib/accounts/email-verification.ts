/**
 * Email verification, and the confirming step of an email change (checklist #59, #60).
 *
 * Model: an email_verification token (lib/tokens/one-time.ts: 256 bits, SHA-256 stored,
 * single use, EMAIL_VERIFICATION_TTL_SECONDS, default 24 h) is bound to one user AND one
 * address: it verifies only while the account still has the address it was sent to. It is
 * issued at registration and by the resend route (rate limited per address and per IP, the
 * same answer for every address, in the same time: the token and the mail are made after the
 * response). An email_change token is bound to the user and the new
 * address. Both arrive at the verify page in the URL fragment and come back here by POST.
 *
 * Confirming spends the token with one guarded UPDATE, marks the address verified (or moves
 * the account to the new address), ends the user's other sessions and refresh families and,
 * when the request carries the user's own session, re-issues it under a new id. Invalid tokens
 * count toward the per-IP token-guess limit. Nothing here raises a session's AAL.
 */
import type { Config } from "../config";
import type { Db } from "../db";
import { err, ok, type Result } from "../errors";
import type { Actor } from "../http/context";
import { PAGES } from "../http/pages";
import { recordAuditEvent } from "../audit/audit";
import { sha256Hex } from "../crypto/digest";
import { queueMail } from "../email/mailer";
import { link, templates } from "../email/templates";
import { revokeUserSessions } from "../sessions/queries";
import { rotateSession, type IssuedSession, type SessionRecord, type SessionUser } from "../sessions/sessions";
import { issueOneTimeToken, redeemOneTimeToken } from "../one-time-tokens/one-time-tokens";
import { subjectHash } from "../users/email";
import { allowMailToAddress, consumeMailIpLimit } from "./mail-limits";
import { findUserByEmail } from "../users/queries";
import { findLiveToken, markEmailVerified } from "./lifecycle-queries";
import { applyEmailChange } from "./email-change";
import { TOKEN_PATTERN, refundTokenGuess, takeTokenGuessSlot } from "./token-guesses";

export interface VerificationRequest {
  readonly email: string;
  readonly now: Date;
  readonly actor: Actor;
}

/** A request that passed the IP limit: what the work after the response needs. */
export interface RequestedVerification extends VerificationRequest {
  /** Whether the per-address limits let a message go to this address now. */
  readonly allowed: boolean;
}

/**
 * The part of a resend request done before the response: the same work for every address (the
 * per-IP limit, then the per-address limits keyed by the address hash whether or not an account
 * has it). Always ok (or 429 for the IP); the caller runs sendRequestedVerification() after the
 * response, so known and unknown addresses cost the request the same (issue 10 item 11).
 */
export async function requestEmailVerification(db: Db, input: VerificationRequest, cfg: Config): Promise<Result<RequestedVerification>> {
  const ipLimit = await consumeMailIpLimit(db, input.actor.ip, input.now, cfg);
  if (!ipLimit.allowed) return err("too_many_requests", ipLimit.retryAfterSeconds);
  const allowed = await allowMailToAddress(db, "email-verification", input.email, input.now, cfg);
  return ok({ ...input, allowed });
}

/**
 * The account-specific part, run after the response: sends a fresh link if an active, unverified
 * account has the address and the limits allowed; the audit row in the same transaction either way.
 */
export async function sendRequestedVerification(db: Db, request: RequestedVerification, cfg: Config): Promise<void> {
  const { allowed } = request;
  await db.transaction(async (tx) => {
    const user = await findUserByEmail(tx, request.email);
    const eligible = user !== null && user.status === "active" && user.emailVerifiedAt === null;
    if (allowed && eligible) {
      const token = await issueOneTimeToken(tx, {
        userId: user.id,
        purpose: "email_verification",
        email: user.email,
        ttlSeconds: cfg.EMAIL_VERIFICATION_TTL_SECONDS,
        now: request.now,
      });
      const hours = Math.round(cfg.EMAIL_VERIFICATION_TTL_SECONDS / 3600);
      await queueMail(
        tx,
        templates.verifyEmail(user.email, link(cfg.APP_URL, PAGES.verifyEmail, token), hours),
        cfg.mailTransport,
        request.now,
      );
    }
    await recordAuditEvent(tx, {
      type: "email.verification.requested",
      result: eligible ? "success" : "failure",
      actor: request.actor,
      targetId: user?.id ?? null,
      subjectHash: subjectHash(request.email),
      now: request.now,
      details: {
        sent: allowed && eligible,
        ...(eligible ? {} : { reason: "no_unverified_account" }),
        ...(allowed ? {} : { limited: "address" }),
      },
    });
  });
}

export interface ConfirmInput {
  readonly token: string;
  /** The session the request carries, if any (valid, any user's). */
  readonly current: { readonly session: SessionRecord; readonly user: SessionUser } | null;
  readonly now: Date;
  readonly actor: Actor;
}

export interface ConfirmOutcome {
  readonly kind: "email_verified" | "email_changed";
  /** The caller's session under a new id, when the request carried the user's own session. */
  readonly issued: IssuedSession | null;
}

type Applied = ConfirmOutcome | "refused";

export async function confirmEmailToken(db: Db, input: ConfirmInput, cfg: Config): Promise<Result<ConfirmOutcome>> {
  const { now, actor } = input;
  const guesses = await takeTokenGuessSlot(db, actor.ip, now, cfg);
  if (!guesses.allowed) return err("too_many_requests", guesses.retryAfterSeconds);
  const found = TOKEN_PATTERN.test(input.token)
    ? await findLiveToken(db, sha256Hex(input.token), ["email_verification", "email_change"], now)
    : null;
  const bound = found?.userActive && (found.purpose === "email_change" || found.email.toLowerCase() === found.userEmail.toLowerCase());
  // a live token is no guess (even if a parallel request spends it first): give the slot back
  if (bound) await refundTokenGuess(db, actor.ip, now);

  const applied: Applied = !bound
    ? "refused"
    : await db.transaction(async (tx): Promise<Applied> => {
        const spent = await redeemOneTimeToken(tx, input.token, found.purpose, now);
        if (!spent || spent.userId !== found.userId) return "refused";
        const changing = found.purpose === "email_change";
        const done = changing
          ? await applyEmailChange(tx, { userId: found.userId, oldEmail: found.userEmail, newEmail: found.email, now }, cfg)
          : await markEmailVerified(tx, found.userId, found.email, now);
        if (!done) return "refused";
        const keep = input.current && input.current.user.id === found.userId ? input.current.session : null;
        const sessionsRevoked = await revokeUserSessions(tx, found.userId, "email_changed", now, keep?.id ?? null);
        const issued = keep ? await rotateSession(tx, keep, { now, ip: actor.ip, userAgent: actor.userAgent }, cfg) : null;
        await recordAuditEvent(tx, {
          type: changing ? "email.changed" : "email.verified",
          result: "success",
          actor,
          actorId: found.userId,
          targetId: found.userId,
          sessionId: issued?.session.id ?? null,
          subjectHash: subjectHash(found.email),
          now,
          details: { sessionsRevoked, currentSessionReissued: issued !== null, ...(keep ? { previousSessionId: keep.id } : {}) },
        });
        return { kind: changing ? "email_changed" : "email_verified", issued };
      });
  if (applied !== "refused") return ok(applied);

  // an invalid token was counted by the slot taken before the lookup
  await recordAuditEvent(db, {
    type: found?.purpose === "email_change" ? "email.changed" : "email.verified",
    result: "failure",
    actor,
    targetId: found?.userId ?? null,
    now,
    details: { reason: "invalid_token" },
  });
  return err("invalid_token");
}
