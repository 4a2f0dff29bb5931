import { describe, expect, it } from "vitest";
import { inject } from "vitest";
import { readFileSync } from "node:fs";
import { Client, serverSql, signedInClient, uniqueEmail } from "../support/http";

interface AuditRow {
  event_type: string;
  result: string;
  actor_id: string | null;
  target_id: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  created_at: string;
  details: Record<string, unknown>;
}

async function eventsFor(userId: string): Promise<AuditRow[]> {
  return serverSql<AuditRow>(
    `SELECT event_type, result, actor_id, target_id, host(ip) AS ip, user_agent, request_id, created_at, details
     FROM audit_logs WHERE target_id = $1 OR actor_id = $1 ORDER BY id`,
    [userId],
  );
}

describe("audit log (#65, #66)", () => {
  it("writes one row per event with who, what, when and where", async () => {
    const canary = "CANARY-pass-phrase-that-must-not-leak";
    const { client, email, userId } = await signedInClient({ password: canary });
    await client.post("/api/auth/login", { email, password: "a wrong password for the log" });
    const second = new Client();
    await second.post("/api/auth/login", { email, password: canary });
    await client.delete(`/api/auth/sessions/${second.sessionToken()!.split(".")[0]}`);
    await client.post("/api/auth/logout");
    const rows = await eventsFor(userId);
    const counts: Record<string, number> = {};
    for (const r of rows) counts[r.event_type] = (counts[r.event_type] ?? 0) + 1;
    expect(counts).toMatchObject({ register: 1, "login.success": 2, "login.failure": 1, "session.revoked": 1, logout: 1 });
    for (const row of rows) {
      expect(row.ip).toMatch(/^10\./);
      expect(row.request_id).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
      expect(["success", "failure"]).toContain(row.result);
      expect(new Date(row.created_at).toISOString()).toBe(row.created_at);
    }
    const failure = rows.find((r) => r.event_type === "login.failure")!;
    expect(failure.result).toBe("failure");
    expect(failure.target_id).toBe(userId);
  });

  it("never stores or prints passwords, tokens or hashes", async () => {
    const canary = "CANARY-secret-words-never-logged";
    const { client, email, userId } = await signedInClient({ password: canary });
    await client.post("/api/auth/login", { email, password: `${canary}-wrong` });
    const token = client.sessionToken()!;
    const secret = token.split(".")[1]!;
    const hash = (await serverSql("SELECT password_hash FROM users WHERE id = $1", [userId]))[0].password_hash as string;
    const dump = JSON.stringify(await serverSql("SELECT * FROM audit_logs WHERE target_id = $1 OR actor_id = $1", [userId]));
    for (const needle of [canary, secret, hash]) expect(dump).not.toContain(needle);
    const log = readFileSync(inject("serverLog"), "utf8");
    for (const needle of [canary, secret, hash.split("$")[5]!]) expect(log).not.toContain(needle);
  });

  it("keeps log lines single-line when input carries CR/LF (log injection)", async () => {
    const client = new Client();
    await client.post("/api/auth/register", { email: uniqueEmail(), password: "x\r\n[INFO] forged line here" });
    await client.post("/api/auth/register", { email: "x\r\n[INFO] forged@example.com", password: "whatever it is long" });
    const log = readFileSync(inject("serverLog"), "utf8");
    expect(log.split("\n").some((line) => line.startsWith("[INFO] forged"))).toBe(false);
  });
});

describe("CSRF and content types (#61)", () => {
  it("refuses cross-site state changes and simple content types, and sends no CORS grant", async () => {
    const { client } = await signedInClient();
    const evil = await client.post("/api/auth/logout", undefined, { headers: { origin: "https://evil.example" } });
    expect(evil.status).toBe(403);
    expect(evil.body.error.code).toBe("cross_site_request");
    const crossSite = await client.request("POST", "/api/auth/logout", { headers: { origin: "", "sec-fetch-site": "cross-site" } });
    expect(crossSite.status).toBe(403);
    const noHeaders = await client.request("POST", "/api/auth/logout", { headers: { origin: "" } });
    expect(noHeaders.status).toBe(403);
    const textPlain = await client.request("POST", "/api/auth/login", { body: "{}", headers: { "content-type": "text/plain" } });
    expect(textPlain.status).toBe(415);
    const form = await client.request("POST", "/api/auth/login", {
      body: "a=b",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(415);
    const preflight = await client.request("OPTIONS", "/api/auth/login", {
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    expect((await client.get("/api/auth/session")).status).toBe(200);
  });
});
