import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import type { Config } from "../config";
import type { Db, Queryable } from "../db";
import { err, ok, type Result } from "../errors";
import type { Actor } from "../http/context";
import { recordAuditEvent } from "../audit/audit";
import { sha256Hex } from "../crypto/digest";
import { consumeRateLimit } from "../rate-limit/rate-limit";
import { findUserById, type UserRecord } from "../users/queries";
import { subjectHash } from "../users/email";
import { renewLoginDevice } from "../users/login-devices";
import type { IssuedSession } from "../sessions/sessions";
import { startSignInSession } from "./sign-in-session";
import { issueTokenPair, type IssuedTokenPair } from "../tokens/refresh";
import { findMfaChallenge, spendMfaChallenge, type LiveChallenge } from "../mfa/challenge";
import {
  countSecondFactorFailure,
  refuseBlockedSecondFactor,
  secondFactorLockRule,
  verifySecondFactor,
  type SecondFactorMethod,
} from "../mfa/verification";
import { resetSecondFactorFailures, takeAttemptSlot } from "../mfa/queries";
import { trustDevice, type TrustedDevice } from "../mfa/trusted-devices";
import { spendWebauthnChallenge } from "../mfa/passkey-queries";
import { challengeOf } from "../mfa/passkeys";
import { assertionOptionsFor, auditPasskeyFailure, recordPasskeyAssertion, verifyPasskeyAssertion } from "../mfa/passkey-assertion";

export interface SecondStepInput {
  readonly challenge: string;
  readonly code: string;
  readonly trustDevice: boolean;
  readonly now: Date;
  readonly actor: Actor;
}

/** How the second step was answered. */
export type SecondStepMethodUsed = SecondFactorMethod | "passkey";

export interface SecondStepDone {
  readonly user: UserRecord;
  readonly issued: IssuedSession;
  /** Set for a token-purpose challenge: answer with the pair, not a session cookie. */
  readonly tokens: IssuedTokenPair | null;
  readonly method: SecondStepMethodUsed;
  /** The trusted-device token for the cookie, when the user asked to trust this browser. */
  readonly device: { readonly token: string; readonly device: TrustedDevice } | null;
  /** The login-device cookie for a browser sign-in (lib/accounts/login-devices.ts). */
  readonly loginDevice: { readonly token: string; readonly expiresAt: Date } | null;
}

/** The amr entry of each second-step method (RFC 8176; "hwk" as for a passkey sign-in). */
const SECOND_AMR: Record<SecondStepMethodUsed, string> = { totp: "otp", backup_code: "backup_code", passkey: "hwk" };

/** Passkey options per MFA challenge (each page's "Use a passkey" asks once; retries ask again). */
const PASSKEY_OPTIONS_RULE = { limit: 10, windowSeconds: 600 };

/** The live challenge and its user (active), or null: answered as invalid_challenge. */
async function findChallengeAndUser(db: Db, token: string, now: Date): Promise<{ challenge: LiveChallenge; user: UserRecord } | null> {
  const challenge = await findMfaChallenge(db, token, now);
  if (!challenge) return null;
  const user = await findUserById(db, challenge.userId);
  return user?.status === "active" ? { challenge, user } : null;
}

export async function completeSecondStep(db: Db, input: SecondStepInput, cfg: Config): Promise<Result<SecondStepDone>> {
  const live = await findChallengeAndUser(db, input.challenge, input.now);
  if (!live) return err("invalid_challenge");
  const { challenge, user } = live;

  const verified = await verifySecondFactor(db, { userId: user.id, code: input.code, now: input.now, actor: input.actor }, cfg);
  if (!verified.ok) return verified;
  const method = verified.value.method;
  return db.transaction((tx) => finishSecondStep(tx, { ...input, challenge, user, method }, cfg));
}

interface FinishInput {
  readonly challenge: LiveChallenge;
  readonly user: UserRecord;
  readonly method: SecondStepMethodUsed;
  readonly trustDevice: boolean;
  readonly now: Date;
  readonly actor: Actor;
}

/** Spends the challenge and starts the aal2 session (and the token pair, trusted device, login device), in the caller's transaction. */
async function finishSecondStep(tx: Queryable, input: FinishInput, cfg: Config): Promise<Result<SecondStepDone>> {
  const { challenge, user, method } = input;
  if (!(await spendMfaChallenge(tx, challenge.id, input.now))) return err("invalid_challenge");
  const amr = [challenge.firstFactor, SECOND_AMR[method]];
  const issued = await startSignInSession(
    tx,
    { userId: user.id, subjectHash: subjectHash(user.email), aal: 2, amr, now: input.now, actor: input.actor },
    cfg,
  );
  const tokens =
    challenge.purpose === "token"
      ? await issueTokenPair(tx, { sessionId: issued.session.id, now: input.now, actor: input.actor, source: "mfa" }, cfg)
      : null;
  let device: SecondStepDone["device"] = null;
  if (input.trustDevice) {
    device = await trustDevice(tx, {
      userId: user.id,
      label: input.actor.userAgent,
      ip: input.actor.ip,
      now: input.now,
      ttlSeconds: cfg.TRUSTED_DEVICE_TTL_SECONDS,
    });
    await recordAuditEvent(tx, {
      type: "device.trusted",
      result: "success",
      actor: input.actor,
      actorId: user.id,
      targetId: user.id,
      sessionId: issued.session.id,
      now: input.now,
      details: { deviceId: device.device.id, expiresAt: device.device.expiresAt.toISOString() },
    });
  }
  const loginDevice = challenge.purpose === "login" ? await renewLoginDevice(tx, subjectHash(user.email), null, input.now, cfg) : null;
  return ok({ user, issued, tokens, method, device, loginDevice });
}

/** The WebAuthn challenge of a second step is bound to its MFA challenge, never to a browser or session. */
function bindingOf(challenge: LiveChallenge) {
  return { purpose: "authentication", bindingHash: sha256Hex(`mfa:${challenge.id}`) } as const;
}

export interface PasskeySecondStepStart {
  /** The MFA challenge token from the password step. */
  readonly challenge: string;
  readonly now: Date;
  readonly actor: Actor;
}

/** Authentication options for answering the second step with one of the account's passkeys (409 no_passkeys without one). */
export async function startPasskeySecondStep(
  db: Db,
  input: PasskeySecondStepStart,
  cfg: Config,
): Promise<Result<PublicKeyCredentialRequestOptionsJSON>> {
  const live = await findChallengeAndUser(db, input.challenge, input.now);
  if (!live) return err("invalid_challenge");
  const limit = await consumeRateLimit(db, `passkey-options:mfa:${live.challenge.id}`, PASSKEY_OPTIONS_RULE, input.now);
  if (!limit.allowed) return err("too_many_requests", limit.retryAfterSeconds);
  return assertionOptionsFor(db, live.user.id, bindingOf(live.challenge), input.now, cfg);
}

export interface PasskeySecondStepInput extends PasskeySecondStepStart {
  readonly response: AuthenticationResponseJSON;
  readonly trustDevice: boolean;
}

export async function completePasskeySecondStep(db: Db, input: PasskeySecondStepInput, cfg: Config): Promise<Result<SecondStepDone>> {
  const live = await findChallengeAndUser(db, input.challenge, input.now);
  if (!live) return err("invalid_challenge");
  const { challenge, user } = live;
  const who = { userId: user.id, now: input.now, actor: input.actor };
  // the slot first, before any work: parallel answers cannot pass the failure limit
  const slot = await takeAttemptSlot(db, user.id, secondFactorLockRule(cfg), input.now);
  if (!slot) return refuseBlockedSecondFactor(db, who, "passkey", cfg);

  const webauthnChallenge = challengeOf(input.response.response.clientDataJSON);
  if (!webauthnChallenge || !(await spendWebauthnChallenge(db, webauthnChallenge, bindingOf(challenge), input.now))) {
    await auditPasskeyFailure(db, { stage: "second_step", now: input.now, actor: input.actor }, user.id, "challenge");
    return countSecondFactorFailure(db, who, cfg, slot, "passkey", "invalid_passkey");
  }
  const verified = await verifyPasskeyAssertion(
    db,
    {
      response: input.response,
      challenge: webauthnChallenge,
      expectedUserId: user.id,
      stage: "second_step",
      now: input.now,
      actor: input.actor,
    },
    cfg,
  );
  if (!verified.ok) return countSecondFactorFailure(db, who, cfg, slot, "passkey", "invalid_passkey");

  return db.transaction(async (tx): Promise<Result<SecondStepDone>> => {
    if (!(await recordPasskeyAssertion(tx, verified.value, input.actor, input.now))) {
      return countSecondFactorFailure(tx, who, cfg, slot, "passkey", "invalid_passkey");
    }
    const done = await finishSecondStep(tx, { ...input, challenge, user, method: "passkey" }, cfg);
    if (!done.ok) return done;
    await resetSecondFactorFailures(tx, user.id);
    await recordAuditEvent(tx, {
      type: "mfa.success",
      result: "success",
      actor: input.actor,
      actorId: user.id,
      targetId: user.id,
      sessionId: done.value.issued.session.id,
      now: input.now,
      details: { method: "passkey", passkeyId: verified.value.passkey.id },
    });
    return done;
  });
}
