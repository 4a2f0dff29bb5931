/**
 * Forgot password and password reset (checklist #18, #21, #53-#58).
 *
 * Model: POST forgot with an email answers the same whatever the address, in the same time: the
 * request does only the work that does not depend on the account (limits per IP and per address
 * hash); after the response, if an active account has the address (and the address limits
 * allowed), a reset token is issued through
 * lib/tokens/one-time.ts (256 random bits, only SHA-256 stored, bound to the user and the
 * address, PASSWORD_RESET_TTL_SECONDS, a newer token voids the older) and mailed as a link built
 * from APP_URL (the token in the URL fragment, never the Host header). Requesting a reset changes
 * nothing else: not the password, not the lock, not the sessions, so requests by an attacker
 * cost the victim nothing.
 *
 * Completing a reset: the token is looked up (not spent), the new password must pass the whole
 * policy (a refused password leaves the link usable), then one transaction spends the token
 * with a guarded UPDATE (of two parallel resets exactly one wins), stores the new hash (and
 * history), clears the sign-in throttle including the hard lock, ends every session and
 * refresh family, revokes every trusted device and voids pending MFA challenges (either could
 * be an attacker's foothold), removes the second factors of an account whose address was never
 * verified (lib/mfa/recovery.ts), voids pending reset and email-change tokens, marks the
 * address verified (the link proved it), mails a "password changed" notice and writes the audit row. It signs
 * nobody in: the user signs in with the new password, through MFA if they have it (#48).
 * Invalid tokens count toward the per-IP token-guess limit (lib/accounts/token-guesses.ts).
 */
import type { Config } from "../config";
import type { Db } from "../db";
import { err, ok, type ErrorCode, type Result } from "../errors";
import type { Actor } from "../http/context";
import { PAGES } from "../http/pages";
import { recordAuditEvent } from "../audit/audit";
import { sha256Hex } from "../crypto/digest";
import { queueMail } from "../email/mailer";
import { link, templates } from "../email/templates";
import { checkNewPassword } from "../passwords/check";
import { hashPassword } from "../passwords/hasher";
import { revokeUserSessions } from "../sessions/queries";
import { issueOneTimeToken, redeemOneTimeToken } from "../one-time-tokens/one-time-tokens";
import { subjectHash } from "../users/email";
import { allowMailToAddress, consumeMailIpLimit } from "./mail-limits";
import { findUserByEmail, findUserById, insertPasswordHistory } from "../users/queries";
import { endPlantedAccess } from "../mfa/recovery";
import {
  findLiveToken,
  markEmailVerified,
  prunePasswordHistory,
  setPasswordHash,
  voidUserTokens,
  type LiveToken,
} from "./lifecycle-queries";
import { clearThrottle, readThrottle } from "./throttle";
import { TOKEN_PATTERN, refundTokenGuess, takeTokenGuessSlot } from "./token-guesses";

export interface ForgotInput {
  readonly email: string;
  readonly now: Date;
  readonly actor: Actor;
}

/** A request that passed the IP limit: what the work after the response needs. */
export interface ResetRequest extends ForgotInput {
  /** Whether the per-address limits let a message go to this address now. */
  readonly allowed: boolean;
}

/**
 * The part of a forgot-password request done before the response: the same work for every
 * address (the per-IP limit, then the per-address limits keyed by the address hash whether or
 * not an account has it). Always ok (or 429 for the IP): the caller answers the same for every
 * address and runs sendRequestedPasswordReset() after the response (issue 10 item 11).
 */
export async function requestPasswordReset(db: Db, input: ForgotInput, cfg: Config): Promise<Result<ResetRequest>> {
  const ipLimit = await consumeMailIpLimit(db, input.actor.ip, input.now, cfg);
  if (!ipLimit.allowed) return err("too_many_requests", ipLimit.retryAfterSeconds);
  const allowed = await allowMailToAddress(db, "password-reset", input.email, input.now, cfg);
  return ok({ ...input, allowed });
}

/**
 * The account-specific part, run after the response: looks the address up and, if an active
 * account has it and the limits allowed, issues the token and queues the mail; the audit row in
 * the same transaction either way.
 */
export async function sendRequestedPasswordReset(db: Db, request: ResetRequest, cfg: Config): Promise<void> {
  const { allowed } = request;
  await db.transaction(async (tx) => {
    const user = await findUserByEmail(tx, request.email);
    const eligible = user !== null && user.status === "active";
    if (allowed && eligible) {
      const token = await issueOneTimeToken(tx, {
        userId: user.id,
        purpose: "password_reset",
        email: user.email,
        ttlSeconds: cfg.PASSWORD_RESET_TTL_SECONDS,
        now: request.now,
      });
      const minutes = Math.round(cfg.PASSWORD_RESET_TTL_SECONDS / 60);
      await queueMail(
        tx,
        templates.passwordReset(user.email, link(cfg.APP_URL, PAGES.resetPassword, token), minutes),
        cfg.mailTransport,
        request.now,
      );
    }
    await recordAuditEvent(tx, {
      type: "password.reset.requested",
      result: eligible ? "success" : "failure",
      actor: request.actor,
      targetId: user?.id ?? null,
      subjectHash: subjectHash(request.email),
      now: request.now,
      details: {
        sent: allowed && eligible,
        ...(eligible ? {} : { reason: "no_active_account" }),
        ...(allowed ? {} : { limited: "address" }),
      },
    });
  });
}

export interface ResetInput {
  readonly token: string;
  readonly password: string;
  readonly now: Date;
  readonly actor: Actor;
}

async function refuseToken(db: Db, input: { now: Date; actor: Actor }, targetId: string | null): Promise<Result<never>> {
  // the failure was counted by the slot taken before the lookup
  await recordAuditEvent(db, {
    type: "password.reset.completed",
    result: "failure",
    actor: input.actor,
    targetId,
    now: input.now,
    details: { reason: "invalid_token" },
  });
  return err("invalid_token");
}

/** A token is good for a reset only while it names the account's current address. */
function usable(found: LiveToken): boolean {
  return found.userActive && found.email.toLowerCase() === found.userEmail.toLowerCase();
}

export async function completePasswordReset(db: Db, input: ResetInput, cfg: Config): Promise<Result<void, ErrorCode>> {
  const guesses = await takeTokenGuessSlot(db, input.actor.ip, input.now, cfg);
  if (!guesses.allowed) return err("too_many_requests", guesses.retryAfterSeconds);
  const found = TOKEN_PATTERN.test(input.token) ? await findLiveToken(db, sha256Hex(input.token), ["password_reset"], input.now) : null;
  if (found === null || !usable(found)) return refuseToken(db, input, found?.userId ?? null);
  await refundTokenGuess(db, input.actor.ip, input.now);

  const policy = await checkNewPassword(
    db,
    input.password,
    { email: found.userEmail, userId: found.userId, actor: input.actor, now: input.now },
    cfg,
  );
  if (!policy.ok) return policy;
  const passwordHash = await hashPassword(input.password);

  const done = await db.transaction(async (tx) => {
    const spent = await redeemOneTimeToken(tx, input.token, "password_reset", input.now);
    if (!spent || spent.userId !== found.userId) return false;
    const subject = subjectHash(found.userEmail);
    const wasLocked = (await readThrottle(tx, subject, input.now)).locked;
    await setPasswordHash(tx, found.userId, passwordHash, input.now);
    await insertPasswordHistory(tx, found.userId, passwordHash, input.now);
    await prunePasswordHistory(tx, found.userId, cfg.PASSWORD_HISTORY_COUNT);
    await clearThrottle(tx, subject);
    const sessionsRevoked = await revokeUserSessions(tx, found.userId, "password_reset", input.now, null);
    // the link proves the mailbox: factors enrolled before it was ever verified are not the owner's
    const unverified = (await findUserById(tx, found.userId))?.emailVerifiedAt === null;
    const cleanup = await endPlantedAccess(tx, { userId: found.userId, now: input.now, removeFactors: unverified });
    await voidUserTokens(tx, found.userId, ["password_reset", "email_change"], input.now);
    await markEmailVerified(tx, found.userId, found.userEmail, input.now);
    await queueMail(tx, templates.passwordChanged(found.userEmail, link(cfg.APP_URL, PAGES.resetPassword)), cfg.mailTransport, input.now);
    await recordAuditEvent(tx, {
      type: "password.reset.completed",
      result: "success",
      actor: input.actor,
      actorId: found.userId,
      targetId: found.userId,
      subjectHash: subject,
      now: input.now,
      details: { sessionsRevoked, wasLocked, ...cleanup },
    });
    return true;
  });
  return done ? ok(undefined) : refuseToken(db, input, found.userId);
}
