/**
 * Audit-log search for administrators: by user (as actor or as target), event type, client IP
 * and time range, newest first, with keyset pagination on (created_at, id).
 *
 * Each filter has its index (0006): no filter or a time range -> audit_logs_created_idx
 * (created_at DESC, id DESC); an event type -> audit_logs_event_idx; an IP ->
 * audit_logs_ip_idx; a user -> the partial audit_logs_actor_idx and audit_logs_target_idx,
 * as two index range scans merged (UNION ALL; a row whose actor is also its target is taken
 * from the actor side only), each cut at the page size, so a deep or busy log never costs a
 * scan. tests/db/detection.test.ts checks these plans on >= 100k rows.
 * Rows are returned in an explicit public shape; audit rows never hold secrets.
 */
import { joinSql, sql, type Queryable, type SqlQuery } from "../db";
import { encodeCursor, type Cursor } from "../http/cursor";

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

export const AUDIT_ID_PATTERN = /^[1-9][0-9]{0,18}$/;
const BIGINT_MAX = 9223372036854775807n;

/** An audit row id: a positive Postgres bigint (19 digits can exceed it). */
export function isAuditId(id: string): boolean {
  return AUDIT_ID_PATTERN.test(id) && BigInt(id) <= BIGINT_MAX;
}

export interface AuditEntry {
  readonly id: string;
  readonly createdAt: string;
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

export interface AuditPage {
  readonly entries: readonly AuditEntry[];
  readonly nextCursor: string | null;
}

export interface AuditRow {
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

/** The search statement (exported so its plan can be checked). Fetches limit + 1 rows. */
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
          (SELECT * FROM audit_logs WHERE target_id = ${filter.userId}::uuid AND actor_id IS DISTINCT FROM ${filter.userId}::uuid AND ${where}
           ORDER BY created_at DESC, id DESC LIMIT ${take})`;
  return auditPageQuery(source, take);
}

/** The public columns (and the cursor's exact timestamp) of the rows `source` selects from audit_logs, newest first. */
export function auditPageQuery(source: SqlQuery, take: number): SqlQuery {
  return sql`
    SELECT a.id::text AS id, a.created_at, to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at,
           a.event_type, a.result, a.actor_id, a.target_id, a.session_id, a.subject_hash, host(a.ip) AS ip, a.user_agent,
           a.request_id, a.details
    FROM (${source}) a
    ORDER BY a.created_at DESC, a.id DESC
    LIMIT ${take}`;
}

export async function searchAuditLog(q: Queryable, filter: AuditFilter): Promise<AuditPage> {
  const { rows } = await q.query<AuditRow>(auditSearchQuery(filter));
  return auditPage(rows, filter.limit);
}

/** A page of at most `limit` entries from limit + 1 rows, with the next cursor when there is more. */
export function auditPage(rows: readonly AuditRow[], limit: number): AuditPage {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    entries: page.map((r) => ({
      id: r.id,
      createdAt: r.created_at.toISOString(),
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
    })),
    nextCursor: rows.length > limit && last ? encodeCursor({ at: last.cursor_at, id: last.id }) : null,
  };
}
