import { describe, expect, it } from "vitest";
import { joinSql, prepared, sql } from "../../lib/db/sql";

describe("sql tagged template", () => {
  it("turns every interpolated value into a numbered bound parameter, never into SQL text", () => {
    const email = "x@example.com'; DROP TABLE users; --";
    const q = sql`SELECT id FROM users WHERE email = ${email} AND status = ${"active"} LIMIT ${10}`;
    expect(q.text).toBe("SELECT id FROM users WHERE email = $1 AND status = $2 LIMIT $3");
    expect(q.values).toEqual([email, "active", 10]);
  });

  it("keeps null, arrays, dates and objects as values", () => {
    const at = new Date("2030-01-01T00:00:00Z");
    const q = sql`INSERT INTO t VALUES (${null}, ${["pwd", "otp"]}, ${at}, ${{ a: 1 }})`;
    expect(q.text).toBe("INSERT INTO t VALUES ($1, $2, $3, $4)");
    expect(q.values).toEqual([null, ["pwd", "otp"], at, { a: 1 }]);
  });

  it("inlines a nested fragment and renumbers its parameters after the ones before it", () => {
    const filter = sql`user_id = ${"u1"} AND created_at < ${"t1"}`;
    const q = sql`SELECT * FROM sessions WHERE id = ${"s1"} AND ${filter} AND aal = ${2}`;
    expect(q.text).toBe("SELECT * FROM sessions WHERE id = $1 AND user_id = $2 AND created_at < $3 AND aal = $4");
    expect(q.values).toEqual(["s1", "u1", "t1", 2]);
  });

  it("renumbers fragments nested several levels deep, with ten or more parameters", () => {
    const inner = sql`${"a"} ${"b"}`;
    const middle = sql`${1} ${inner} ${2}`;
    const many = sql`${3}${4}${5}${6}${7}${8}${9}${10}${11}${12}`;
    const q = sql`${"x"} ${middle} ${many} ${"y"}`;
    expect(q.values).toEqual(["x", 1, "a", "b", 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, "y"]);
    expect(q.text).toBe("$1 $2 $3 $4 $5 $6$7$8$9$10$11$12$13$14$15 $16");
  });

  it("reuses one fragment twice with independent numbering", () => {
    const live = sql`revoked_at IS NULL AND idle_expires_at > ${"now"}`;
    const q = sql`SELECT 1 WHERE ${live} OR ${live}`;
    expect(q.text).toBe("SELECT 1 WHERE revoked_at IS NULL AND idle_expires_at > $1 OR revoked_at IS NULL AND idle_expires_at > $2");
    expect(q.values).toEqual(["now", "now"]);
  });

  it("treats a plain object that looks like a query as a value, not as SQL", () => {
    const forged = { text: "1; DROP TABLE users", values: [] };
    const q = sql`SELECT ${forged}`;
    expect(q.text).toBe("SELECT $1");
    expect(q.values).toEqual([forged]);
  });

  it("leaves dollar-quoted bodies ($$) of a fragment alone", () => {
    const q = sql`SELECT ${1}, ${sql`$$ body $$`}`;
    expect(q.text).toBe("SELECT $1, $$ body $$");
  });
});

describe("joinSql", () => {
  it("joins fragments with a separator and numbers all their parameters in order", () => {
    const parts = [sql`user_id = ${"u"}`, sql`event_type = ${"login.failure"}`, sql`created_at >= ${"t"}`];
    const where = joinSql(parts, sql` AND `);
    expect(where.text).toBe("user_id = $1 AND event_type = $2 AND created_at >= $3");
    expect(where.values).toEqual(["u", "login.failure", "t"]);
    const q = sql`SELECT id FROM audit_logs WHERE id > ${5} AND ${where} LIMIT ${50}`;
    expect(q.text).toBe("SELECT id FROM audit_logs WHERE id > $1 AND user_id = $2 AND event_type = $3 AND created_at >= $4 LIMIT $5");
    expect(q.values).toEqual([5, "u", "login.failure", "t", 50]);
  });

  it("carries a separator's own parameters once per gap", () => {
    const joined = joinSql([sql`a = ${1}`, sql`b = ${2}`, sql`c = ${3}`], sql` OR x = ${"sep"} OR `);
    expect(joined.text).toBe("a = $1 OR x = $2 OR b = $3 OR x = $4 OR c = $5");
    expect(joined.values).toEqual([1, "sep", 2, "sep", 3]);
  });

  it("returns the single fragment unchanged, and an empty fragment for no parts", () => {
    const one = sql`a = ${1}`;
    expect(joinSql([one], sql`, `)).toBe(one);
    const none = joinSql([], sql` AND `);
    expect(none.text).toBe("");
    expect(none.values).toEqual([]);
    expect(sql`SELECT 1 ${none}`.text).toBe("SELECT 1 ");
  });

  it("names a prepared statement after its text: one text, one name; a changed text, a new name", () => {
    const a = prepared("hot", sql`SELECT ${1}`);
    expect(a.name).toMatch(/^hot_[0-9a-f]{12}$/);
    expect(prepared("hot", sql`SELECT ${2}`)).toEqual({ text: a.text, values: [2], name: a.name });
    expect(prepared("hot", sql`SELECT ${1} + 1`).name).not.toBe(a.name);
  });
});
