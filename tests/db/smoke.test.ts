import { beforeEach, describe, expect, it } from "vitest";
import { resetDb, testDb } from "../support/db";
import { sql } from "../../lib/db";

describe("test database", () => {
  beforeEach(async () => resetDb(await testDb()));
  it("has the seeded roles and accepts a user", async () => {
    const db = await testDb();
    const roles = await db.query<{ name: string }>(sql`SELECT name FROM roles ORDER BY name`);
    expect(roles.rows.map((r) => r.name)).toEqual(["admin", "support", "user"]);
    await db.query(sql`INSERT INTO users (email) VALUES (${"x@example.com"})`);
    const n = await db.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM users`);
    expect(n.rows[0]!.n).toBe(1);
  });
});
