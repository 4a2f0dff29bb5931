/**
 * Re-authentication ("sudo mode", checklist #35): the password again, through the per-IP
 * throttle and the session's own failure budget (a wrong password also counts toward the
 * email's lock, but strangers' failures on the email never block the owner's live session:
 * lib/accounts/sign-in.ts AttemptOrigin), then a new session id with
 * reauthenticated_at = now. Sensitive routes accept a session only within
 * REAUTH_WINDOW_SECONDS of that moment. An account with a second factor needs it too, as at
 * sign-in: a TOTP or backup code with the password, and an account whose only second factor is
 * a passkey confirms with the passkey (POST /api/auth/reauth/passkey): 403 passkey_required here.
 */
import type { Config } from "../config";
import type { Db } from "../db";
import { err, ok, type Result } from "../errors";
import type { Actor } from "../http/context";
import { recordAuditEvent } from "../audit/audit";
import { verifyCredentials } from "./sign-in";
import { subjectHash } from "../users/email";
import { clearThrottle } from "./throttle";
import { secondStepMethods } from "../mfa/status";
import { verifySecondFactor } from "../mfa/verification";
import { rotateSession, type IssuedSession, type SessionRecord, type SessionUser } from "../sessions/sessions";

export interface ReauthInput {
  readonly session: SessionRecord;
  readonly user: SessionUser;
  readonly password: string;
  readonly code: string | null;
  readonly now: Date;
  readonly actor: Actor;
}

export async function reauthenticate(db: Db, input: ReauthInput, cfg: Config): Promise<Result<IssuedSession>> {
  const verified = await verifyCredentials(
    db,
    {
      email: input.user.email,
      password: input.password,
      sessionId: input.session.id,
      now: input.now,
      actor: input.actor,
      auditType: "reauth",
    },
    cfg,
  );
  if (!verified.ok) return verified;
  const methods = await secondStepMethods(db, input.user.id);
  let secondMethod: "totp" | "backup_code" | null = null;
  if (!methods.includes("totp") && methods.includes("passkey")) return err("passkey_required");
  if (methods.includes("totp")) {
    if (!input.code) return err("mfa_required");
    const second = await verifySecondFactor(db, { userId: input.user.id, code: input.code, now: input.now, actor: input.actor }, cfg);
    if (!second.ok) return second;
    secondMethod = second.value.method;
  }
  return ok(
    await db.transaction(async (tx) => {
      await clearThrottle(tx, subjectHash(input.user.email));
      const issued = await rotateSession(
        tx,
        input.session,
        {
          now: input.now,
          reauthenticatedAt: input.now,
          ip: input.actor.ip,
          userAgent: input.actor.userAgent,
          ...(secondMethod ? { aal: 2 as const, amr: ["pwd", secondMethod === "totp" ? "otp" : "backup_code"] } : {}),
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
        details: secondMethod ? { previousSessionId: input.session.id, aal: 2 } : { previousSessionId: input.session.id },
      });
      return issued;
    }),
  );
}
