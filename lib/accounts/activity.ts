/**
 * A user's own security activity: the audit rows about their account (they acted, or it was
 * acted on), newest first, in a public shape that names no other user and carries no details
 * (audit details may hold an administrator's reason or a route; the owner sees what happened,
 * when, from which IP and device). The read is the admin audit search restricted to one user,
 * so it uses the same actor/target indexes and keyset cursor.
 */
import type { Queryable } from "../db";
import { decodeCursor } from "../http/cursor";
import { isAuditId, searchAuditLog, type AuditEntry } from "../audit/audit-search";
import { listSessionEvents } from "../audit/session-activity";
import { recordObjectDenial } from "../audit/audit";
import type { Actor } from "../http/context";
import { findSessionOwner } from "../sessions/queries";
import { err, ok, type Result } from "../errors";

export interface ActivityEntry {
  readonly id: string;
  readonly at: string;
  readonly eventType: string;
  readonly result: "success" | "failure";
  readonly ip: string | null;
  readonly userAgent: string | null;
  /** True when the user did it themselves (false: an administrator or the system acted on the account). */
  readonly bySelf: boolean;
}

export interface ActivityPage {
  readonly entries: readonly ActivityEntry[];
  readonly nextCursor: string | null;
}

export async function listOwnActivity(
  q: Queryable,
  input: { userId: string; limit: number; cursor: string | null },
): Promise<Result<ActivityPage>> {
  const after = input.cursor === null ? null : decodeCursor(input.cursor, isAuditId);
  if (input.cursor !== null && after === null) return err("invalid_cursor");
  const page = await searchAuditLog(q, {
    userId: input.userId,
    eventType: null,
    ip: null,
    from: null,
    to: null,
    after,
    limit: input.limit,
  });
  return ok({ entries: page.entries.map((e) => publicActivityEntry(e, input.userId)), nextCursor: page.nextCursor });
}

/** An audit row as its account's owner sees it. */
export function publicActivityEntry(e: AuditEntry, userId: string): ActivityEntry {
  return {
    id: e.id,
    at: e.createdAt,
    eventType: e.eventType,
    result: e.result,
    ip: e.ip,
    userAgent: e.userAgent,
    bySelf: e.actorId === userId || e.actorId === null,
  };
}

/**
 * The security events of one of the user's own sessions (lib/audit/session-activity.ts), in the
 * same public shape. not_found for a session id that is not theirs (another user's is also
 * audited as authz.denied), exactly as for an unknown id: no one learns whose a session is.
 */
export async function listOwnSessionActivity(
  q: Queryable,
  input: { userId: string; sessionId: string; limit: number; cursor: string | null; actor: Actor; currentSessionId: string; now: Date },
): Promise<Result<ActivityPage>> {
  const after = input.cursor === null ? null : decodeCursor(input.cursor, isAuditId);
  if (input.cursor !== null && after === null) return err("invalid_cursor");
  const owner = await findSessionOwner(q, input.sessionId);
  if (owner !== input.userId) {
    if (owner !== null) {
      await recordObjectDenial(q, {
        actor: input.actor,
        actorId: input.userId,
        ownerId: owner,
        sessionId: input.currentSessionId,
        now: input.now,
        object: "session",
        objectId: input.sessionId,
        scope: "own",
      });
    }
    return err("not_found");
  }
  const page = await listSessionEvents(q, { sessionId: input.sessionId, after, limit: input.limit });
  return ok({ entries: page.entries.map((e) => publicActivityEntry(e, input.userId)), nextCursor: page.nextCursor });
}
