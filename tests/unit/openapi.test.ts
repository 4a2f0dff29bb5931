/**
 * docs/openapi.json (scripts/openapi.ts): a valid OpenAPI 3.1 document, generated from the route
 * manifest and the routes' schema.ts modules, whose request schemas accept what the API accepts.
 * The served copy is checked against the committed one in tests/http/openapi.test.ts.
 */
import { readFileSync } from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { errorCatalogue } from "../../lib/errors";
import { ROUTES } from "../../lib/http/route-manifest";
import { isDocumented, openapiDoc, openapiDocument, schemaProblems } from "../../scripts/openapi";
import * as passwordReset from "../../app/api/auth/password/reset/schema";
import * as tokenRefresh from "../../app/api/auth/token/refresh/schema";
import * as logoutAll from "../../app/api/auth/logout-all/schema";
import * as login from "../../app/api/auth/login/schema";
import * as register from "../../app/api/auth/register/schema";

const committed = JSON.parse(readFileSync("docs/openapi.json", "utf8"));
const METHODS = ["get", "post", "put", "patch", "delete"];

function operations(doc: any): { method: string; path: string; op: any }[] {
  return Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
  );
}

function bodySchema(path: string, method = "post"): Record<string, unknown> {
  const schema = committed.paths[path]?.[method]?.requestBody?.content?.["application/json"]?.schema;
  if (!schema) throw new Error(`no JSON body schema for ${method} ${path}`);
  return schema;
}

function ajv(): Ajv2020 {
  const instance = new Ajv2020({ strict: true, allErrors: true });
  addFormats.default(instance);
  return instance;
}

describe("docs/openapi.json", () => {
  it("is what the manifest and the schema modules generate (npm run docs)", () => {
    expect(readFileSync("docs/openapi.json", "utf8")).toBe(openapiDoc());
  });

  it("is a valid OpenAPI 3.1 document (the official schema, through @seriousme/openapi-schema-validator)", async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(committed));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
    expect(committed.openapi).toBe("3.1.0");
  });

  it("has every request schema compile as JSON Schema 2020-12 in ajv's strict mode", () => {
    const compiler = ajv();
    let compiled = 0;
    for (const { op } of operations(committed)) {
      const schemas = [
        ...(op.parameters ?? []).map((p: any) => p.schema),
        ...Object.values(op.requestBody?.content ?? {}).map((c: any) => c.schema),
      ];
      for (const schema of schemas) {
        compiler.compile(schema);
        compiled++;
      }
    }
    expect(compiled).toBeGreaterThan(40);
  });

  it("documents every route of the manifest but the test hooks, and nothing else", () => {
    const documented = operations(committed).map(({ method, path }) => `${method} ${path}`);
    const expected = ROUTES.filter(isDocumented).map((r) => `${r.method} ${r.path.replace(/\[([^\]]+)\]/g, "{$1}")}`);
    expect([...documented].sort()).toEqual([...expected].sort());
    expect(documented.some((key) => key.includes("/api/test/"))).toBe(false);
    expect(documented).toContain("GET /api/openapi.json");
  });

  it("gives every operation a unique operationId and the manifest's success status", () => {
    const ops = operations(committed);
    const ids = ops.map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const route of ROUTES.filter(isDocumented)) {
      const op = committed.paths[route.path.replace(/\[([^\]]+)\]/g, "{$1}")][route.method.toLowerCase()];
      expect(Object.keys(op.responses), `${route.method} ${route.path}`).toContain(String(route.success ?? 200));
    }
  });

  it("describes errors with the catalogue's codes, and every refusal refers to that response", () => {
    expect(committed.components.schemas.ErrorCode.enum).toEqual(Object.keys(errorCatalogue));
    for (const { op } of operations(committed)) {
      expect(op.responses["4XX"]).toEqual({ $ref: "#/components/responses/Error" });
      expect(op.responses["5XX"]).toEqual({ $ref: "#/components/responses/Error" });
    }
  });

  it("lists a body's required fields, and leaves out the optional and defaulted ones", () => {
    expect(bodySchema("/api/auth/password/reset").required).toEqual(["token", "password"]);
    expect(bodySchema("/api/auth/login").required).toEqual(["email", "password"]);
    expect(bodySchema("/api/auth/register").required).toEqual(["email", "password"]);
    expect(bodySchema("/api/auth/login/mfa").required).toEqual(["challenge", "code"]);
    expect((bodySchema("/api/auth/password/change").required as string[]).includes("code")).toBe(false);
    expect(bodySchema("/api/auth/logout-all").required ?? []).toEqual([]);
    expect(committed.paths["/api/auth/logout-all"].post.requestBody.required).toBe(false);
    expect(bodySchema("/api/auth/token/refresh").additionalProperties).toBe(false);
  });

  it("documents path and query parameters from the schema modules, with the routes' own patterns", () => {
    const params = committed.paths["/api/admin/users/{id}/sessions/{sessionId}/activity"].get.parameters;
    expect(params.map((p: any) => `${p.in}:${p.name}:${p.required}`)).toEqual([
      "path:id:true",
      "path:sessionId:true",
      "query:limit:false",
      "query:cursor:false",
    ]);
    // UUID_PATTERN is case-insensitive (/i): the document's pattern must accept upper case too
    const id = ajv().compile(params[0].schema);
    expect(id("0B5C1C8E-3C1A-4F7A-9E2B-2D1E0F6A7B8C")).toBe(true);
    expect(id("not-a-uuid")).toBe(false);
  });

  it("secures operations as the manifest says: session routes, cron's bearer secret, public routes", () => {
    expect(committed.paths["/api/auth/sessions"].get.security).toEqual([{ sessionCookie: [] }, { sessionBearer: [] }]);
    expect(committed.paths["/api/cron/daily"].get.security).toEqual([{ cronSecret: [] }]);
    expect(committed.paths["/api/health"].get.security).toEqual([]);
    expect(committed.components.securitySchemes.sessionCookie).toMatchObject({ type: "apiKey", in: "cookie", name: "portcullis_session" });
    expect(committed.paths["/api/admin/users"].get["x-permission"]).toBe("users:read");
  });

  it("round trip: a body the route's zod schema accepts validates against the document, one it refuses does not", () => {
    const cases = [
      {
        path: "/api/auth/register",
        schema: register.body,
        good: { email: "someone@example.com", password: "plenty long passphrase", name: null },
      },
      { path: "/api/auth/login", schema: login.body, good: { email: "someone@example.com", password: "x" } },
      { path: "/api/auth/password/reset", schema: passwordReset.body, good: { token: "t".repeat(43), password: "plenty long passphrase" } },
      { path: "/api/auth/token/refresh", schema: tokenRefresh.body, good: { refreshToken: "A".repeat(43) } },
      { path: "/api/auth/logout-all", schema: logoutAll.body, good: { keepCurrent: true } },
    ];
    for (const { path, schema, good } of cases) {
      const validate = ajv().compile(bodySchema(path));
      expect(schema.safeParse(good).success, path).toBe(validate(good));
      const bad = { ...good, unexpected: 1 };
      expect(schema.safeParse(bad).success, path).toBe(validate(bad));
      expect(validate({})).toBe(schema.safeParse({}).success);
    }
  });

  it("refuses to generate when a route keeps zod schemas in route.ts or lacks the schema it reads", () => {
    const problems = schemaProblems([
      { dir: "app/api/auth/new-thing/[id]", source: 'import { z } from "zod";\nconst b = await readBody(request, body);', schemas: {} },
      { dir: "app/api/admin/other", source: "parseSearchParams(request.url, query)", schemas: { extra: {} } as never },
    ]);
    expect(problems.join("\n")).toMatch(/new-thing\/\[id\]\/route\.ts imports zod/);
    expect(problems.join("\n")).toMatch(/new-thing\/\[id\]\/route\.ts reads a JSON body but .* exports no body/);
    expect(problems.join("\n")).toMatch(/new-thing\/\[id\]: path parameters id but schema\.ts exports no pathParams/);
    expect(problems.join("\n")).toMatch(/other\/schema\.ts exports extra/);
    expect(problems.join("\n")).toMatch(/other\/route\.ts reads a query string but .* exports no query/);
    expect(schemaProblems()).toEqual([]);
    expect(() => openapiDocument()).not.toThrow();
  });
});
