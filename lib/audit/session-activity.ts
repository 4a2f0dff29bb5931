/**
 * A session's security events, from audit_logs by session id, newest first, keyset-paged like
 * the audit search: the rows recorded with the session's id (created at sign-in, refreshed,
 * re-authenticated or stepped up, rotated, signed out or revoked by its owner) and the rows of
 * an administrator revoking it (details.revokedSessionId).
 *
 * A session changes id whenever it is rotated (re-authentication, step-up, a role change, an
 * MFA or email change): the row of each rotation carries the new id as session_id and the old
 * one in details.previousSessionId. The lineage of ids (at most LINEAGE_MAX hops back) is
 * followed through audit_logs_session_idx, so the activity of the id the session list shows
 * starts at the sign-in that created it: the statement is listSessionAuditRecords
 * (lib/audit/queries.ts). Who may read whose session is decided by the caller (the owner:
 * lib/accounts/session-activity.ts; an administrator: the admin route).
 */
import type { Queryable } from "../db";
import type { Cursor } from "../http/cursor";
import { auditPage, type AuditPage } from "./audit-search";
import { listSessionAuditRecords } from "./queries";

export async function listSessionEvents(
  q: Queryable,
  input: { sessionId: string; after: Cursor | null; limit: number },
): Promise<AuditPage> {
  return auditPage(await listSessionAuditRecords(q, input), input.limit);
}
