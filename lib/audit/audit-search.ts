/**
 * Audit-log search for administrators: by user (as actor or as target), event type, client IP
 * and time range, newest first, with keyset pagination on (created_at, id). The statement, and
 * the index each filter uses, is auditSearchQuery (lib/audit/queries.ts).
 * Rows are returned in an explicit public shape; audit rows never hold secrets.
 */
import type { Queryable } from "../db";
import { encodeCursor } from "../http/cursor";
import { searchAuditRecords, type AuditFilter, type AuditRecord } from "./queries";

export const AUDIT_ID_PATTERN = /^[1-9][0-9]{0,18}$/;
const BIGINT_MAX = 9223372036854775807n;

/** An audit row id: a positive Postgres bigint (19 digits can exceed it). */
export function isAuditId(id: string): boolean {
  return AUDIT_ID_PATTERN.test(id) && BigInt(id) <= BIGINT_MAX;
}

/** An audit row as the API shows it: createdAt as ISO text, without the cursor's timestamp. */
export type AuditEntry = Omit<AuditRecord, "createdAt" | "cursorAt"> & { readonly createdAt: string };

export interface AuditPage {
  readonly entries: readonly AuditEntry[];
  readonly nextCursor: string | null;
}

export async function searchAuditLog(q: Queryable, filter: AuditFilter): Promise<AuditPage> {
  return auditPage(await searchAuditRecords(q, filter), filter.limit);
}

/** A page of at most `limit` entries from limit + 1 rows, with the next cursor when there is more. */
export function auditPage(rows: readonly AuditRecord[], limit: number): AuditPage {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    entries: page.map((r) => ({
      id: r.id,
      createdAt: r.createdAt.toISOString(),
      eventType: r.eventType,
      result: r.result,
      actorId: r.actorId,
      targetId: r.targetId,
      sessionId: r.sessionId,
      subjectHash: r.subjectHash,
      ip: r.ip,
      userAgent: r.userAgent,
      requestId: r.requestId,
      details: r.details,
    })),
    nextCursor: rows.length > limit && last ? encodeCursor({ at: last.cursorAt, id: last.id }) : null,
  };
}
