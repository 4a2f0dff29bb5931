import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import { createHash, randomBytes } from "node:crypto";
import { checkBreached } from "../../lib/passwords/breached";
import { checkNewPassword } from "../../lib/passwords/check";
import { parseConfig } from "../../lib/config";
import { sql } from "../../lib/db";
import { testDb } from "../support/db";

// A small Pwned Passwords-compatible range server with three behaviours, by path prefix:
// /ok answers like the real API, /fail answers 500, /hang never answers.
const BREACHED = "a breached passphrase from the test";
const requested: string[] = [];
let server: Server;
let base = "";

function sha1(text: string): string {
  return createHash("sha1").update(text.normalize("NFKC")).digest("hex").toUpperCase();
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = req.url ?? "";
    requested.push(url);
    if (url.startsWith("/fail/")) return void res.writeHead(500).end("internal error");
    if (url.startsWith("/hang/")) return;
    const prefix = /\/range\/([0-9A-F]{5})$/.exec(url)?.[1];
    if (!prefix) return void res.writeHead(404).end();
    const lines = [sha1(BREACHED)].filter((h) => h.startsWith(prefix)).map((h) => `${h.slice(5)}:7`);
    lines.push("0000000000000000000000000000000000A:0");
    res.writeHead(200, { "content-type": "text/plain" }).end(lines.join("\r\n"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("breached-password range check (k-anonymity)", () => {
  it("reports a listed suffix as breached and sends only the first five hex characters of the SHA-1", async () => {
    requested.length = 0;
    expect(await checkBreached(BREACHED, `${base}/ok`, 1000)).toBe("breached");
    expect(requested).toEqual([`/ok/range/${sha1(BREACHED).slice(0, 5)}`]);
    expect(await checkBreached("an unlisted passphrase of some length", `${base}/ok`, 1000)).toBe("clean");
  });

  it("treats a 500 from the range API as unavailable", async () => {
    expect(await checkBreached(BREACHED, `${base}/fail`, 1000)).toBe("unavailable");
  });

  it("gives up after the timeout when the range API hangs, and calls it unavailable", async () => {
    const started = performance.now();
    expect(await checkBreached(BREACHED, `${base}/hang`, 200)).toBe("unavailable");
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(2000);
  });
});

describe("BREACHED_PASSWORD_FAIL_MODE", () => {
  const actor = () => ({ ip: "192.0.2.10", userAgent: "vitest", requestId: `breach-${randomBytes(6).toString("hex")}` });

  async function auditRows(requestId: string) {
    const db = await testDb();
    const { rows } = await db.query<{ event_type: string; result: string; details: { failMode: string } }>(
      sql`SELECT event_type, result, details FROM audit_logs WHERE request_id = ${requestId}`,
    );
    return rows;
  }

  for (const path of ["fail", "hang"] as const) {
    it(`open: accepts the password when the API ${path === "fail" ? "answers 500" : "hangs"}, and audits it`, async () => {
      const cfg = parseConfig({
        BREACHED_PASSWORD_API_URL: `${base}/${path}`,
        BREACHED_PASSWORD_TIMEOUT_MS: "200",
        BREACHED_PASSWORD_FAIL_MODE: "open",
      });
      const who = actor();
      const result = await checkNewPassword(
        await testDb(),
        BREACHED,
        { email: "someone@example.com", userId: null, actor: who, now: new Date() },
        cfg,
      );
      expect(result).toEqual({ ok: true, value: undefined });
      expect(await auditRows(who.requestId)).toEqual([
        { event_type: "breach_check.unavailable", result: "failure", details: { failMode: "open" } },
      ]);
    });

    it(`closed: refuses with breach_check_unavailable when the API ${path === "fail" ? "answers 500" : "hangs"}, and audits it`, async () => {
      const cfg = parseConfig({
        BREACHED_PASSWORD_API_URL: `${base}/${path}`,
        BREACHED_PASSWORD_TIMEOUT_MS: "200",
        BREACHED_PASSWORD_FAIL_MODE: "closed",
      });
      const who = actor();
      const result = await checkNewPassword(
        await testDb(),
        BREACHED,
        { email: "someone@example.com", userId: null, actor: who, now: new Date() },
        cfg,
      );
      expect(result).toEqual({ ok: false, error: "breach_check_unavailable" });
      expect(await auditRows(who.requestId)).toEqual([
        { event_type: "breach_check.unavailable", result: "failure", details: { failMode: "closed" } },
      ]);
    });
  }

  it("is fail-open by default", () => {
    expect(parseConfig({}).BREACHED_PASSWORD_FAIL_MODE).toBe("open");
  });

  it("refuses a breached password with password_breached when the API answers", async () => {
    const cfg = parseConfig({ BREACHED_PASSWORD_API_URL: `${base}/ok`, BREACHED_PASSWORD_FAIL_MODE: "closed" });
    const result = await checkNewPassword(
      await testDb(),
      BREACHED,
      { email: "someone@example.com", userId: null, actor: actor(), now: new Date() },
      cfg,
    );
    expect(result).toEqual({ ok: false, error: "password_breached" });
  });
});
