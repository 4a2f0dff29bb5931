/**
 * The second sign-in step: an MFA challenge (from the password step) plus a TOTP or backup
 * code gives a NEW aal2 session — amr ["pwd","otp"] or ["pwd","backup_code"] ("fed" instead of
 * "pwd" after a social sign-in, as the challenge records) — and, on request,
 * a trusted-device token for this browser. A challenge from the token route (purpose "token")
 * ends in a token pair instead of a cookie: the new aal2 session becomes the refresh family
 * (lib/tokens/refresh.ts issueTokenPair), in the same transaction.
 *
 * Model: the challenge (lib/mfa/challenge.ts) is bound to one user and one password step,
 * lives MFA_CHALLENGE_TTL_SECONDS (5 minutes) and yields at most one session: it is spent by a
 * guarded UPDATE in the same transaction that creates the session. A wrong code does not spend
 * it (the user may correct a typo); guessing is bounded by the shared second-factor failure
 * counter (5 failures block the factor for 15 minutes), not by the challenge. The code is
 * always checked against the challenge's own user, so another user's code never works.
 *
 * Threats: skipping the second step (only a spent challenge plus a verified factor reaches
 * aal2), replaying a challenge (single use), session fixation (always a new session id).
 * Checklist #26, #36, #46, #47.
 */
import type { Config } from "../config";
import type { Db } from "../db";
import { err, ok, type Result } from "../errors";
import type { Actor } from "../http/context";
import { recordAuditEvent } from "../audit/audit";
import { findUserById, type UserRecord } from "../users/queries";
import { subjectHash } from "../users/email";
import { renewLoginDevice } from "../users/login-devices";
import type { IssuedSession } from "../sessions/sessions";
import { startSignInSession } from "./sign-in-session";
import { issueTokenPair, type IssuedTokenPair } from "../tokens/refresh";
import { findMfaChallenge, spendMfaChallenge } from "../mfa/challenge";
import { verifySecondFactor, type SecondFactorMethod } from "../mfa/verification";
import { trustDevice, type TrustedDevice } from "../mfa/trusted-devices";

export interface SecondStepInput {
  readonly challenge: string;
  readonly code: string;
  readonly trustDevice: boolean;
  readonly now: Date;
  readonly actor: Actor;
}

export interface SecondStepDone {
  readonly user: UserRecord;
  readonly issued: IssuedSession;
  /** Set for a token-purpose challenge: answer with the pair, not a session cookie. */
  readonly tokens: IssuedTokenPair | null;
  readonly method: SecondFactorMethod;
  /** The trusted-device token for the cookie, when the user asked to trust this browser. */
  readonly device: { readonly token: string; readonly device: TrustedDevice } | null;
  /** The login-device cookie for a browser sign-in (lib/accounts/login-devices.ts). */
  readonly loginDevice: { readonly token: string; readonly expiresAt: Date } | null;
}

const SECOND_AMR: Record<SecondFactorMethod, string> = { totp: "otp", backup_code: "backup_code" };

export async function completeSecondStep(db: Db, input: SecondStepInput, cfg: Config): Promise<Result<SecondStepDone>> {
  const challenge = await findMfaChallenge(db, input.challenge, input.now);
  if (!challenge) return err("invalid_challenge");
  const user = await findUserById(db, challenge.userId);
  if (user?.status !== "active") return err("invalid_challenge");

  const verified = await verifySecondFactor(db, { userId: user.id, code: input.code, now: input.now, actor: input.actor }, cfg);
  if (!verified.ok) return verified;
  const method = verified.value.method;

  return db.transaction(async (tx): Promise<Result<SecondStepDone>> => {
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
  });
}
