/**
 * Client IP (issue 10 item 5, checklist #17): the shared test server reads x-real-ip (set
 * explicitly in its environment, as a proxy deployment must). Malformed values are treated as
 * absent (never a 500), requests with no usable address do not share one bucket that one
 * client can exhaust for everyone, and IPv6 clients are limited per /64.
 */
import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { Client, GOOD_PASSWORD, serverSql, uniqueEmail } from "../support/http";

const WRONG = "definitely the wrong password";
const IP_LIMIT = 20; // IP_LOGIN_FAILURES_PER_WINDOW default

async function registered(): Promise<string> {
  const email = uniqueEmail("ip");
  expect((await new Client().post("/api/auth/register", { email, password: GOOD_PASSWORD })).status).toBe(201);
  return email;
}

/** A random /64 in the documentation range 2001:db8::/32. */
function randomPrefix64(): string {
  const b = randomBytes(4);
  return `2001:db8:${b.readUInt16BE(0).toString(16)}:${b.readUInt16BE(2).toString(16)}`;
}

describe("client IP", () => {
  it.each(["1::2::3", "fe80::1%eth0", "999.1.1.1", "10.0.0.1, 10.0.0.2", "not an address"])(
    "treats the malformed X-Real-IP %j as absent: no 500, no made-up address in the audit log",
    async (value) => {
      const email = await registered();
      const client = new Client({ ip: value });
      const wrong = await client.post("/api/auth/login", { email, password: WRONG });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error.code).toBe("invalid_credentials");
      const right = await client.post("/api/auth/login", { email, password: GOOD_PASSWORD });
      expect(right.status).toBe(200);
      const rows = await serverSql<{ ip: string | null }>(
        `SELECT a.ip::text AS ip FROM audit_logs a JOIN users u ON u.id = COALESCE(a.actor_id, a.target_id) WHERE u.email = $1 AND a.event_type = 'login.success'`,
        [email],
      );
      expect(rows).toEqual([{ ip: null }]);
    },
  );

  it("keeps a canonical address in the audit log (IPv4-mapped IPv6 as IPv4, IPv6 compressed)", async () => {
    const email = await registered();
    const prefix = randomPrefix64();
    expect(
      (await new Client({ ip: `${prefix.toUpperCase()}:0:0:0:7` }).post("/api/auth/login", { email, password: GOOD_PASSWORD })).status,
    ).toBe(200);
    expect((await new Client({ ip: "::ffff:10.77.0.1" }).post("/api/auth/login", { email, password: GOOD_PASSWORD })).status).toBe(200);
    const rows = await serverSql<{ ip: string }>(
      `SELECT host(a.ip) AS ip FROM audit_logs a JOIN users u ON u.id = COALESCE(a.actor_id, a.target_id) WHERE u.email = $1 AND a.event_type = 'login.success' ORDER BY a.id`,
      [email],
    );
    expect(rows.map((r) => r.ip)).toEqual([`${prefix}::7`, "10.77.0.1"]);
  });

  it("does not let one client without a usable address lock out every other such client", async () => {
    const victim = await registered();
    const attacker = new Client({ ip: "" }); // no X-Real-IP at all
    for (let i = 0; i <= IP_LIMIT; i++) {
      const res = await attacker.post("/api/auth/login", { email: uniqueEmail("nobody"), password: WRONG });
      expect(res.status).toBe(401);
    }
    const other = await new Client({ ip: "1::2::3" }).post("/api/auth/login", { email: victim, password: GOOD_PASSWORD });
    expect(other.status).toBe(200);
  }, 240_000);

  it("limits IPv6 clients per /64: new addresses in the same network do not escape the per-IP limit", async () => {
    const prefix = randomPrefix64();
    for (let i = 1; i <= IP_LIMIT; i++) {
      const res = await new Client({ ip: `${prefix}::${i.toString(16)}` }).post("/api/auth/login", {
        email: uniqueEmail("nobody"),
        password: WRONG,
      });
      expect(res.status).toBe(401);
    }
    const sameNetwork = await new Client({ ip: `${prefix}:ffff:ffff:ffff:ffff` }).post("/api/auth/login", {
      email: uniqueEmail("nobody"),
      password: WRONG,
    });
    expect(sameNetwork.status).toBe(429);
    expect(Number(sameNetwork.headers.get("retry-after"))).toBeGreaterThan(0);
    const otherNetwork = await new Client({ ip: `${randomPrefix64()}::1` }).post("/api/auth/login", {
      email: uniqueEmail("nobody"),
      password: WRONG,
    });
    expect(otherNetwork.status).toBe(401);
  }, 240_000);
});
