/**
 * An administrator's view of one account's sessions: list them (ids and metadata, never token
 * material), end one, or end them all (checklist #34). Ending a session revokes its refresh
 * family in the same statement pair; the session is refused on its very next request.
 * Object-level authorisation is in the SQL: a session id is only revoked if it belongs to the
 * account named in the path (any other id is not found).
 */
import type { Db } from "../db";
import { err, ok, type Result } from "../errors";
import { findSessionOwner, listLiveSessions, revokeOwnSession, revokeUserSessions, type SessionRecord } from "../sessions/queries";
import { recordObjectDenial } from "../audit/audit";
import { listSessionEvents } from "../audit/session-activity";
import type { AuditPage } from "../audit/audit-search";
import type { Cursor } from "../http/cursor";
import { recordAdminEvent, type AdminAction } from "./action";
import { findUserStatus } from "./queries";

export async function listUserSessions(db: Db, userId: string, now: Date): Promise<Result<SessionRecord[]>> {
  if (!(await findUserStatus(db, userId))) return err("not_found");
  return ok(await listLiveSessions(db, userId, now));
}

export async function revokeAllUserSessions(db: Db, userId: string, action: AdminAction): Promise<Result<{ revoked: number }>> {
  return db.transaction(async (tx) => {
    if (!(await findUserStatus(tx, userId))) return err("not_found");
    const revoked = await revokeUserSessions(tx, userId, "admin_revoked", action.now, null);
    await recordAdminEvent(tx, action, "session.revoked", userId, { scope: "all", revoked });
    return ok({ revoked });
  });
}

export async function revokeUserSession(db: Db, userId: string, sessionId: string, action: AdminAction): Promise<Result<void>> {
  return db.transaction(async (tx) => {
    if (!(await revokeOwnSession(tx, userId, sessionId, "admin_revoked", action.now))) {
      // a session of another account than the one in the path: refused (404) and audited
      const owner = await findSessionOwner(tx, sessionId);
      if (owner !== null && owner !== userId) {
        await recordObjectDenial(tx, {
          actor: action.actor,
          actorId: action.adminId,
          ownerId: owner,
          sessionId: action.sessionId,
          now: action.now,
          object: "session",
          objectId: sessionId,
          scope: "admin",
          pathUserId: userId,
        });
      }
      return err("not_found");
    }
    await recordAdminEvent(tx, action, "session.revoked", userId, { scope: "one", revokedSessionId: sessionId });
    return ok(undefined);
  });
}

/**
 * The security events of one session of the account (lib/audit/session-activity.ts), with the
 * full audit rows (actor, details) an administrator with audit:read may see anyway. not_found
 * when the session is not the account's: the path names both, and they must agree.
 */
export async function listUserSessionActivity(
  db: Db,
  input: { userId: string; sessionId: string; after: Cursor | null; limit: number },
): Promise<Result<AuditPage>> {
  if ((await findSessionOwner(db, input.sessionId)) !== input.userId) return err("not_found");
  return ok(await listSessionEvents(db, { sessionId: input.sessionId, after: input.after, limit: input.limit }));
}
