import { describe, expect, it } from "vitest";
import { Client } from "../support/http";
import { usingPglite, usingVercelDriver } from "../support/env";

describe("GET /api/health", () => {
  it("answers 200 with the driver and no pending migration", async () => {
    const res = await new Client().get("/api/health");
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("ok");
    expect(res.body.driver).toBe(usingPglite ? "pglite" : usingVercelDriver ? "vercel" : "pg");
    expect(res.body.migrations.pending).toEqual([]);
    expect(res.body.migrations.applied).toBeGreaterThanOrEqual(10);
  });
});
