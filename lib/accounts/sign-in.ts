/**
 * Sign-in with email and password.
 *
 * Order of checks, cheapest first, so that no attacker-controlled request costs a hash before
 * the rate limits have had their say: input shape -> per-IP failure slot -> per-identifier
 * slot (each taken atomically before the hash, so parallel guesses cannot pass a limit) -> one
 * argon2id verification (against a dummy hash when the email is unknown, so known
 * and unknown emails cost the same) -> outcome.
 *
 * Every failure (unknown email, wrong password, disabled account) returns the same
 * invalid_credentials; a lock returns too_many_requests with Retry-After, identically for
 * emails with and without an account. The failure counters, the session and the audit row are
 * written in one transaction. Checklist #9, #11-#15, #17, #26, #65.
 */
import type { Config } from "../config";
import type { Db, Queryable } from "../db";
import { err, ok, type Result } from "../errors";
import type { Actor } from "../http/context";
import { recordAuditEvent } from "../audit/audit";
import { consumeRateLimit, ipKey, refundRateLimitSlot, takeRateLimitSlot } from "../rate-limit/rate-limit";
import { queueMail } from "../email/mailer";
import { link, templates } from "../email/templates";
import { needsRehash } from "../passwords/argon2";
import { DUMMY_HASH, hashPassword, verifyPassword } from "../passwords/hasher";
import { createSession, type IssuedSession } from "../sessions/sessions";
import { createMfaChallenge } from "../mfa/challenge";
import { hasActiveMfa } from "../mfa/status";
import { findTrustedDevice } from "../mfa/trusted-devices";
import { subjectHash } from "./email";
import { clearThrottle, takeSignInSlot } from "./throttle";
import { findUserByEmail, upgradePasswordHash, type UserRecord } from "./queries";

export interface Credentials {
  readonly email: string;
  readonly password: string;
}

export type SignInOutcome =
  | { readonly kind: "session"; readonly user: UserRecord; readonly issued: IssuedSession }
  | { readonly kind: "mfa_required"; readonly user: UserRecord; readonly challenge: { token: string; expiresAt: Date } };

export interface SignInInput extends Credentials {
  readonly now: Date;
  readonly actor: Actor;
  /** The trusted-device cookie, if the browser has one: it may stand in for the second step. */
  readonly trustedDeviceToken?: string | null;
  /** "token" when the sign-in will end in a token pair rather than a cookie session. */
  readonly purpose?: "login" | "token";
}

const LOCK_MAIL_RULE = { limit: 1, windowSeconds: 3600 };

function ipRule(cfg: Config) {
  return { limit: cfg.IP_LOGIN_FAILURES_PER_WINDOW, windowSeconds: cfg.IP_LOGIN_WINDOW_SECONDS };
}

/**
 * Verifies credentials with every throttle applied. Both limits take the attempt's slot before
 * the hash (one guarded statement each), so parallel guesses cannot pass them: the per-IP
 * failure slot first, then the per-identifier slot (an IP slot is given back when the account
 * refuses, and both are cleared on success, since only failures count). On success returns
 * the user; on failure the failure has been counted and audited.
 */
export async function verifyCredentials(
  db: Db,
  input: Credentials & { now: Date; actor: Actor; auditType?: "login" | "reauth" },
  cfg: Config,
): Promise<Result<UserRecord>> {
  const subject = subjectHash(input.email);
  const ipBucket = ipKey("login-failures", input.actor.ip);
  const ipSlot = await takeRateLimitSlot(db, ipBucket, ipRule(cfg), input.now);
  if (!ipSlot.allowed) return err("too_many_requests", ipSlot.retryAfterSeconds);
  const slot = await takeSignInSlot(db, subject, input.now, cfg);
  if (!slot.taken) {
    await refundRateLimitSlot(db, ipBucket, input.now);
    return err("too_many_requests", slot.retryAfterSeconds);
  }

  const user = await findUserByEmail(db, input.email);
  const matches = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_HASH);
  if (user && matches && user.status === "active" && user.passwordHash) {
    await db.transaction(async (tx) => {
      await refundRateLimitSlot(tx, ipBucket, input.now);
      await clearThrottle(tx, subject);
    });
    if (needsRehash(user.passwordHash)) {
      await upgradePasswordHash(db, user.id, user.passwordHash, await hashPassword(input.password));
    }
    return ok(user);
  }

  await db.transaction(async (tx) => {
    const failureType = input.auditType === "reauth" ? "reauth.failure" : "login.failure";
    await recordAuditEvent(tx, { type: failureType, result: "failure", actor: input.actor, targetId: user?.id ?? null, subjectHash: subject, now: input.now });
    if (slot.lockedNow) {
      await recordAuditEvent(tx, {
        type: "login.locked", result: "failure", actor: input.actor, targetId: user?.id ?? null, subjectHash: subject, now: input.now,
        details: { lockedUntil: slot.lockedUntil?.toISOString() ?? null, hardLocked: slot.hardLocked },
      });
      if (user) await sendLockNotice(tx, user, input.now, cfg);
    }
  });
  return err("invalid_credentials");
}

async function sendLockNotice(tx: Queryable, user: UserRecord, now: Date, cfg: Config): Promise<void> {
  const limit = await consumeRateLimit(tx, `mail:account-locked:${user.id}`, LOCK_MAIL_RULE, now);
  if (!limit.allowed) return;
  await queueMail(tx, templates.accountLocked(user.email, link(cfg.APP_URL, "/reset-password")), cfg.mailTransport, now);
}

export async function signIn(db: Db, input: SignInInput, cfg: Config): Promise<Result<SignInOutcome>> {
  const verified = await verifyCredentials(db, input, cfg);
  if (!verified.ok) return verified;
  const user = verified.value;
  const subject = subjectHash(input.email);

  const mfaActive = await hasActiveMfa(db, user.id);
  // A trusted device of this user stands in for the second step (the session stays aal1).
  const deviceTrusted = mfaActive && input.trustedDeviceToken !== undefined && input.trustedDeviceToken !== null &&
    (await findTrustedDevice(db, input.trustedDeviceToken, user.id, input.now)) !== null;
  const secondFactor = mfaActive && !deviceTrusted;

  return ok(await db.transaction(async (tx): Promise<SignInOutcome> => {
    await clearThrottle(tx, subject);
    if (secondFactor) {
      const challenge = await createMfaChallenge(tx, {
        userId: user.id, purpose: input.purpose ?? "login", now: input.now, ttlSeconds: cfg.MFA_CHALLENGE_TTL_SECONDS,
        ip: input.actor.ip, userAgent: input.actor.userAgent,
      });
      await recordAuditEvent(tx, { type: "login.mfa_required", result: "success", actor: input.actor, actorId: user.id, targetId: user.id, subjectHash: subject, now: input.now });
      return { kind: "mfa_required", user, challenge };
    }
    const amr = deviceTrusted ? ["pwd", "device"] : ["pwd"];
    const issued = await createSession(tx, { userId: user.id, aal: 1, amr, now: input.now, ip: input.actor.ip, userAgent: input.actor.userAgent }, cfg);
    await recordAuditEvent(tx, {
      type: "login.success", result: "success", actor: input.actor, actorId: user.id, targetId: user.id,
      sessionId: issued.session.id, subjectHash: subject, now: input.now, details: { amr },
    });
    return { kind: "session", user, issued };
  }));
}
