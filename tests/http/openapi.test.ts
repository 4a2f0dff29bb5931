/**
 * GET /api/openapi.json serves the committed docs/openapi.json, and requests the API accepts
 * validate against that document's schemas (tests/unit/openapi.test.ts checks the document itself).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { Client, GOOD_PASSWORD, uniqueEmail } from "../support/http";

const committed = JSON.parse(readFileSync("docs/openapi.json", "utf8"));

function validatorFor(served: any, path: string) {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats.default(ajv);
  return ajv.compile(served.paths[path].post.requestBody.content["application/json"].schema);
}

describe("GET /api/openapi.json", () => {
  it("serves the committed document, cacheable, to anyone", async () => {
    const res = await new Client().get("/api/openapi.json", { headers: { origin: "" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(res.body).toEqual(committed);
  });

  it("round trip: bodies that register and sign-in accept validate against the served schemas; one they refuse does not", async () => {
    const served = (await new Client().get("/api/openapi.json")).body;
    const register = validatorFor(served, "/api/auth/register");
    const login = validatorFor(served, "/api/auth/login");
    const email = uniqueEmail("openapi");
    const client = new Client();
    const registerBody = { email, password: GOOD_PASSWORD, name: "Open API" };
    expect((await client.post("/api/auth/register", registerBody)).status).toBe(201);
    expect(register(registerBody)).toBe(true);
    const loginBody = { email, password: GOOD_PASSWORD };
    expect((await client.post("/api/auth/login", loginBody)).status).not.toBe(400);
    expect(login(loginBody)).toBe(true);

    const missing = { email };
    const refused = await new Client().post("/api/auth/login", missing);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe("invalid_request");
    expect(login(missing)).toBe(false);
    expect(register(missing)).toBe(false);
  });
});
