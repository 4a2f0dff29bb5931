/**
 * Ending sessions: the current one (sign out), all of a user's (sign out everywhere), or one
 * by id. Each revokes the session's refresh family in the same transaction and is audited.
 */
import type { Db } from "../db";
import type { Actor } from "../http/context";
import { recordAuditEvent, recordObjectDenial } from "../audit/audit";
import { findSessionOwner, revokeOwnSession, revokeSessionById, revokeUserSessions } from "./queries";
import { validateSessionToken, type SessionTimeouts } from "./sessions";

export async function endSession(db: Db, token: string, input: { now: Date; actor: Actor }, cfg: SessionTimeouts): Promise<boolean> {
  const valid = await validateSessionToken(db, token, input.now, cfg);
  if (!valid) return false;
  return db.transaction(async (tx) => {
    const revoked = await revokeSessionById(tx, valid.session.id, "logout", input.now);
    if (revoked) {
      await recordAuditEvent(tx, {
        type: "logout",
        result: "success",
        actor: input.actor,
        actorId: valid.user.id,
        targetId: valid.user.id,
        sessionId: valid.session.id,
        now: input.now,
      });
    }
    return revoked;
  });
}

export async function endAllSessions(
  db: Db,
  userId: string,
  input: { now: Date; actor: Actor; keepSessionId: string | null; currentSessionId: string | null },
): Promise<number> {
  return db.transaction(async (tx) => {
    const count = await revokeUserSessions(tx, userId, "logout_all", input.now, input.keepSessionId);
    await recordAuditEvent(tx, {
      type: "logout.all",
      result: "success",
      actor: input.actor,
      actorId: userId,
      targetId: userId,
      sessionId: input.currentSessionId,
      now: input.now,
      details: { revoked: count, keptCurrent: input.keepSessionId !== null },
    });
    return count;
  });
}

/**
 * Revokes one of the user's own sessions; false for an unknown id or another user's. Another
 * user's id is an object-level refusal and is audited as authz.denied (the caller answers 404
 * either way).
 */
export async function revokeOwnSessionById(
  db: Db,
  userId: string,
  sessionId: string,
  input: { now: Date; actor: Actor; currentSessionId?: string | null },
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const revoked = await revokeOwnSession(tx, userId, sessionId, "user_revoked", input.now);
    if (revoked) {
      await recordAuditEvent(tx, {
        type: "session.revoked",
        result: "success",
        actor: input.actor,
        actorId: userId,
        targetId: userId,
        sessionId,
        now: input.now,
      });
      return true;
    }
    const owner = await findSessionOwner(tx, sessionId);
    if (owner !== null && owner !== userId) {
      await recordObjectDenial(tx, {
        actor: input.actor,
        actorId: userId,
        ownerId: owner,
        sessionId: input.currentSessionId ?? null,
        now: input.now,
        object: "session",
        objectId: sessionId,
        scope: "own",
      });
    }
    return false;
  });
}
