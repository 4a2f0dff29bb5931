/**
 * The account pages' own routes: GET /api/auth/activity (the user's own security events) and
 * POST /api/auth/profile (the display name).
 */
import { describe, expect, it } from "vitest";
import { Client, serverSql, signedInClient } from "../support/http";

describe("GET /api/auth/activity", () => {
  it("lists the caller's own sign-ins and failures, newest first, with IP and device, and nothing of another account", async () => {
    const { client, email, userId } = await signedInClient();
    const other = await signedInClient();
    const stranger = new Client({ ip: "10.9.8.7" });
    expect(
      (
        await stranger.post(
          "/api/auth/login",
          { email, password: "not the password at all" },
          { headers: { "user-agent": "UnitTest/1.0" } },
        )
      ).status,
    ).toBe(401);

    const res = await client.get("/api/auth/activity");
    expect(res.status).toBe(200);
    const types = res.body.entries.map((e: { eventType: string }) => e.eventType);
    expect(types).toContain("login.success");
    expect(types).toContain("register");
    const failure = res.body.entries.find((e: { eventType: string }) => e.eventType === "login.failure");
    expect(failure).toMatchObject({ result: "failure", ip: "10.9.8.7", userAgent: "UnitTest/1.0" });
    const times = res.body.entries.map((e: { at: string }) => Date.parse(e.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    for (const entry of res.body.entries)
      expect(Object.keys(entry).sort()).toEqual(["at", "bySelf", "eventType", "id", "ip", "result", "userAgent"]);

    const ids = new Set(
      (await serverSql<{ id: string }>(`SELECT id::text FROM audit_logs WHERE actor_id = $1 OR target_id = $1`, [other.userId])).map(
        (r) => r.id,
      ),
    );
    for (const entry of res.body.entries) expect(ids.has(entry.id)).toBe(false);
    expect(userId).not.toBe(other.userId);
  });

  it("pages with a cursor and refuses a forged one", async () => {
    const { client } = await signedInClient();
    const first = await client.get("/api/auth/activity?limit=1");
    expect(first.status).toBe(200);
    expect(first.body.entries).toHaveLength(1);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await client.get(`/api/auth/activity?limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.entries).toHaveLength(1);
    expect(second.body.entries[0].id).not.toBe(first.body.entries[0].id);
    const forged = await client.get("/api/auth/activity?cursor=bm90LWEtY3Vyc29y");
    expect(forged.status).toBe(400);
    expect(forged.body.error.code).toBe("invalid_cursor");
    expect((await client.get("/api/auth/activity?limit=0")).body.error.code).toBe("invalid_request");
  });

  it("answers 401 unauthenticated when signed out", async () => {
    const res = await new Client().get("/api/auth/activity");
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("unauthenticated");
  });
});

describe("POST /api/auth/profile", () => {
  it("sets and clears the display name, audited as profile.updated without the name", async () => {
    const { client, userId } = await signedInClient();
    const set = await client.post("/api/auth/profile", { name: "  Ada Lovelace " });
    expect(set.status).toBe(200);
    expect(set.body.user.name).toBe("Ada Lovelace");
    expect((await client.get("/api/auth/session")).body.user.name).toBe("Ada Lovelace");
    const [audit] = await serverSql<{ details: Record<string, unknown> }>(
      `SELECT details FROM audit_logs WHERE event_type = 'profile.updated' AND target_id = $1`,
      [userId],
    );
    expect(audit!.details).toEqual({ fields: ["name"] });

    const cleared = await client.post("/api/auth/profile", { name: " " });
    expect(cleared.body.user.name).toBeNull();
    const [row] = await serverSql<{ name: string | null }>(`SELECT name FROM users WHERE id = $1`, [userId]);
    expect(row!.name).toBeNull();
  });

  it.each([
    ["a name over 200 characters", { name: "x".repeat(201) }, 400, "invalid_request"],
    ["an unknown field", { name: "A", email: "x@example.com" }, 400, "invalid_request"],
  ])("refuses %s", async (_label, body, status, code) => {
    const { client } = await signedInClient();
    const res = await client.post("/api/auth/profile", body);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
  });

  it("answers 401 when signed out and 403 cross_site_request from another origin", async () => {
    expect((await new Client().post("/api/auth/profile", { name: "A" })).status).toBe(401);
    const { client } = await signedInClient();
    const res = await client.post("/api/auth/profile", { name: "A" }, { headers: { origin: "https://evil.example" } });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("cross_site_request");
  });
});
