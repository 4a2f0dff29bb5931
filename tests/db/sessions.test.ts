import { beforeEach, describe, expect, it } from "vitest";
import { resetDb, testDb } from "../support/db";
import { sql, type Db, type Queryable } from "../../lib/db";
import { parseConfig } from "../../lib/config";
import { createSession, rotateSession, validateSessionToken } from "../../lib/sessions/sessions";
import { signIn } from "../../lib/accounts/sign-in";
import { register } from "../../lib/accounts/register";

const cfg = parseConfig({ NODE_ENV: "test", MAIL_TRANSPORT: "outbox" });
const actor = { ip: "192.0.2.10", userAgent: "vitest", requestId: "test-request-1" };
const HOUR = 3_600_000;

async function newUser(db: Db, email = "someone@example.com"): Promise<string> {
  const { rows } = await db.query<{ id: string }>(sql`INSERT INTO users (email) VALUES (${email}) RETURNING id`);
  return rows[0]!.id;
}

describe("sessions (lib, against Postgres)", () => {
  beforeEach(async () => resetDb(await testDb()));

  it("issues 1,000 distinct tokens of 128-bit id and 256-bit secret (#23)", async () => {
    const db = await testDb();
    const userId = await newUser(db);
    const now = new Date();
    const tokens = new Set<string>();
    await db.transaction(async (tx) => {
      for (let i = 0; i < 1000; i++) {
        const issued = await createSession(tx, { userId, aal: 1, amr: ["pwd"], now, ip: null, userAgent: null }, cfg);
        tokens.add(issued.token);
      }
    });
    expect(tokens.size).toBe(1000);
    for (const token of [...tokens].slice(0, 50)) {
      const [id, secret] = token.split(".");
      expect(Buffer.from(id!, "base64url")).toHaveLength(16);
      expect(Buffer.from(secret!, "base64url")).toHaveLength(32);
    }
  });

  it("rotation issues a new id, revokes the old one and never extends the absolute expiry", async () => {
    const db = await testDb();
    const userId = await newUser(db);
    const t0 = new Date("2026-01-01T00:00:00Z");
    const first = await createSession(db, { userId, aal: 1, amr: ["pwd"], now: t0, ip: null, userAgent: null }, cfg);
    const t1 = new Date(t0.getTime() + 5 * HOUR);
    const second = await rotateSession(db, first.session, { now: t1, ip: null, userAgent: null, reauthenticatedAt: t1 }, cfg);
    expect(second.session.id).not.toBe(first.session.id);
    expect(second.session.absoluteExpiresAt.getTime()).toBe(first.session.absoluteExpiresAt.getTime());
    expect(await validateSessionToken(db, first.token, t1, cfg)).toBeNull();
    expect((await validateSessionToken(db, second.token, t1, cfg))?.session.reauthenticatedAt.getTime()).toBe(t1.getTime());
  });

  it("gives aal2 sessions the tighter idle and absolute timeouts", async () => {
    const db = await testDb();
    const userId = await newUser(db);
    const t0 = new Date("2026-01-01T00:00:00Z");
    const issued = await createSession(db, { userId, aal: 2, amr: ["pwd", "otp"], now: t0, ip: null, userAgent: null }, cfg);
    expect(issued.session.idleExpiresAt.getTime() - t0.getTime()).toBe(30 * 60_000);
    expect(issued.session.absoluteExpiresAt.getTime() - t0.getTime()).toBe(12 * HOUR);
  });

  it("fails closed: a database fault during sign-in issues no session and leaves nothing half-written (#67)", async () => {
    const db = await testDb();
    const email = "fault@example.com";
    expect(await register(db, { email, password: "a sturdy password for errors", name: null, now: new Date(), actor }, cfg)).toEqual({
      ok: true,
      value: undefined,
    });
    // The real database, with one statement made to fail: the session INSERT.
    const faulty: Db = {
      ...db,
      transaction: (fn) => db.transaction((tx) => fn(failOn(tx, /INSERT INTO sessions/))),
    };
    await expect(signIn(faulty, { email, password: "a sturdy password for errors", now: new Date(), actor }, cfg)).rejects.toThrow(
      /injected fault/,
    );
    const sessions = await db.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM sessions`);
    expect(sessions.rows[0]!.n).toBe(0);
    const success = await db.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM audit_logs WHERE event_type = 'login.success'`);
    expect(success.rows[0]!.n).toBe(0);
  });
});

function failOn(tx: Queryable, pattern: RegExp): Queryable {
  return {
    query: async (q) => {
      if (pattern.test(q.text)) throw new Error("injected fault");
      return tx.query(q);
    },
  };
}
