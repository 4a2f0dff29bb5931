/**
 * A user's own security activity: the audit rows about their account (they acted, or it was
 * acted on), newest first, in a public shape that names no other user and carries no details
 * (audit details may hold an administrator's reason or a route; the owner sees what happened,
 * when, from which IP and device). The read is the admin audit search restricted to one user,
 * so it uses the same actor/target indexes and keyset cursor.
 */
import type { Queryable } from "../db";
import { decodeCursor } from "../http/cursor";
import { isAuditId, searchAuditLog } from "../audit/audit-search";
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
  return ok({
    entries: page.entries.map((e) => ({
      id: e.id,
      at: e.createdAt,
      eventType: e.eventType,
      result: e.result,
      ip: e.ip,
      userAgent: e.userAgent,
      bySelf: e.actorId === input.userId || e.actorId === null,
    })),
    nextCursor: page.nextCursor,
  });
}
