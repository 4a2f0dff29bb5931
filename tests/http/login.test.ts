import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { Client, GOOD_PASSWORD, latestMail, randomIp, serverSql, uniqueEmail, type HttpResult } from "../support/http";

const WRONG = "definitely the wrong password";
const MINUTE = 60_000;

async function registered(email = uniqueEmail()): Promise<string> {
  const res = await new Client().post("/api/auth/register", { email, password: GOOD_PASSWORD });
  expect(res.status).toBe(201);
  return email;
}

/** Headers that may differ between two otherwise identical responses. */
const VOLATILE = new Set(["date", "x-request-id"]);

function shape(res: HttpResult): { status: number; text: string; headers: string[]; retryAfter: string | null } {
  return {
    status: res.status,
    text: res.text,
    headers: [...res.headers.keys()].filter((h) => !VOLATILE.has(h)).sort(),
    // the Retry-After bucket (30 s), not the exact second, which depends on when each lock began
    retryAfter: res.headers.has("retry-after") ? String(Math.ceil(Number(res.headers.get("retry-after")) / 30)) : null,
  };
}

describe("POST /api/auth/login: generic failures (#11, #14)", () => {
  it("answers unknown email, wrong password and disabled account byte-identically", async () => {
    const known = await registered();
    const disabled = await registered();
    await serverSql("UPDATE users SET status = 'disabled', disabled_at = now() WHERE email = $1", [disabled]);
    const client = new Client();
    const unknown = await client.post("/api/auth/login", { email: uniqueEmail(), password: WRONG });
    const wrong = await client.post("/api/auth/login", { email: known, password: WRONG });
    const off = await client.post("/api/auth/login", { email: disabled, password: WRONG });
    const offRight = await client.post("/api/auth/login", { email: disabled, password: GOOD_PASSWORD });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.code).toBe("invalid_credentials");
    for (const other of [wrong, off, offRight]) expect(shape(other)).toEqual(shape(unknown));
    expect(unknown.headers.get("set-cookie")).toBeNull();
  });

  it("refuses default accounts on a fresh deployment (#10)", async () => {
    const client = new Client();
    for (const [email, password] of [
      ["admin@example.com", "admin"],
      ["root@localhost.localdomain", "root"],
      ["test@test.com", "test"],
    ]) {
      expect((await client.post("/api/auth/login", { email, password })).status).toBe(401);
    }
  });
});

describe("POST /api/auth/login: per-account lockout (#13, #14, #15)", () => {
  it("locks after 10 failures, even for the correct password, identically for a missing account, and audits it", async () => {
    const real = await registered();
    const ghost = uniqueEmail();
    // a fresh IP per attempt keeps the per-IP throttle out of this test
    for (let i = 0; i < 10; i++) {
      const a = await new Client().post("/api/auth/login", { email: real, password: WRONG });
      const b = await new Client().post("/api/auth/login", { email: ghost, password: WRONG });
      expect(shape(a)).toEqual(shape(b));
    }
    const locked = await new Client().post("/api/auth/login", { email: real, password: GOOD_PASSWORD });
    const lockedGhost = await new Client().post("/api/auth/login", { email: ghost, password: GOOD_PASSWORD });
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe("too_many_requests");
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(locked.headers.get("set-cookie")).toBeNull();
    expect(shape(lockedGhost)).toEqual(shape(locked));
    const audit = await serverSql(
      "SELECT a.ip::text AS ip, a.created_at, a.target_id FROM audit_logs a JOIN users u ON u.id = a.target_id WHERE u.email = $1 AND a.event_type = 'login.locked'",
      [real],
    );
    expect(audit).toHaveLength(1);
    expect(audit[0].ip).toMatch(/^10\./);
    expect((await latestMail(real, "account_locked"))?.text_body).toMatch(/reset/);
  });

  it("does not count attempts made during a lock, and a success resets the count (#15a, #15b)", async () => {
    const email = await registered();
    const subject = createHash("sha256").update(email.toLowerCase()).digest("hex");
    for (let i = 0; i < 9; i++) await new Client().post("/api/auth/login", { email, password: WRONG });
    expect((await serverSql("SELECT failures FROM login_throttles WHERE subject_hash = $1", [subject]))[0].failures).toBe(9);
    expect((await new Client().post("/api/auth/login", { email, password: GOOD_PASSWORD })).status).toBe(200);
    expect(await serverSql("SELECT 1 FROM login_throttles WHERE subject_hash = $1", [subject])).toHaveLength(0);
    for (let i = 0; i < 10; i++) await new Client().post("/api/auth/login", { email, password: WRONG });
    const before = (await serverSql("SELECT total_failures FROM login_throttles WHERE subject_hash = $1", [subject]))[0].total_failures;
    for (let i = 0; i < 3; i++) expect((await new Client().post("/api/auth/login", { email, password: WRONG })).status).toBe(429);
    const after = (await serverSql("SELECT total_failures FROM login_throttles WHERE subject_hash = $1", [subject]))[0].total_failures;
    expect(after).toBe(before);
  });

  it("shares one counter across letter case and lets the correct password in once the lock expires (#15c, #15d)", async () => {
    const email = await registered();
    const upper = email.toUpperCase();
    for (let i = 0; i < 10; i++) {
      await new Client().post("/api/auth/login", { email: i % 2 ? upper : email, password: WRONG });
    }
    expect((await new Client().post("/api/auth/login", { email, password: GOOD_PASSWORD })).status).toBe(429);
    const later = Date.now() + 2 * MINUTE;
    expect((await new Client().post("/api/auth/login", { email, password: GOOD_PASSWORD }, { now: later })).status).toBe(200);
  });

  it("grows the lock with repeated locks up to the cap", async () => {
    const email = await registered();
    const subject = createHash("sha256").update(email.toLowerCase()).digest("hex");
    let now = Date.now();
    const lengths: number[] = [];
    for (let lock = 0; lock < 2; lock++) {
      for (let i = 0; i < 10; i++) await new Client().post("/api/auth/login", { email, password: WRONG }, { now });
      const row = (await serverSql("SELECT locked_until FROM login_throttles WHERE subject_hash = $1", [subject]))[0];
      lengths.push(Math.round((new Date(row.locked_until).getTime() - now) / 1000));
      now = new Date(row.locked_until).getTime() + 1000;
    }
    expect(lengths).toEqual([60, 120]);
  });

  it("after 100 failures in total only a password reset (or an admin) unlocks (#15e)", async () => {
    const email = await registered();
    const subject = createHash("sha256").update(email.toLowerCase()).digest("hex");
    await serverSql(
      "INSERT INTO login_throttles (subject_hash, failures, total_failures, lock_count, last_failure_at) VALUES ($1, 0, 99, 4, now())",
      [subject],
    );
    expect((await new Client().post("/api/auth/login", { email, password: WRONG })).status).toBe(401);
    const muchLater = Date.now() + 24 * 60 * MINUTE;
    const res = await new Client().post("/api/auth/login", { email, password: GOOD_PASSWORD }, { now: muchLater });
    expect(res.status).toBe(429);
    expect((await serverSql("SELECT hard_locked FROM login_throttles WHERE subject_hash = $1", [subject]))[0].hard_locked).toBe(true);
  });
});

describe("POST /api/auth/login: per-IP throttle (#17)", () => {
  it("throttles one IP failing across many emails, ignores X-Forwarded-For, and spares other IPs", async () => {
    const ip = randomIp();
    let last: HttpResult | null = null;
    for (let i = 0; i < 21; i++) {
      last = await new Client({ ip }).post("/api/auth/login", { email: uniqueEmail(), password: WRONG });
    }
    expect(last!.status).toBe(429);
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
    const spoofed = await new Client({ ip }).post(
      "/api/auth/login",
      { email: uniqueEmail(), password: WRONG },
      { headers: { "x-forwarded-for": randomIp() } },
    );
    expect(spoofed.status).toBe(429);
    const other = await new Client().post("/api/auth/login", { email: uniqueEmail(), password: WRONG });
    expect(other.status).toBe(401);
  });
});
