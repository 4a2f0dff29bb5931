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
 * starts at the sign-in that created it. Who may read whose session is decided by the caller
 * (the owner: lib/accounts/session-activity.ts; an administrator: the admin route).
 */
import { sql, type Queryable } from "../db";
import type { Cursor } from "../http/cursor";
import { auditPage, auditPageQuery, type AuditPage, type AuditRow } from "./audit-search";

const LINEAGE_MAX = 100;

export async function listSessionEvents(
  q: Queryable,
  input: { sessionId: string; after: Cursor | null; limit: number },
): Promise<AuditPage> {
  const take = input.limit + 1;
  const after = input.after === null ? sql`TRUE` : sql`(created_at, id) < (${input.after.at}::timestamptz, ${input.after.id}::bigint)`;
  const source = sql`
    (SELECT * FROM audit_logs
     WHERE session_id IN (SELECT id FROM lineage) AND ${after}
     ORDER BY created_at DESC, id DESC LIMIT ${take})
    UNION ALL
    (SELECT * FROM audit_logs
     WHERE details @> jsonb_build_object('revokedSessionId', ${input.sessionId}::text)
       AND session_id IS DISTINCT FROM ${input.sessionId} AND ${after}
     ORDER BY created_at DESC, id DESC LIMIT ${take})`;
  const { rows } = await q.query<AuditRow>(sql`
    WITH RECURSIVE lineage (id, hops) AS (
      SELECT ${input.sessionId}::text, 0
      UNION
      SELECT a.details ->> 'previousSessionId', l.hops + 1
      FROM lineage l JOIN audit_logs a ON a.session_id = l.id
      WHERE a.details ->> 'previousSessionId' IS NOT NULL AND l.hops < ${LINEAGE_MAX}
    )
    ${auditPageQuery(source, take)}`);
  return auditPage(rows, input.limit);
}
