/**
 * Verifies a second-factor code — a TOTP code or a backup code — for a user who has an active
 * factor. Used by the second sign-in step (lib/mfa/second-step.ts) and by re-authentication.
 *
 * Model:
 *  - One failure counter for both kinds of code (users.mfa_failed_count / mfa_locked_until).
 *    Each attempt first takes a slot (counted as a failure until it succeeds); the
 *    MFA_MAX_FAILURES-th consecutive failure blocks the second factor for MFA_LOCK_SECONDS,
 *    during which even a correct code is refused (429 mfa_locked, Retry-After), and the user
 *    is emailed. A success resets the count.
 *  - TOTP: steps T and T-1 only; the matched step is claimed with one guarded UPDATE
 *    (last_used_step < step), so a code works once and of two parallel submissions exactly one
 *    wins; the other gets 401 otp_already_used.
 *  - Backup codes: one lookup by prefix, one argon2id verification, spent by a guarded UPDATE;
 *    a spent code gets 401 code_already_used.
 * Every outcome is audited (mfa.success, backup_code.used, mfa.failed, mfa.locked) without the
 * code. Checklist #16, #45, #46, #49.
 */
import type { Config } from "../config";
import type { Db, Queryable } from "../db";
import { addSeconds, secondsBetween } from "../clock";
import { err, ok, type ErrorCode, type Result } from "../errors";
import type { Actor } from "../http/context";
import { recordAuditEvent } from "../audit/audit";
import { queueMail } from "../email/mailer";
import { link, templates } from "../email/templates";
import { findUserById } from "../accounts/queries";
import { openEnvelope } from "../crypto/envelope";
import { checkBackupCode, spendBackupCode } from "./backup-codes";
import { isTotpCodeShape, totpEnvelopeContext, verifyTotp } from "./totp";
import {
  claimTotpStep,
  countUnusedBackupCodes,
  findFactor,
  findMfaLock,
  resetSecondFactorFailures,
  takeAttemptSlot,
  type AttemptSlot,
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

  const slot = await takeAttemptSlot(db, input.userId, cfg.MFA_MAX_FAILURES, addSeconds(input.now, cfg.MFA_LOCK_SECONDS), input.now);
  if (!slot) {
    const lockedUntil = await findMfaLock(db, input.userId);
    await recordAuditEvent(db, { ...audit, type: "mfa.failed", result: "failure", details: { method, reason: "mfa_locked" } });
    return err("mfa_locked", lockedUntil ? Math.max(1, secondsBetween(input.now, lockedUntil)) : cfg.MFA_LOCK_SECONDS);
  }

  if (method === "totp") {
    const secret = await openEnvelope(factor.encryptedSecret, totpEnvelopeContext(input.userId), cfg);
    if (!secret) throw new Error(`TOTP secret of factor ${factor.id} cannot be decrypted: is its key id still in TOTP_ENCRYPTION_KEYS?`);
    const step = verifyTotp(secret, input.code, input.now);
    if (step === null) return fail(db, input, cfg, slot, method, "invalid_mfa_code");
    return db.transaction(async (tx) => {
      if (!(await claimTotpStep(tx, factor.id, step))) return fail(tx, input, cfg, slot, method, "otp_already_used");
      await resetSecondFactorFailures(tx, input.userId);
      await recordAuditEvent(tx, { ...audit, type: "mfa.success", result: "success", details: { method } });
      return ok({ method });
    });
  }

  const check = await checkBackupCode(db, input.userId, input.code);
  if (check.kind === "invalid") return fail(db, input, cfg, slot, method, "invalid_mfa_code");
  if (check.kind === "used") return fail(db, input, cfg, slot, method, "code_already_used");
  return db.transaction(async (tx) => {
    if (!(await spendBackupCode(tx, check.id, input.now))) return fail(tx, input, cfg, slot, method, "code_already_used");
    await resetSecondFactorFailures(tx, input.userId);
    const remaining = await countUnusedBackupCodes(tx, input.userId);
    await recordAuditEvent(tx, { ...audit, type: "backup_code.used", result: "success", details: { remaining } });
    await recordAuditEvent(tx, { ...audit, type: "mfa.success", result: "success", details: { method } });
    return ok({ method });
  });
}

/** A failed attempt (already counted by its slot): audit it, and announce the block it set. */
async function fail(
  q: Queryable,
  input: SecondFactorInput,
  cfg: Config,
  slot: AttemptSlot,
  method: SecondFactorMethod,
  reason: Extract<ErrorCode, "invalid_mfa_code" | "otp_already_used" | "code_already_used">,
): Promise<Result<never>> {
  const audit = { actor: input.actor, actorId: input.userId, targetId: input.userId, now: input.now };
  await recordAuditEvent(q, { ...audit, type: "mfa.failed", result: "failure", details: { method, reason, failures: slot.failures } });
  if (slot.lockedUntil) {
    await recordAuditEvent(q, { ...audit, type: "mfa.locked", result: "failure", details: { failures: slot.failures, lockedUntil: slot.lockedUntil.toISOString() } });
    const user = await findUserById(q, input.userId);
    if (user) await queueMail(q, templates.mfaLocked(user.email, link(cfg.APP_URL, "/reset-password")), cfg.mailTransport, input.now);
  }
  return err(reason);
}
