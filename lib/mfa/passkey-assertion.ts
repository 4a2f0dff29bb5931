/**
 * Checks a passkey assertion (navigator.credentials.get) whose challenge the caller has already
 * spent: the credential must be registered to an active account (to `expectedUserId` when the
 * ceremony is for a known account), a sent user handle must be its owner's, and
 * @simplewebauthn/server checks the signature with the stored public key, the origin (APP_URL's),
 * the RP ID (its host name), the challenge and user verification (required). The sign counter is
 * not checked here: recordPasskeyAssertion does it in the caller's transaction, in the UPDATE
 * that records the use (WebAuthn §7.2 step 21). Every refusal is one invalid_passkey, audited as
 * passkey.failure with a reason.
 */
import { generateAuthenticationOptions, verifyAuthenticationResponse } from "@simplewebauthn/server";
import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import type { Config } from "../config";
import type { Db, Queryable } from "../db";
import { err, ok, type Result } from "../errors";
import type { Actor } from "../http/context";
import { recordAuditEvent } from "../audit/audit";
import { base64url, fromBase64url } from "../crypto/random";
import { findUserById, type UserRecord } from "../users/queries";
import { findPasskeyByCredentialId, listPasskeys, recordPasskeyUse, type PasskeyRecord } from "./passkey-queries";
import { newWebauthnChallenge, userHandleOf } from "./passkeys";

/**
 * Request options for an assertion by one known account's passkeys (re-authentication, the second
 * step after a password): a fresh challenge stored with `binding`, user verification required,
 * allowCredentials = the account's passkeys. no_passkeys when it has none.
 */
export async function assertionOptionsFor(
  db: Db,
  userId: string,
  binding: Parameters<typeof newWebauthnChallenge>[1],
  now: Date,
  cfg: Config,
): Promise<Result<PublicKeyCredentialRequestOptionsJSON>> {
  const passkeys = await listPasskeys(db, userId);
  if (passkeys.length === 0) return err("no_passkeys");
  const { challenge } = await newWebauthnChallenge(db, binding, now, cfg);
  return ok(
    await generateAuthenticationOptions({
      rpID: cfg.passkeyRp.id,
      challenge,
      timeout: cfg.PASSKEY_CHALLENGE_TTL_SECONDS * 1000,
      userVerification: "required",
      allowCredentials: passkeys.map((p) => ({ id: p.credentialId, transports: [...p.transports] })),
    }),
  );
}

export interface AssertionInput {
  readonly response: AuthenticationResponseJSON;
  /** The spent challenge the response must answer (base64url). */
  readonly challenge: string;
  /** Set when the ceremony is for a known account (re-authentication). */
  readonly expectedUserId?: string;
  readonly stage: "sign_in" | "reauth" | "second_step";
  readonly now: Date;
  readonly actor: Actor;
}

export interface VerifiedAssertion {
  readonly passkey: PasskeyRecord;
  readonly user: UserRecord;
  readonly newCounter: number;
  readonly backedUp: boolean;
}

export async function verifyPasskeyAssertion(db: Queryable, input: AssertionInput, cfg: Config): Promise<Result<VerifiedAssertion>> {
  const passkey = await findPasskeyByCredentialId(db, input.response.id);
  const user = passkey ? await findUserById(db, passkey.userId) : null;
  if (!passkey || user?.status !== "active" || (input.expectedUserId !== undefined && user.id !== input.expectedUserId)) {
    await auditPasskeyFailure(db, input, input.expectedUserId ?? user?.id ?? null, "unknown_credential");
    return err("invalid_passkey");
  }
  const handle = input.response.response.userHandle;
  if (handle !== undefined && handle !== base64url(userHandleOf(user.id))) {
    await auditPasskeyFailure(db, input, user.id, "user_handle");
    return err("invalid_passkey");
  }
  const publicKey = fromBase64url(passkey.publicKey);
  if (!publicKey) throw new Error(`public key of passkey ${passkey.id} is not base64url`);
  let verified: Awaited<ReturnType<typeof verifyAuthenticationResponse>> | null;
  try {
    verified = await verifyAuthenticationResponse({
      response: input.response,
      expectedChallenge: input.challenge,
      expectedOrigin: cfg.passkeyRp.origin,
      expectedRPID: cfg.passkeyRp.id,
      // the counter is checked by recordPasskeyAssertion, so that a regression is audited as such
      credential: { id: passkey.credentialId, publicKey: new Uint8Array(publicKey), counter: 0, transports: [] },
      requireUserVerification: true,
    });
  } catch {
    verified = null;
  }
  if (!verified?.verified) {
    await auditPasskeyFailure(db, input, user.id, "assertion");
    return err("invalid_passkey");
  }
  const info = verified.authenticationInfo;
  return ok({ passkey, user, newCounter: info.newCounter, backedUp: info.credentialBackedUp });
}

/** Records the use, or refuses a counter that did not grow (audited as passkey.counter_regressed). */
export async function recordPasskeyAssertion(tx: Queryable, verified: VerifiedAssertion, actor: Actor, now: Date): Promise<boolean> {
  if (await recordPasskeyUse(tx, verified.passkey.id, verified.newCounter, verified.backedUp, now)) return true;
  await recordAuditEvent(tx, {
    type: "passkey.counter_regressed",
    result: "failure",
    actor,
    targetId: verified.user.id,
    now,
    details: { passkeyId: verified.passkey.id, storedCounter: verified.passkey.signCount, receivedCounter: verified.newCounter },
  });
  return false;
}

export async function auditPasskeyFailure(
  db: Queryable,
  input: { stage: AssertionInput["stage"]; now: Date; actor: Actor },
  userId: string | null,
  reason: string,
): Promise<void> {
  await recordAuditEvent(db, {
    type: "passkey.failure",
    result: "failure",
    actor: input.actor,
    targetId: userId,
    now: input.now,
    details: { stage: input.stage, reason },
  });
}
