import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import type { Config } from "../config";
import type { Db } from "../db";
import { err, ok, type Result } from "../errors";
import type { Actor } from "../http/context";
import { recordAuditEvent } from "../audit/audit";
import { sha256Hex } from "../crypto/digest";
import { rotateSession, type IssuedSession, type SessionRecord, type SessionUser } from "../sessions/sessions";
import { spendWebauthnChallenge } from "../mfa/passkey-queries";
import { challengeOf } from "../mfa/passkeys";
import { assertionOptionsFor, auditPasskeyFailure, recordPasskeyAssertion, verifyPasskeyAssertion } from "../mfa/passkey-assertion";
import { PASSKEY_AMR } from "./passkey-sign-in";

export interface PasskeyReauthInput {
  readonly session: SessionRecord;
  readonly user: SessionUser;
  readonly now: Date;
  readonly actor: Actor;
}

function bindingOf(session: SessionRecord) {
  return { purpose: "authentication", bindingHash: sha256Hex(`reauth:${session.id}`) } as const;
}

export async function startPasskeyReauth(
  db: Db,
  input: PasskeyReauthInput,
  cfg: Config,
): Promise<Result<PublicKeyCredentialRequestOptionsJSON>> {
  return assertionOptionsFor(db, input.user.id, bindingOf(input.session), input.now, cfg);
}

export async function finishPasskeyReauth(
  db: Db,
  input: PasskeyReauthInput & { response: AuthenticationResponseJSON },
  cfg: Config,
): Promise<Result<IssuedSession>> {
  const challenge = challengeOf(input.response.response.clientDataJSON);
  if (!challenge || !(await spendWebauthnChallenge(db, challenge, bindingOf(input.session), input.now))) {
    await auditPasskeyFailure(db, { stage: "reauth", now: input.now, actor: input.actor }, input.user.id, "challenge");
    return err("invalid_challenge");
  }
  const verified = await verifyPasskeyAssertion(
    db,
    { response: input.response, challenge, expectedUserId: input.user.id, stage: "reauth", now: input.now, actor: input.actor },
    cfg,
  );
  if (!verified.ok) return verified;
  return db.transaction(async (tx): Promise<Result<IssuedSession>> => {
    if (!(await recordPasskeyAssertion(tx, verified.value, input.actor, input.now))) return err("invalid_passkey");
    const issued = await rotateSession(
      tx,
      input.session,
      {
        now: input.now,
        reauthenticatedAt: input.now,
        ip: input.actor.ip,
        userAgent: input.actor.userAgent,
        aal: 2,
        amr: [...PASSKEY_AMR],
      },
      cfg,
    );
    await recordAuditEvent(tx, {
      type: "reauth.success",
      result: "success",
      actor: input.actor,
      actorId: input.user.id,
      targetId: input.user.id,
      sessionId: issued.session.id,
      now: input.now,
      details: { previousSessionId: input.session.id, method: "passkey", passkeyId: verified.value.passkey.id },
    });
    return ok(issued);
  });
}
