/**
 * Verifies a second-factor code — a TOTP code or a backup code — for a user who has an active
 * factor. Used by the second sign-in step (lib/mfa/second-step.ts) and by re-authentication.
 *
 * Model:
 *  - One failure counter for both kinds of code (users.mfa_failed_count / mfa_locked_until).
 *    Each attempt first takes a slot (counted as a failure until it succeeds); the
 *    MFA_MAX_FAILURES-th consecutive failure blocks the second factor, during which even a
 *    correct code is refused (429 mfa_locked, Retry-After), and the user is emailed. Blocks
 *    escalate: the first lasts MFA_LOCK_SECONDS, each further one in a row twice the previous,
 *    up to MFA_LOCK_MAX_SECONDS (mfa_lock_count). A success resets the count and the escalation.
 *  - TOTP: steps T and T-1 only; the matched step is claimed with one guarded UPDATE
 *    (last_used_step < step), so a code works once and of two parallel submissions exactly one
 *    wins; the other gets 401 otp_already_used and is not counted as a failure (its slot is
 *    given back), so a double click never blocks the factor.
 *  - Backup codes: one lookup by prefix, one argon2id verification, spent by a guarded UPDATE;
 *    a spent code gets 401 code_already_used.
 * Every outcome is audited (mfa.success, backup_code.used, mfa.failed, mfa.locked) without the
 * code. Checklist #16, #45, #46, #49.
 */
import type { Config } from "../config";
import type { Db, Queryable } from "../db";
import { secondsBetween } from "../clock";
import { err, ok, type ErrorCode, type Result } from "../errors";
import type { Actor } from "../http/context";
import { PAGES } from "../http/pages";
import { recordAuditEvent } from "../audit/audit";
import { queueMail } from "../email/mailer";
import { link, templates } from "../email/templates";
import { findUserById } from "../users/queries";
import { openEnvelope } from "../crypto/envelope";
import { checkBackupCode, spendBackupCode } from "./backup-codes";
import { isTotpCodeShape, totpEnvelopeContext, verifyTotp } from "./totp";
import {
  claimTotpStep,
  countUnusedBackupCodes,
  findFactor,
  findMfaLock,
  refundAttemptSlot,
  resetSecondFactorFailures,
  takeAttemptSlot,
  type AttemptSlot,
  type FactorRecord,
  type SecondFactorLockRule,
} from "./queries";

export interface SecondFactorInput {
  readonly userId: string;
  readonly code: string;
  readonly now: Date;
  readonly actor: Actor;
}

export type SecondFactorMethod = "totp" | "backup_code";

export async function verifySecondFactor(db: Db, input: SecondFactorInput, cfg: Config): Promise<Result<{ method: SecondFactorMethod }>> {
  const factor = await findFactor(db, input.userId, "active");
  if (!factor) return err("invalid_mfa_code");
  const method: SecondFactorMethod = isTotpCodeShape(input.code) ? "totp" : "backup_code";
  const audit = { actor: input.actor, actorId: input.userId, targetId: input.userId, now: input.now };

  const slot = await takeAttemptSlot(db, input.userId, secondFactorLockRule(cfg), input.now);
  if (!slot) {
    // A double click: the code the other request just used is no guess, so say so rather than
    // "blocked" (it reveals only a code that can no longer be used).
    if (method === "totp" && (await isSpentTotp(db, input, cfg))) return replayed(db, input, method, null);
    return refuseBlockedSecondFactor(db, input, method, cfg);
  }

  if (method === "totp") {
    const step = verifyTotp(await totpSecret(factor, input.userId, cfg), input.code, input.now);
    if (step === null) return countSecondFactorFailure(db, input, cfg, slot, method, "invalid_mfa_code");
    const claimed = await db.transaction(async (tx) => {
      if (!(await claimTotpStep(tx, factor.id, step))) return false;
      await resetSecondFactorFailures(tx, input.userId);
      await recordAuditEvent(tx, { ...audit, type: "mfa.success", result: "success", details: { method } });
      return true;
    });
    return claimed ? ok({ method }) : replayed(db, input, method, slot);
  }

  const check = await checkBackupCode(db, input.userId, input.code);
  if (check.kind === "invalid") return countSecondFactorFailure(db, input, cfg, slot, method, "invalid_mfa_code");
  if (check.kind === "used") return countSecondFactorFailure(db, input, cfg, slot, method, "code_already_used");
  return db.transaction(async (tx) => {
    if (!(await spendBackupCode(tx, check.id, input.now)))
      return countSecondFactorFailure(tx, input, cfg, slot, method, "code_already_used");
    await resetSecondFactorFailures(tx, input.userId);
    const remaining = await countUnusedBackupCodes(tx, input.userId);
    await recordAuditEvent(tx, { ...audit, type: "backup_code.used", result: "success", details: { remaining } });
    await recordAuditEvent(tx, { ...audit, type: "mfa.success", result: "success", details: { method } });
    return ok({ method });
  });
}

/**
 * Any second-step method other than a code (a passkey: lib/accounts/second-step.ts) counts its
 * failures toward the same counter: it takes a slot with this rule before the work, and a
 * refusal while blocked goes through refuseBlockedSecondFactor.
 */
export type CountedMethod = SecondFactorMethod | "passkey";

/** 429 mfa_locked with the block's time left, audited (a request that found no free slot). */
export async function refuseBlockedSecondFactor(
  db: Queryable,
  input: Pick<SecondFactorInput, "userId" | "now" | "actor">,
  method: CountedMethod,
  cfg: Config,
): Promise<Result<never>> {
  const audit = { actor: input.actor, actorId: input.userId, targetId: input.userId, now: input.now };
  const lockedUntil = await findMfaLock(db, input.userId);
  await recordAuditEvent(db, { ...audit, type: "mfa.failed", result: "failure", details: { method, reason: "mfa_locked" } });
  return err("mfa_locked", lockedUntil ? Math.max(1, secondsBetween(input.now, lockedUntil)) : cfg.MFA_LOCK_SECONDS);
}

export function secondFactorLockRule(cfg: Config): SecondFactorLockRule {
  return { maxFailures: cfg.MFA_MAX_FAILURES, lockSeconds: cfg.MFA_LOCK_SECONDS, maxLockSeconds: cfg.MFA_LOCK_MAX_SECONDS };
}

async function totpSecret(factor: FactorRecord, userId: string, cfg: Config): Promise<Uint8Array> {
  const secret = await openEnvelope(factor.encryptedSecret, totpEnvelopeContext(userId), cfg);
  if (!secret) throw new Error(`TOTP secret of factor ${factor.id} cannot be decrypted: is its key id still in TOTP_ENCRYPTION_KEYS?`);
  return secret;
}

/** Is this a correct code of a step already used (T or T-1, at or before the factor's last used step)? */
async function isSpentTotp(db: Db, input: SecondFactorInput, cfg: Config): Promise<boolean> {
  const factor = await findFactor(db, input.userId, "active");
  if (!factor || factor.lastUsedStep === null) return false;
  const step = verifyTotp(await totpSecret(factor, input.userId, cfg), input.code, input.now);
  return step !== null && step <= factor.lastUsedStep;
}

/**
 * A correct code that was already used (the loser of a double click, or a replay): refused
 * with otp_already_used, and NOT counted as a failure (its slot, if it took one, is given
 * back with any block that slot set), so a double click can never block the factor.
 */
async function replayed(db: Db, input: SecondFactorInput, method: SecondFactorMethod, slot: AttemptSlot | null): Promise<Result<never>> {
  const audit = { actor: input.actor, actorId: input.userId, targetId: input.userId, now: input.now };
  await db.transaction(async (tx) => {
    if (slot) await refundAttemptSlot(tx, input.userId, slot);
    await recordAuditEvent(tx, {
      ...audit,
      type: "mfa.failed",
      result: "failure",
      details: { method, reason: "otp_already_used", counted: false },
    });
  });
  return err("otp_already_used");
}

/** A failed attempt (already counted by its slot): audit it, and announce the block it set. */
export async function countSecondFactorFailure(
  q: Queryable,
  input: Pick<SecondFactorInput, "userId" | "now" | "actor">,
  cfg: Config,
  slot: AttemptSlot,
  method: CountedMethod,
  reason: Extract<ErrorCode, "invalid_mfa_code" | "code_already_used" | "invalid_passkey">,
): Promise<Result<never>> {
  const audit = { actor: input.actor, actorId: input.userId, targetId: input.userId, now: input.now };
  await recordAuditEvent(q, { ...audit, type: "mfa.failed", result: "failure", details: { method, reason, failures: slot.failures } });
  if (slot.lockedUntil) {
    await recordAuditEvent(q, {
      ...audit,
      type: "mfa.locked",
      result: "failure",
      details: { failures: slot.failures, lockedUntil: slot.lockedUntil.toISOString() },
    });
    const user = await findUserById(q, input.userId);
    if (user) await queueMail(q, templates.mfaLocked(user.email, link(cfg.APP_URL, PAGES.resetPassword)), cfg.mailTransport, input.now);
  }
  return err(reason);
}
