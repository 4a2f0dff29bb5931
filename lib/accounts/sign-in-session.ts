/**
 * The one place a sign-in becomes a session: the new session, users.last_login_at and the
 * login.success audit row, in the caller's transaction. Every sign-in method calls it once it
 * has verified the user (the password step without a second factor, the second step, the
 * token route's password grant through both), so a method added later (passkeys, social
 * sign-in) records the last sign-in and its audit row the same way by calling it too.
 * Re-authentication, step-up and rotation are not sign-ins: they rotate an existing session.
 */
import type { Queryable } from "../db";
import type { Actor } from "../http/context";
import { recordAuditEvent } from "../audit/audit";
import { createSession, type IssuedSession, type SessionTimeouts } from "../sessions/sessions";
import { recordLastLogin } from "../users/queries";

export interface SignInSessionInput {
  readonly userId: string;
  readonly subjectHash: string;
  readonly aal: 1 | 2;
  readonly amr: readonly string[];
  readonly now: Date;
  readonly actor: Actor;
  /** More for the login.success row (e.g. the provider of a social sign-in). */
  readonly details?: Readonly<Record<string, unknown>>;
}

export async function startSignInSession(tx: Queryable, input: SignInSessionInput, cfg: SessionTimeouts): Promise<IssuedSession> {
  const issued = await createSession(
    tx,
    { userId: input.userId, aal: input.aal, amr: input.amr, now: input.now, ip: input.actor.ip, userAgent: input.actor.userAgent },
    cfg,
  );
  await recordLastLogin(tx, input.userId, input.now);
  await recordAuditEvent(tx, {
    type: "login.success",
    result: "success",
    actor: input.actor,
    actorId: input.userId,
    targetId: input.userId,
    sessionId: issued.session.id,
    subjectHash: input.subjectHash,
    now: input.now,
    details: { amr: input.amr, ...(input.aal === 2 ? { aal: 2 } : {}), ...input.details },
  });
  return issued;
}
