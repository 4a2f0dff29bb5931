/**
 * Values the SQL constrains have one closed TypeScript union each, and the two lists agree
 * (issue 11): the audit event types (rows of audit_event_types, inserted by the migrations) and
 * the session revocation reasons (the CHECK list of sessions.revoked_reason). Read from the
 * migrated database, so a migration that adds a value without the union, or a union member no
 * migration allows, fails here instead of at the first INSERT in production.
 */
import { describe, expect, it } from "vitest";
import { testDb } from "../support/db";
import { sql } from "../../lib/db";
import { AUDIT_EVENT_TYPES } from "../../lib/audit/audit";
import { REVOCATION_REASONS } from "../../lib/sessions/queries";

/** The quoted values of a `col IN ('a', 'b')` or `col = ANY (ARRAY['a'::text, …])` check definition. */
function checkValues(definition: string): string[] {
  return [...definition.matchAll(/'([^']*)'/g)].map((m) => m[1]!).sort();
}

describe("closed unions agree with the schema", () => {
  it("AUDIT_EVENT_TYPES is exactly the audit_event_types rows", async () => {
    const db = await testDb();
    const { rows } = await db.query<{ name: string }>(sql`SELECT name FROM audit_event_types ORDER BY name`);
    expect(rows.map((r) => r.name).sort()).toEqual([...AUDIT_EVENT_TYPES].sort());
  });

  it("REVOCATION_REASONS is exactly the CHECK list of sessions.revoked_reason", async () => {
    const db = await testDb();
    const { rows } = await db.query<{ definition: string }>(sql`
      SELECT pg_get_constraintdef(c.oid) AS definition
      FROM pg_constraint c
      WHERE c.conrelid = 'sessions'::regclass AND c.conname = 'sessions_revoked_reason_check'`);
    expect(rows).toHaveLength(1);
    expect(checkValues(rows[0]!.definition)).toEqual([...REVOCATION_REASONS].sort());
  });
});
