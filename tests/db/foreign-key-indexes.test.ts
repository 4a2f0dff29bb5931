/**
 * Every foreign key has an index that serves its cascade (issue 16). Deleting a referenced row
 * makes Postgres look up the referencing rows with `WHERE fk_columns = $1`; without an index
 * whose leading columns are the foreign key's columns that lookup scans the whole referencing
 * table, once per deleted row (230 ms per session against 2M refresh tokens, measured). A
 * partial index only serves it when its predicate is implied by the lookup, i.e. it is
 * `col IS NOT NULL` on the key's own columns. Read from pg_catalog, so a foreign key added by
 * any later migration without its index fails here.
 */
import { describe, expect, it } from "vitest";
import { testDb } from "../support/db";
import { sql } from "../../lib/db";

interface ForeignKey {
  table: string;
  name: string;
  columns: string[];
  indexed: boolean;
}

describe("foreign key indexes", () => {
  it("every foreign key has a valid index whose leading columns are its columns (no partial index except `IS NOT NULL` on them)", async () => {
    const db = await testDb();
    const { rows } = await db.query<ForeignKey>(sql`
      SELECT c.conrelid::regclass::text AS table, c.conname AS name,
             ARRAY(SELECT a.attname::text FROM unnest(c.conkey) AS k(attnum)
                   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS columns,
             EXISTS (
               SELECT 1 FROM pg_index i
               WHERE i.indrelid = c.conrelid AND i.indisvalid
                 AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
                 AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] <@ c.conkey
                 AND (i.indpred IS NULL OR pg_get_expr(i.indpred, i.indrelid) IN (
                       SELECT '(' || a.attname || ' IS NOT NULL)' FROM pg_attribute a
                       WHERE a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) AND cardinality(c.conkey) = 1))
             ) AS indexed
      FROM pg_constraint c
      JOIN pg_class r ON r.oid = c.conrelid
      JOIN pg_namespace n ON n.oid = r.relnamespace
      WHERE c.contype = 'f' AND n.nspname = current_schema()
        AND NOT r.relispartition  -- a partition's key is the parent's, checked on the parent
      ORDER BY 1, 2`);
    expect(rows.length).toBeGreaterThanOrEqual(15);
    const missing = rows.filter((fk) => !fk.indexed).map((fk) => `${fk.table}.${fk.name} (${fk.columns.join(", ")})`);
    expect(missing).toEqual([]);
  });

  it("the cascades that were slow are served by full indexes: sessions by user, refresh tokens by session", async () => {
    const db = await testDb();
    const { rows } = await db.query<{ name: string; def: string }>(sql`
      SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS def FROM pg_index
      WHERE indexrelid::regclass::text IN ('sessions_user_idx', 'refresh_tokens_session_idx') AND indpred IS NULL
      ORDER BY 1`);
    expect(rows.map((r) => r.name)).toEqual(["refresh_tokens_session_idx", "sessions_user_idx"]);
  });
});
