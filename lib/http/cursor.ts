/**
 * Keyset pagination cursors for the admin lists (users, audit log), newest first.
 *
 * A cursor is the (created_at, id) of the last row of a page, as base64url JSON: opaque to
 * clients, exact to the microsecond (the timestamp comes from SQL as text, never through a
 * millisecond JavaScript Date, so rows created within the same millisecond are neither
 * skipped nor repeated). The next page is `WHERE (created_at, id) < (cursor)`, one index range
 * scan on a (created_at DESC, id DESC) index, however deep the page. A cursor only positions a
 * read the caller may already make, so it needs no signature; a malformed one is refused.
 */
import { base64url, fromBase64url } from "../crypto/random";

export interface Cursor {
  /** created_at, UTC, microseconds: 2026-01-02T03:04:05.123456Z */
  readonly at: string;
  readonly id: string;
}

const AT_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const MAX_CURSOR_CHARS = 200;

/**
 * The timestamp names a real instant Postgres can hold: Date.parse alone accepts 2026-02-30
 * (rolling it into March) and 24:00, and year 0000 does not exist in Postgres; such a cursor
 * would reach the query and fail there.
 */
function isRealInstant(at: string): boolean {
  const ms = Date.parse(at);
  if (Number.isNaN(ms) || Number(at.slice(0, 4)) < 1) return false;
  return new Date(ms).toISOString().slice(0, 19) === at.slice(0, 19);
}

export function encodeCursor(cursor: Cursor): string {
  return base64url(new TextEncoder().encode(JSON.stringify([cursor.at, cursor.id])));
}

/** Null when the text is not a cursor this list issued (wrong shape or wrong id kind). */
export function decodeCursor(text: string, isId: (id: string) => boolean): Cursor | null {
  if (text.length > MAX_CURSOR_CHARS) return null;
  const bytes = fromBase64url(text);
  if (!bytes) return null;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return null;
  }
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [at, id] = value as unknown[];
  if (typeof at !== "string" || typeof id !== "string" || !AT_PATTERN.test(at) || !isId(id)) return null;
  if (!isRealInstant(at)) return null;
  return { at, id };
}
