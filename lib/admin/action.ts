/**
 * An administrative action: who (the administrator's user and session), from where (actor),
 * and when. Every admin change writes one audit row with actor_id = the administrator and
 * target_id = the account acted on, in the transaction of the change (checklist #64, #65).
 */
import type { Queryable } from "../db";
import type { Actor } from "../http/context";
import { recordAuditEvent, type AuditEventType } from "../audit/audit";

export interface AdminAction {
  readonly adminId: string;
  readonly sessionId: string;
  readonly actor: Actor;
  readonly now: Date;
}

export async function recordAdminEvent(
  q: Queryable,
  action: AdminAction,
  type: AuditEventType,
  targetId: string,
  details: Record<string, unknown> = {},
): Promise<void> {
  await recordAuditEvent(q, {
    type,
    result: "success",
    actor: action.actor,
    actorId: action.adminId,
    targetId,
    sessionId: action.sessionId,
    now: action.now,
    details,
  });
}
