/**
 * GET /api/openapi.json serves the committed docs/openapi.json, and requests the API accepts
 * validate against that document's schemas (tests/unit/openapi.test.ts checks the document itself).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Client } from "../support/http";

const committed = JSON.parse(readFileSync("docs/openapi.json", "utf8"));

describe("GET /api/openapi.json", () => {
  it("serves the committed document, cacheable, to anyone", async () => {
    const res = await new Client().get("/api/openapi.json", { headers: { origin: "" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(res.body).toEqual(committed);
  });
});
