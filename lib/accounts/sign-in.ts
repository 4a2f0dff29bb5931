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
import { PAGES } from "../http/pages";
import { recordAuditEvent } from "../audit/audit";
import { consumeRateLimit, ipKey, refundRateLimitSlot, takeRateLimitSlot } from "../rate-limit/rate-limit";
import { queueMail } from "../email/mailer";
import { link, templates } from "../email/templates";
import { needsRehash } from "../passwords/argon2";
import { DUMMY_HASH, hashPassword, verifyPassword } from "../passwords/hasher";
import type { IssuedSession } from "../sessions/sessions";
import { startSignInSession } from "./sign-in-session";
import { createMfaChallenge } from "../mfa/challenge";
import { secondStepMethods, type SecondStepMethod } from "../mfa/status";
import { findTrustedDevice } from "../mfa/trusted-devices";
import { subjectHash } from "../users/email";
import { clearThrottle, takeSignInSlot } from "./throttle";
import { renewLoginDevice, resetLoginDevice, takeLoginDeviceSlot } from "../users/login-devices";
import { findUserByEmail, upgradePasswordHash, type UserRecord } from "../users/queries";

export interface Credentials {
  readonly email: string;
  readonly password: string;
}

/** The login-device cookie to set with a new cookie session (a fresh one on every sign-in). */
export type LoginDeviceCookie = { readonly token: string; readonly expiresAt: Date } | null;

export type SignInOutcome =
  | { readonly kind: "session"; readonly user: UserRecord; readonly issued: IssuedSession; readonly loginDevice: LoginDeviceCookie }
  | {
      readonly kind: "mfa_required";
      readonly user: UserRecord;
      readonly challenge: { token: string; expiresAt: Date };
      /** The second-step methods the account has enrolled (TOTP and backup codes, passkey). */
      readonly methods: readonly SecondStepMethod[];
      readonly loginDevice: LoginDeviceCookie;
    };

export interface SignInInput extends Credentials {
  /** The login-device cookie, if the browser has one: its own failure budget instead of the email's lock. */
  readonly loginDeviceToken?: string | null;
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
 * Where an attempt comes from decides which budget gates it (issue 10, item 4):
 *  - a live session re-authenticating (reauth, password change): the session's own budget of
 *    LOGIN_MAX_FAILURES failures for its lifetime; strangers' failures on the email never hold
 *    it, but its failures still count toward the email's lock;
 *  - a browser with a login-device cookie for this email: the device's own budget;
 *  - anyone else: the per-identifier lock (lib/accounts/throttle.ts).
 */
export interface AttemptOrigin {
  readonly sessionId?: string;
  readonly loginDeviceToken?: string | null;
}

type Gate =
  | { readonly kind: "session"; readonly key: string }
  | { readonly kind: "device"; readonly id: string }
  | { readonly kind: "identifier"; readonly lockedNow: boolean; readonly lockedUntil: Date | null; readonly hardLocked: boolean };

export interface VerifiedCredentials {
  readonly user: UserRecord;
  /** The login device whose budget this success used (to rotate its cookie), if any. */
  readonly loginDeviceId: string | null;
}

function sessionRule(cfg: Config) {
  return { limit: cfg.LOGIN_MAX_FAILURES, windowSeconds: cfg.SESSION_ABSOLUTE_TIMEOUT_SECONDS };
}

/** Takes the attempt's slot in the budget that gates it; an error when that budget is spent. */
async function takeGate(db: Db, subject: string, origin: AttemptOrigin, now: Date, cfg: Config): Promise<Result<Gate>> {
  if (origin.sessionId) {
    const key = `reauth-failures:session:${origin.sessionId}`;
    const slot = await takeRateLimitSlot(db, key, sessionRule(cfg), now);
    return slot.allowed ? ok({ kind: "session", key }) : err("too_many_requests", slot.retryAfterSeconds);
  }
  const device = origin.loginDeviceToken ? await takeLoginDeviceSlot(db, origin.loginDeviceToken, subject, now, cfg) : null;
  if (device) return ok({ kind: "device", id: device });
  const slot = await takeSignInSlot(db, subject, now, cfg);
  if (!slot.taken) return slot.hardLocked ? err("sign_in_locked") : err("too_many_requests", slot.retryAfterSeconds);
  return ok({ kind: "identifier", lockedNow: slot.lockedNow, lockedUntil: slot.lockedUntil, hardLocked: slot.hardLocked });
}

/**
 * Verifies credentials with every throttle applied. Both limits take the attempt's slot before
 * the hash (one guarded statement each), so parallel guesses cannot pass them: the per-IP
 * failure slot first, then the slot of the budget that gates this origin (an IP slot is given
 * back when that budget refuses, and the slots are cleared on success, since only failures
 * count). On failure the failure has been counted and audited.
 */
export async function verifyCredentials(
  db: Db,
  input: Credentials & AttemptOrigin & { now: Date; actor: Actor; auditType?: "login" | "reauth" },
  cfg: Config,
): Promise<Result<VerifiedCredentials>> {
  const subject = subjectHash(input.email);
  const ipBucket = ipKey("login-failures", input.actor.ip);
  const ipSlot = await takeRateLimitSlot(db, ipBucket, ipRule(cfg), input.now);
  if (!ipSlot.allowed) return err("too_many_requests", ipSlot.retryAfterSeconds);
  const gate = await takeGate(db, subject, input, input.now, cfg);
  if (!gate.ok) {
    await refundRateLimitSlot(db, ipBucket, input.now);
    return gate;
  }

  const user = await findUserByEmail(db, input.email);
  const matches = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_HASH);
  if (user && matches && user.status === "active" && user.passwordHash) {
    await db.transaction(async (tx) => {
      await refundRateLimitSlot(tx, ipBucket, input.now);
      await clearThrottle(tx, subject);
      if (gate.value.kind === "session") await refundRateLimitSlot(tx, gate.value.key, input.now);
      if (gate.value.kind === "device") await resetLoginDevice(tx, gate.value.id, input.now);
    });
    if (needsRehash(user.passwordHash)) {
      await upgradePasswordHash(db, user.id, user.passwordHash, await hashPassword(input.password));
    }
    return ok({ user, loginDeviceId: gate.value.kind === "device" ? gate.value.id : null });
  }

  await db.transaction(async (tx) => {
    // a live session's failure also counts toward the email's lock (it never waits on it)
    let lock: { lockedNow: boolean; lockedUntil: Date | null; hardLocked: boolean } | null = null;
    if (gate.value.kind === "identifier") lock = gate.value;
    if (gate.value.kind === "session") {
      const counted = await takeSignInSlot(tx, subject, input.now, cfg);
      if (counted.taken) lock = counted;
    }
    const failureType = input.auditType === "reauth" ? "reauth.failure" : "login.failure";
    await recordAuditEvent(tx, {
      type: failureType,
      result: "failure",
      actor: input.actor,
      targetId: user?.id ?? null,
      subjectHash: subject,
      now: input.now,
      details: { budget: gate.value.kind },
    });
    if (lock?.lockedNow) {
      await recordAuditEvent(tx, {
        type: "login.locked",
        result: "failure",
        actor: input.actor,
        targetId: user?.id ?? null,
        subjectHash: subject,
        now: input.now,
        details: { lockedUntil: lock.lockedUntil?.toISOString() ?? null, hardLocked: lock.hardLocked },
      });
      if (user) await sendLockNotice(tx, user, input.now, cfg);
    }
  });
  return err("invalid_credentials");
}

async function sendLockNotice(tx: Queryable, user: UserRecord, now: Date, cfg: Config): Promise<void> {
  const limit = await consumeRateLimit(tx, `mail:account-locked:${user.id}`, LOCK_MAIL_RULE, now);
  if (!limit.allowed) return;
  await queueMail(tx, templates.accountLocked(user.email, link(cfg.APP_URL, PAGES.resetPassword)), cfg.mailTransport, now);
}

export async function signIn(db: Db, input: SignInInput, cfg: Config): Promise<Result<SignInOutcome>> {
  const verified = await verifyCredentials(db, { ...input, sessionId: undefined }, cfg);
  if (!verified.ok) return verified;
  const { user, loginDeviceId } = verified.value;
  return ok(
    await completeSignIn(
      db,
      {
        user,
        subject: subjectHash(input.email),
        method: "pwd",
        loginDeviceId,
        now: input.now,
        actor: input.actor,
        trustedDeviceToken: input.trustedDeviceToken,
        purpose: input.purpose,
      },
      cfg,
    ),
  );
}

export interface CompleteSignInInput {
  /** The account whose first factor has just been verified. */
  readonly user: UserRecord;
  /** subjectHash of the account's email: the throttle and audit key. */
  readonly subject: string;
  /** The first factor, as the session's first amr entry: "pwd", "fed" for a federated (social) sign-in, "email" for an emailed code. */
  readonly method: "pwd" | "fed" | "email";
  readonly loginDeviceId: string | null;
  readonly now: Date;
  readonly actor: Actor;
  readonly trustedDeviceToken?: string | null;
  readonly purpose?: "login" | "token";
  /** Extra audit detail (e.g. the social provider). */
  readonly details?: Record<string, unknown>;
  /** Runs in the sign-in's transaction (the caller's own audit row and bookkeeping). */
  readonly alsoInTransaction?: (tx: Queryable, outcome: SignInOutcome) => Promise<void>;
}

/**
 * What every first factor leads to, password or social provider: the local second step when
 * the account has one (unless a trusted device of this user stands in for it), else a new
 * session; the login.mfa_required / login.success audit row in the same transaction, so
 * sign-ins of both kinds count toward the same audit and detection.
 */
export async function completeSignIn(db: Db, input: CompleteSignInInput, cfg: Config): Promise<SignInOutcome> {
  const { user, subject } = input;
  // any second factor, a TOTP app or a passkey, asks for the second step
  const methods = await secondStepMethods(db, user.id);
  const mfaActive = methods.length > 0;
  // A trusted device of this user stands in for the second step (the session stays aal1).
  const deviceTrusted =
    mfaActive &&
    input.trustedDeviceToken !== undefined &&
    input.trustedDeviceToken !== null &&
    (await findTrustedDevice(db, input.trustedDeviceToken, user.id, input.now)) !== null;
  const secondFactor = mfaActive && !deviceTrusted;

  return db.transaction(async (tx): Promise<SignInOutcome> => {
    await clearThrottle(tx, subject);
    if (secondFactor) {
      const challenge = await createMfaChallenge(tx, {
        userId: user.id,
        purpose: input.purpose ?? "login",
        now: input.now,
        ttlSeconds: cfg.MFA_CHALLENGE_TTL_SECONDS,
        ip: input.actor.ip,
        userAgent: input.actor.userAgent,
        firstFactor: input.method,
      });
      await recordAuditEvent(tx, {
        type: "login.mfa_required",
        result: "success",
        actor: input.actor,
        actorId: user.id,
        targetId: user.id,
        subjectHash: subject,
        now: input.now,
        details: input.details,
      });
      // the login-device cookie comes with the session, after the second step (lib/mfa/second-step.ts)
      const outcome: SignInOutcome = { kind: "mfa_required", user, challenge, methods, loginDevice: null };
      await input.alsoInTransaction?.(tx, outcome);
      return outcome;
    }
    // Browsers get a fresh login-device cookie; API clients of the token route keep theirs, if any.
    const loginDevice = input.purpose === "token" ? null : await renewLoginDevice(tx, subject, input.loginDeviceId, input.now, cfg);
    const amr = deviceTrusted ? [input.method, "device"] : [input.method];
    const issued = await startSignInSession(
      tx,
      { userId: user.id, subjectHash: subject, aal: 1, amr, now: input.now, actor: input.actor, details: input.details },
      cfg,
    );
    const outcome: SignInOutcome = { kind: "session", user, issued, loginDevice };
    await input.alsoInTransaction?.(tx, outcome);
    return outcome;
  });
}
