/**
 * Sign-in with a passkey (WebAuthn discoverable credential): no email, no password.
 *
 * Model: options come with a 256-bit challenge stored in webauthn_challenges bound to the SHA-256
 * of a random pre-authentication token that the route sets as an HttpOnly, SameSite=Strict
 * cookie (PASSKEY_CHALLENGE_TTL_SECONDS); allowCredentials is empty so the browser offers every
 * passkey it holds for the RP ID (the button and the email field's autofill alike). The response
 * names its credential; its challenge must be live and bound to the caller's cookie, and is spent
 * by one guarded UPDATE before the signature is checked (a failure spends it too). Then, with
 * @simplewebauthn/server: signature over authenticatorData || SHA-256(clientDataJSON) with the
 * stored public key, origin = APP_URL's origin, RP ID = its host name, user verification
 * required; the user handle, if sent, must be the credential owner's. The sign counter rule
 * (WebAuthn §7.2 step 21) is one guarded UPDATE: a counter that does not grow (unless both are 0)
 * is refused and audited as passkey.counter_regressed (a cloned authenticator or a replay).
 *
 * Outcome: a NEW session from startSignInSession (as every sign-in: last_login_at, login.success)
 * at aal2 with amr ["hwk", "mfa"] (RFC 8176: proof of possession of a key held by an authenticator, and
 * more than one factor, since the authenticator verified the user), reauthenticated now. A
 * passkey is phishing-resistant and already two factors, so no TOTP step follows.
 *
 * Threats: replay (single-use challenge), a challenge lifted into another browser (cookie
 * binding), phishing (origin and RP ID), cloned authenticators (counter), another user's
 * credential (user handle check, and the credential's own key), unknown or removed credentials
 * (one generic invalid_passkey). Options are limited per IP. Checklist #26, #36, #46.
 */
import { generateAuthenticationOptions } from "@simplewebauthn/server";
import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import type { Config } from "../config";
import type { Db } from "../db";
import { err, ok, type Result } from "../errors";
import type { Actor } from "../http/context";
import { sha256Hex } from "../crypto/digest";
import { randomToken } from "../crypto/random";
import { consumeRateLimit, ipKey } from "../rate-limit/rate-limit";
import type { IssuedSession } from "../sessions/sessions";
import { startSignInSession } from "./sign-in-session";
import { subjectHash } from "../users/email";
import type { UserRecord } from "../users/queries";
import { spendWebauthnChallenge } from "../mfa/passkey-queries";
import { challengeOf, newWebauthnChallenge } from "../mfa/passkeys";
import { auditPasskeyFailure, recordPasskeyAssertion, verifyPasskeyAssertion } from "../mfa/passkey-assertion";

/** The amr of a passkey session (documented in docs/api/passkeys.md). */
export const PASSKEY_AMR = ["hwk", "mfa"] as const;

/** Sign-in options per IP and window: each page view of /sign-in asks once, for autofill. */
const OPTIONS_RULE = { limit: 60, windowSeconds: 60 };

export interface PasskeySignInStart {
  readonly options: PublicKeyCredentialRequestOptionsJSON;
  /** For the pre-authentication cookie (only its SHA-256 is stored). */
  readonly bindingToken: string;
  readonly expiresAt: Date;
}

export async function startPasskeySignIn(db: Db, input: { now: Date; actor: Actor }, cfg: Config): Promise<Result<PasskeySignInStart>> {
  const limit = await consumeRateLimit(db, ipKey("passkey-options", input.actor.ip), OPTIONS_RULE, input.now);
  if (!limit.allowed) return err("too_many_requests", limit.retryAfterSeconds);
  const bindingToken = randomToken();
  const { challenge, expiresAt } = await newWebauthnChallenge(
    db,
    { purpose: "authentication", bindingHash: sha256Hex(bindingToken) },
    input.now,
    cfg,
  );
  const options = await generateAuthenticationOptions({
    rpID: cfg.passkeyRp.id,
    challenge,
    timeout: cfg.PASSKEY_CHALLENGE_TTL_SECONDS * 1000,
    userVerification: "required",
  });
  return ok({ options, bindingToken, expiresAt });
}

export interface PasskeySignInInput {
  readonly response: AuthenticationResponseJSON;
  readonly bindingToken: string | null;
  readonly now: Date;
  readonly actor: Actor;
}

export interface PasskeySignedIn {
  readonly user: UserRecord;
  readonly issued: IssuedSession;
}

export async function finishPasskeySignIn(db: Db, input: PasskeySignInInput, cfg: Config): Promise<Result<PasskeySignedIn>> {
  const challenge = challengeOf(input.response.response.clientDataJSON);
  const binding = { purpose: "authentication", bindingHash: sha256Hex(input.bindingToken ?? "") } as const;
  if (!input.bindingToken || !challenge || !(await spendWebauthnChallenge(db, challenge, binding, input.now))) {
    await auditPasskeyFailure(db, { stage: "sign_in", now: input.now, actor: input.actor }, null, "challenge");
    return err("invalid_challenge");
  }
  const verified = await verifyPasskeyAssertion(
    db,
    { response: input.response, challenge, stage: "sign_in", now: input.now, actor: input.actor },
    cfg,
  );
  if (!verified.ok) return verified;
  const { user, passkey } = verified.value;

  return db.transaction(async (tx): Promise<Result<PasskeySignedIn>> => {
    if (!(await recordPasskeyAssertion(tx, verified.value, input.actor, input.now))) return err("invalid_passkey");
    const amr = [...PASSKEY_AMR];
    const issued = await startSignInSession(
      tx,
      {
        userId: user.id,
        subjectHash: subjectHash(user.email),
        aal: 2,
        amr,
        now: input.now,
        actor: input.actor,
        details: { method: "passkey", passkeyId: passkey.id },
      },
      cfg,
    );
    return ok({ user, issued });
  });
}
