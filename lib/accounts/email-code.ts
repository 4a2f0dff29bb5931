/**
 * Email sign-in codes (issue 15; optional: EMAIL_SIGN_IN_CODES, off by default).
 *
 * Model: asking for a code answers the same whatever the address, in the same time, like a
 * password reset: only the per-IP limit (shared with the other mail routes) and the per-address
 * limits (keyed by the address hash whether or not an account has it) run before the response;
 * after it, if an active account with a VERIFIED address has it and the limits allowed, an
 * 8-digit code from the CSPRNG is mailed. Stored: HMAC-SHA-256 of (row id, code) under a key
 * derived (HKDF) from the current TOTP_ENCRYPTION_KEYS key, never the code, so a database dump
 * alone cannot brute-force the 10^8 codes; the row names its key id. A code lives
 * EMAIL_CODE_TTL_SECONDS (10 minutes), is single use, and a newer code supersedes the older.
 *
 * Checking a code: first the per-IP failure slot shared with password sign-in (a failed code
 * counts like a failed password; given back on success), then one guarded UPDATE takes an
 * attempt on the address's live code BEFORE the comparison: at most EMAIL_CODE_MAX_ATTEMPTS
 * comparisons per code, however many guesses arrive in parallel; the last wrong one burns the
 * code. The comparison is constant-time and runs against a dummy when there is no live code, so
 * unknown addresses, wrong codes, spent, expired and burned codes all answer
 * invalid_sign_in_code. A right code signs in through completeSignIn, exactly like a password:
 * an account with a second factor gets the same mfa_required challenge (first factor "email",
 * so the aal2 session's amr is ["email","otp"]), never a session; otherwise an aal1 session with
 * amr ["email"]. The code is spent by a guarded UPDATE inside the sign-in's transaction: of two
 * parallel right answers exactly one signs in.
 *
 * Unverified addresses get no code (decision): the address of an unverified account may have
 * been registered by someone else who knows its password (pre-account hijacking); signing the
 * mailbox owner into it, or marking it verified, would keep that person's access. The
 * verification link and the password reset (which removes factors planted before
 * verification) are the ways in, so a code sign-in never changes email_verified_at.
 *
 * Guess bound per account: at most MAIL_PER_ADDRESS_PER_HOUR codes an hour x 5 attempts against
 * 10^8 codes. References: NIST SP 800-63B-4 (out-of-band / look-up secrets: rate limiting),
 * OWASP Forgot Password CS, checklist #21, #53, #58.
 */
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import type { Config } from "../config";
import type { Db } from "../db";
import { err, ok, type Result } from "../errors";
import type { Actor } from "../http/context";
import { PAGES } from "../http/pages";
import { addSeconds } from "../clock";
import { recordAuditEvent } from "../audit/audit";
import { timingSafeEqual } from "../crypto/digest";
import { randomBytes } from "../crypto/random";
import { queueMail } from "../email/mailer";
import { link, templates } from "../email/templates";
import { ipKey, refundRateLimitSlot, takeRateLimitSlot } from "../rate-limit/rate-limit";
import { subjectHash } from "../users/email";
import { findUserByEmail, findUserById } from "../users/queries";
import { allowMailToAddress, consumeMailIpLimit } from "./mail-limits";
import { completeSignIn, type SignInOutcome } from "./sign-in";
import { burnEmailCode, insertEmailCode, spendEmailCode, supersedeEmailCodes, takeEmailCodeAttempt } from "./email-code-queries";

export const EMAIL_CODE_DIGITS = 8;
export const EMAIL_CODE_TTL_SECONDS = 600;
export const EMAIL_CODE_MAX_ATTEMPTS = 5;
const CODE_SPACE = 10 ** EMAIL_CODE_DIGITS;
const UINT32_RANGE = 2 ** 32;
/** Below this a uniform 32-bit value maps to a uniform code (rejection sampling, no modulo bias). */
const UNBIASED_LIMIT = UINT32_RANGE - (UINT32_RANGE % CODE_SPACE);
const HKDF_INFO = "portcullis email sign-in code v1";
const DUMMY_ID = "00000000-0000-0000-0000-000000000000";
const DUMMY_HASH = "0".repeat(64);

type CodeKeys = Pick<Config, "totpKeys" | "totpCurrentKeyId">;

/** A uniformly random code of EMAIL_CODE_DIGITS digits from the CSPRNG. */
export function randomEmailCode(): string {
  for (;;) {
    const bytes = randomBytes(4);
    const value = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
    if (value < UNBIASED_LIMIT) return String(value % CODE_SPACE).padStart(EMAIL_CODE_DIGITS, "0");
  }
}

const derived = new Map<string, Uint8Array>();

/** The HMAC key for codes, derived from a configured key (null when the key id is no longer configured). */
function codeKey(cfg: CodeKeys, keyId: string): Uint8Array | null {
  const base64Key = cfg.totpKeys.get(keyId);
  if (!base64Key) return null;
  let key = derived.get(base64Key);
  if (!key) {
    const raw = Uint8Array.from(atob(base64Key), (c) => c.charCodeAt(0));
    key = hkdf(sha256, raw, undefined, utf8ToBytes(HKDF_INFO), 32);
    derived.set(base64Key, key);
  }
  return key;
}

function codeHash(key: Uint8Array, id: string, code: string): string {
  return bytesToHex(hmac(sha256, key, utf8ToBytes(`${id}.${code}`)));
}

/** What people type: digits, perhaps with spaces or a dash. */
export function normaliseEmailCode(raw: string): string {
  return raw.replace(/[\s-]/g, "");
}

export interface EmailCodeRequestInput {
  readonly email: string;
  readonly now: Date;
  readonly actor: Actor;
}

export interface EmailCodeRequest extends EmailCodeRequestInput {
  /** Whether the per-address limits let a message go to this address now. */
  readonly allowed: boolean;
}

/**
 * The part of a code request done before the response: the same work for every address. Ok
 * (the caller answers 202 and runs sendRequestedEmailCode after the response), or 429 for the IP.
 */
export async function requestEmailCode(db: Db, input: EmailCodeRequestInput, cfg: Config): Promise<Result<EmailCodeRequest>> {
  if (!cfg.EMAIL_SIGN_IN_CODES) return err("email_codes_disabled");
  const ipLimit = await consumeMailIpLimit(db, input.actor.ip, input.now, cfg);
  if (!ipLimit.allowed) return err("too_many_requests", ipLimit.retryAfterSeconds);
  const allowed = await allowMailToAddress(db, "email-sign-in-code", input.email, input.now, cfg);
  return ok({ ...input, allowed });
}

/** After the response: the lookup, the code (superseding older ones) and the mail, with the audit row, in one transaction. */
export async function sendRequestedEmailCode(db: Db, request: EmailCodeRequest, cfg: Config): Promise<void> {
  await db.transaction(async (tx) => {
    const user = await findUserByEmail(tx, request.email);
    const reason = user === null || user.status !== "active" ? "no_active_account" : user.emailVerifiedAt === null ? "unverified" : null;
    const sent = request.allowed && reason === null && user !== null;
    if (sent) {
      await supersedeEmailCodes(tx, user.id, request.now);
      const id = crypto.randomUUID();
      const code = randomEmailCode();
      const keyId = cfg.totpCurrentKeyId;
      const key = codeKey(cfg, keyId);
      if (!key) throw new Error("TOTP_ENCRYPTION_KEYS: the current key is missing");
      await insertEmailCode(tx, id, {
        userId: user.id,
        subjectHash: subjectHash(user.email),
        codeHash: codeHash(key, id, code),
        keyId,
        createdAt: request.now,
        expiresAt: addSeconds(request.now, EMAIL_CODE_TTL_SECONDS),
      });
      const minutes = Math.round(EMAIL_CODE_TTL_SECONDS / 60);
      await queueMail(
        tx,
        templates.emailSignInCode(user.email, code, minutes, link(cfg.APP_URL, PAGES.signIn)),
        cfg.mailTransport,
        request.now,
      );
    }
    await recordAuditEvent(tx, {
      type: "email_code.requested",
      result: reason === null ? "success" : "failure",
      actor: request.actor,
      targetId: user?.id ?? null,
      subjectHash: subjectHash(request.email),
      now: request.now,
      details: { sent, ...(reason ? { reason } : {}), ...(request.allowed ? {} : { limited: "address" }) },
    });
  });
}

export interface EmailCodeSignInInput {
  readonly email: string;
  readonly code: string;
  readonly now: Date;
  readonly actor: Actor;
  /** The trusted-device cookie: it stands in for the second step exactly as after a password. */
  readonly trustedDeviceToken?: string | null;
}

/** Thrown inside the sign-in transaction when a parallel request spent the code first: rolls the sign-in back. */
class CodeSpentElsewhere extends Error {}

function ipRule(cfg: Config) {
  return { limit: cfg.IP_LOGIN_FAILURES_PER_WINDOW, windowSeconds: cfg.IP_LOGIN_WINDOW_SECONDS };
}

/**
 * Checks a code and signs in: a session, or mfa_required when the account has a second factor
 * (the same outcome a password gives). Every refusal is invalid_sign_in_code (or 429 for the IP).
 */
export async function signInWithEmailCode(db: Db, input: EmailCodeSignInInput, cfg: Config): Promise<Result<SignInOutcome>> {
  if (!cfg.EMAIL_SIGN_IN_CODES) return err("email_codes_disabled");
  const ipBucket = ipKey("login-failures", input.actor.ip);
  const ipSlot = await takeRateLimitSlot(db, ipBucket, ipRule(cfg), input.now);
  if (!ipSlot.allowed) return err("too_many_requests", ipSlot.retryAfterSeconds);

  const subject = subjectHash(input.email);
  const code = normaliseEmailCode(input.code);
  const attempt = await takeEmailCodeAttempt(db, subject, EMAIL_CODE_MAX_ATTEMPTS, input.now);
  // the same HMAC and comparison with or without a live code
  const key = (attempt && codeKey(cfg, attempt.keyId)) ?? codeKey(cfg, cfg.totpCurrentKeyId)!;
  const computed = codeHash(key, attempt?.id ?? DUMMY_ID, code);
  const matches = timingSafeEqual(computed, attempt?.codeHash ?? DUMMY_HASH) && attempt !== null;
  const user = matches ? await findUserById(db, attempt.userId) : null;
  const usable = user !== null && user.status === "active" && subjectHash(user.email) === subject;

  if (!attempt || !matches || !user || !usable) {
    const burned = attempt !== null && (attempt.attempts >= EMAIL_CODE_MAX_ATTEMPTS || matches);
    await db.transaction(async (tx) => {
      if (attempt && burned) await burnEmailCode(tx, attempt.id, input.now);
      await recordAuditEvent(tx, {
        type: "email_code.failure",
        result: "failure",
        actor: input.actor,
        targetId: attempt?.userId ?? null,
        subjectHash: subject,
        now: input.now,
        details: {
          reason: attempt === null ? "no_live_code" : matches ? "account_unusable" : "wrong_code",
          ...(attempt ? { attempts: attempt.attempts, burned } : {}),
        },
      });
    });
    return err("invalid_sign_in_code");
  }

  await refundRateLimitSlot(db, ipBucket, input.now);
  try {
    const outcome = await completeSignIn(
      db,
      {
        user,
        subject,
        method: "email",
        loginDeviceId: null,
        now: input.now,
        actor: input.actor,
        trustedDeviceToken: input.trustedDeviceToken,
        purpose: "login",
        alsoInTransaction: async (tx, result) => {
          if (!(await spendEmailCode(tx, attempt.id, input.now))) throw new CodeSpentElsewhere();
          await recordAuditEvent(tx, {
            type: "email_code.signed_in",
            result: "success",
            actor: input.actor,
            actorId: user.id,
            targetId: user.id,
            subjectHash: subject,
            now: input.now,
            details: { attempts: attempt.attempts, outcome: result.kind },
          });
        },
      },
      cfg,
    );
    return ok(outcome);
  } catch (error) {
    if (error instanceof CodeSpentElsewhere) return err("invalid_sign_in_code");
    throw error;
  }
}
