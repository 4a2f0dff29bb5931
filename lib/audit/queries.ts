/**
 * One function per SQL statement reading audit_logs: the administrators' search and a session's
 * events (writing is lib/audit/audit.ts). snake_case rows become camelCase here.
 */
import { joinSql, sql, type Queryable, type SqlQuery } from "../db";
import type { Cursor } from "../http/cursor";

export interface AuditFilter {
  readonly userId: string | null;
  readonly eventType: string | null;
  readonly ip: string | null;
  /** Inclusive. */
  readonly from: Date | null;
  /** Exclusive. */
  readonly to: Date | null;
  readonly after: Cursor | null;
  readonly limit: number;
}

export interface AuditRecord {
  readonly id: string;
  readonly createdAt: Date;
  /** created_at as the cursor's exact (microsecond) text. */
  readonly cursorAt: string;
  readonly eventType: string;
  readonly result: "success" | "failure";
  readonly actorId: string | null;
  readonly targetId: string | null;
  readonly sessionId: string | null;
  readonly subjectHash: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly requestId: string | null;
  readonly details: Record<string, unknown>;
}

interface AuditRow {
  id: string;
  created_at: Date;
  cursor_at: string;
  event_type: string;
  result: "success" | "failure";
  actor_id: string | null;
  target_id: string | null;
  session_id: string | null;
  subject_hash: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
}

const toAuditRecord = (r: AuditRow): AuditRecord => ({
  id: r.id,
  createdAt: r.created_at,
  cursorAt: r.cursor_at,
  eventType: r.event_type,
  result: r.result,
  actorId: r.actor_id,
  targetId: r.target_id,
  sessionId: r.session_id,
  subjectHash: r.subject_hash,
  ip: r.ip,
  userAgent: r.user_agent,
  requestId: r.request_id,
  details: r.details,
});

/**
 * The search statement (exported so its plan can be checked). Fetches limit + 1 rows.
 *
 * Each filter has its index (0006): no filter or a time range -> audit_logs_created_idx
 * (created_at DESC, id DESC); an event type -> audit_logs_event_idx; an IP ->
 * audit_logs_ip_idx; a user -> the partial audit_logs_actor_idx and audit_logs_target_idx,
 * as two index range scans merged (UNION ALL; a row whose actor is also its target is taken
 * from the actor side only), each cut at the page size, so a deep or busy log never costs a
 * scan. tests/db/detection.test.ts checks these plans on >= 100k rows.
 */
export function auditSearchQuery(filter: AuditFilter): SqlQuery {
  const conditions = [sql`TRUE`];
  if (filter.eventType !== null) conditions.push(sql`event_type = ${filter.eventType}`);
  if (filter.ip !== null) conditions.push(sql`ip = ${filter.ip}::inet`);
  if (filter.from !== null) conditions.push(sql`created_at >= ${filter.from}`);
  if (filter.to !== null) conditions.push(sql`created_at < ${filter.to}`);
  if (filter.after !== null) conditions.push(sql`(created_at, id) < (${filter.after.at}::timestamptz, ${filter.after.id}::bigint)`);
  const where = joinSql(conditions, sql` AND `);
  const take = filter.limit + 1;
  const source =
    filter.userId === null
      ? sql`SELECT * FROM audit_logs WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT ${take}`
      : sql`(SELECT * FROM audit_logs WHERE actor_id = ${filter.userId}::uuid AND ${where} ORDER BY created_at DESC, id DESC LIMIT ${take})
          UNION ALL
          (SELECT * FROM audit_logs
           WHERE target_id = ${filter.userId}::uuid AND actor_id IS DISTINCT FROM ${filter.userId}::uuid AND ${where}
           ORDER BY created_at DESC, id DESC LIMIT ${take})`;
  return auditPageQuery(source, take);
}

/** The public columns (and the cursor's exact timestamp) of the rows `source` selects from audit_logs, newest first. */
function auditPageQuery(source: SqlQuery, take: number): SqlQuery {
  return sql`
    SELECT a.id::text AS id, a.created_at, to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at,
           a.event_type, a.result, a.actor_id, a.target_id, a.session_id, a.subject_hash, host(a.ip) AS ip, a.user_agent,
           a.request_id, a.details
    FROM (${source}) a
    ORDER BY a.created_at DESC, a.id DESC
    LIMIT ${take}`;
}

/** The rows auditSearchQuery selects: at most limit + 1, newest first. */
export async function searchAuditRecords(q: Queryable, filter: AuditFilter): Promise<AuditRecord[]> {
  const { rows } = await q.query<AuditRow>(auditSearchQuery(filter));
  return rows.map(toAuditRecord);
}

/** How far back a session's lineage of ids (details.previousSessionId) is followed. */
const LINEAGE_MAX = 100;

/**
 * A session's events, at most limit + 1, newest first: the rows recorded with any id of its
 * lineage (followed back through audit_logs_session_idx, at most LINEAGE_MAX hops) and the
 * rows of an administrator revoking it (details.revokedSessionId, through the partial index
 * audit_logs_revoked_session_idx), each side cut at the page size.
 */
export async function listSessionAuditRecords(
  q: Queryable,
  input: { sessionId: string; after: Cursor | null; limit: number },
): Promise<AuditRecord[]> {
  const take = input.limit + 1;
  const after = input.after === null ? sql`TRUE` : sql`(created_at, id) < (${input.after.at}::timestamptz, ${input.after.id}::bigint)`;
  const source = sql`
    (SELECT * FROM audit_logs
     WHERE session_id IN (SELECT id FROM lineage) AND ${after}
     ORDER BY created_at DESC, id DESC LIMIT ${take})
    UNION ALL
    (SELECT * FROM audit_logs
     WHERE details ? 'revokedSessionId' AND details ->> 'revokedSessionId' = ${input.sessionId}::text
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
  return rows.map(toAuditRecord);
}
