/**
 * The TOTP factor's life: setup -> confirm -> (regenerate backup codes) -> disable.
 *
 * Enrolment needs a verified email address (403 email_not_verified): otherwise whoever registers
 * someone else's address first could plant a factor the owner cannot remove (a password reset,
 * which proves the mailbox, removes such factors from before this rule: lib/mfa/recovery.ts).
 *
 * Model: setup (inside the re-authentication window) creates or replaces the user's one
 * PENDING factor with a new 160-bit secret — every setup call gives a new secret and voids the
 * previous pending one — and returns it once, as base32, otpauth:// URI and QR code (SVG).
 * Nothing changes for sign-in until confirm receives a valid code for that secret: then the
 * factor becomes ACTIVE (the confirming step counts as used), 10 backup codes are created and
 * returned once, and the current session steps up to aal2 (the user just proved the factor).
 * The secret is stored only inside an AES-256-GCM envelope bound to the user, and no route
 * returns it after setup.
 *
 * Enabling, disabling and regenerating backup codes are changes to an authentication factor:
 * each ends the user's other sessions (and their refresh tokens), re-issues the current one
 * (a new id), writes its audit row in the same transaction and queues a notice to the
 * account's address. Disabling and regenerating also
 * need an aal2 session (a trusted-device sign-in is aal1), so a remembered browser and the
 * password alone can never remove or replace the second factor.
 *
 * Checklist #33, #35, #44, #50, #51, #52.
 */
import type { Config } from "../config";
import type { Db, Queryable } from "../db";
import { err, ok, type Result } from "../errors";
import type { Actor } from "../http/context";
import { PAGES } from "../http/pages";
import { recordAuditEvent } from "../audit/audit";
import { queueMail } from "../email/mailer";
import { link, templates, type MailMessage } from "../email/templates";
import { openEnvelope, sealEnvelope } from "../crypto/envelope";
import { revokeUserSessions } from "../sessions/queries";
import { rotateSession, type IssuedSession, type SessionRecord, type SessionUser } from "../sessions/sessions";
import { generateBackupCodes, type NewBackupCode } from "./backup-codes";
import { newTotpSecret, secretBytes, totpEnvelopeContext, totpQrCodeSvg, totpUri, verifyTotp } from "./totp";
import { revokeAllTrustedDevices } from "./trusted-devices";
import {
  activateFactor,
  deleteBackupCodes,
  deleteFactors,
  findFactor,
  insertBackupCodes,
  lockActiveFactor,
  resetSecondFactorFailures,
  upsertPendingFactor,
} from "./queries";

/** The signed-in caller of a factor change: their session (kept and re-issued) and account. */
export interface FactorChangeInput {
  readonly session: SessionRecord;
  readonly user: SessionUser;
  readonly now: Date;
  readonly actor: Actor;
}

export interface TotpSetup {
  /** Base32, 32 characters (160 bits): shown once, for manual entry. */
  readonly secret: string;
  readonly uri: string;
  readonly qrCodeSvg: string;
}

export async function startTotpSetup(db: Db, input: FactorChangeInput, cfg: Config): Promise<Result<TotpSetup>> {
  if (!input.user.emailVerified) return err("email_not_verified");
  if (await findFactor(db, input.user.id, "active")) return err("mfa_already_enabled");
  const secret = newTotpSecret();
  const encrypted = await sealEnvelope(secretBytes(secret), totpEnvelopeContext(input.user.id), cfg);
  await db.transaction(async (tx) => {
    const factorId = await upsertPendingFactor(tx, input.user.id, encrypted, input.now);
    await recordAuditEvent(tx, {
      type: "mfa.setup",
      result: "success",
      actor: input.actor,
      actorId: input.user.id,
      targetId: input.user.id,
      sessionId: input.session.id,
      now: input.now,
      details: { factorId },
    });
  });
  const uri = totpUri(secret, input.user.email, cfg.TOTP_ISSUER);
  return ok({ secret, uri, qrCodeSvg: await totpQrCodeSvg(uri) });
}

export interface FactorChanged {
  /** The caller's session, re-issued with a new id (set it as the cookie). */
  readonly issued: IssuedSession;
  readonly revokedSessions: number;
}

export interface TotpEnabled extends FactorChanged {
  /** The 10 backup codes, shown once. */
  readonly backupCodes: readonly string[];
}

export async function confirmTotp(db: Db, input: FactorChangeInput & { code: string }, cfg: Config): Promise<Result<TotpEnabled>> {
  if (!input.user.emailVerified) return err("email_not_verified");
  if (await findFactor(db, input.user.id, "active")) return err("mfa_already_enabled");
  const pending = await findFactor(db, input.user.id, "pending");
  if (!pending) return err("mfa_setup_not_started");
  const secret = await openEnvelope(pending.encryptedSecret, totpEnvelopeContext(input.user.id), cfg);
  if (!secret) throw new Error(`TOTP secret of factor ${pending.id} cannot be decrypted: is its key id still in TOTP_ENCRYPTION_KEYS?`);
  const step = verifyTotp(secret, input.code, input.now);
  if (step === null) {
    await recordAuditEvent(db, {
      type: "mfa.failed",
      result: "failure",
      actor: input.actor,
      actorId: input.user.id,
      targetId: input.user.id,
      sessionId: input.session.id,
      now: input.now,
      details: { method: "totp", reason: "invalid_setup_code", stage: "confirm" },
    });
    return err("invalid_setup_code");
  }
  const codes = await generateBackupCodes();
  return db.transaction(async (tx) => {
    // guarded by the pending row's id: a setup that replaced the secret meanwhile wins
    if (!(await activateFactor(tx, pending.id, step, input.now))) return err("mfa_setup_not_started");
    await replaceBackupCodes(tx, input.user.id, codes, input.now);
    await resetSecondFactorFailures(tx, input.user.id);
    await revokeAllTrustedDevices(tx, input.user.id, input.now);
    const amr = [...new Set([...input.session.amr.filter((m) => m !== "device"), "otp"])];
    const changed = await endOtherSessions(tx, input, { aal: 2, amr }, cfg);
    await recordAuditEvent(tx, {
      type: "mfa.enrolled",
      result: "success",
      actor: input.actor,
      actorId: input.user.id,
      targetId: input.user.id,
      sessionId: changed.issued.session.id,
      now: input.now,
      details: {
        previousSessionId: input.session.id,
        factorId: pending.id,
        backupCodes: codes.length,
        revokedSessions: changed.revokedSessions,
      },
    });
    await notify(tx, templates.mfaEnabled(input.user.email, securityUrl(cfg)), input.now, cfg);
    return ok({ ...changed, backupCodes: codes.map((c) => c.code) });
  });
}

export async function disableTotp(db: Db, input: FactorChangeInput, cfg: Config): Promise<Result<FactorChanged>> {
  if (!(await findFactor(db, input.user.id, "active"))) return err("mfa_not_enabled");
  if (input.session.aal !== 2) return err("mfa_required");
  return db.transaction(async (tx) => {
    if (!(await lockActiveFactor(tx, input.user.id))) return err("mfa_not_enabled");
    await deleteFactors(tx, input.user.id);
    const deletedCodes = await deleteBackupCodes(tx, input.user.id);
    const revokedDevices = await revokeAllTrustedDevices(tx, input.user.id, input.now);
    await resetSecondFactorFailures(tx, input.user.id);
    const changed = await endOtherSessions(tx, input, {}, cfg);
    await recordAuditEvent(tx, {
      type: "mfa.disabled",
      result: "success",
      actor: input.actor,
      actorId: input.user.id,
      targetId: input.user.id,
      sessionId: changed.issued.session.id,
      now: input.now,
      details: {
        previousSessionId: input.session.id,
        deletedBackupCodes: deletedCodes,
        revokedDevices,
        revokedSessions: changed.revokedSessions,
      },
    });
    await notify(tx, templates.mfaDisabled(input.user.email, securityUrl(cfg)), input.now, cfg);
    return ok(changed);
  });
}

export async function regenerateBackupCodes(db: Db, input: FactorChangeInput, cfg: Config): Promise<Result<TotpEnabled>> {
  if (!(await findFactor(db, input.user.id, "active"))) return err("mfa_not_enabled");
  if (input.session.aal !== 2) return err("mfa_required");
  const codes = await generateBackupCodes();
  return db.transaction(async (tx) => {
    // the row lock serialises parallel regenerations: exactly one set survives
    if (!(await lockActiveFactor(tx, input.user.id))) return err("mfa_not_enabled");
    await replaceBackupCodes(tx, input.user.id, codes, input.now);
    const changed = await endOtherSessions(tx, input, {}, cfg);
    await recordAuditEvent(tx, {
      type: "backup_codes.regenerated",
      result: "success",
      actor: input.actor,
      actorId: input.user.id,
      targetId: input.user.id,
      sessionId: changed.issued.session.id,
      now: input.now,
      details: {
        previousSessionId: input.session.id,
        backupCodes: codes.length,
        revokedSessions: changed.revokedSessions,
      },
    });
    await notify(tx, templates.backupCodesRegenerated(input.user.email, securityUrl(cfg)), input.now, cfg);
    return ok({ ...changed, backupCodes: codes.map((c) => c.code) });
  });
}

async function replaceBackupCodes(tx: Queryable, userId: string, codes: readonly NewBackupCode[], now: Date): Promise<void> {
  await deleteBackupCodes(tx, userId);
  await insertBackupCodes(tx, userId, codes, now);
}

/** Ends every other session of the user and re-issues the caller's (checklist #33). */
async function endOtherSessions(
  tx: Queryable,
  input: FactorChangeInput,
  change: { aal?: 1 | 2; amr?: readonly string[] },
  cfg: Config,
): Promise<FactorChanged> {
  const revokedSessions = await revokeUserSessions(tx, input.user.id, "mfa_changed", input.now, input.session.id);
  const issued = await rotateSession(
    tx,
    input.session,
    { ...change, now: input.now, ip: input.actor.ip, userAgent: input.actor.userAgent },
    cfg,
  );
  return { issued, revokedSessions };
}

function securityUrl(cfg: Config): string {
  return link(cfg.APP_URL, PAGES.resetPassword);
}

function notify(tx: Queryable, message: MailMessage, now: Date, cfg: Config): Promise<void> {
  return queueMail(tx, message, cfg.mailTransport, now);
}
