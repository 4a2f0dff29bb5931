/**
 * Requests the route handlers never see or cannot parse still get the API's JSON contract
 * (issue 10 items 12 and 13, docs/errors-and-requests.md): a wrong method is a JSON 405
 * method_not_allowed with Allow, an unknown /api path a JSON 404 not_found, a malformed
 * percent-encoding a JSON 400 invalid_path, a NUL character or an impossible cursor a 400, each
 * with the security headers and a server-generated X-Request-Id; a client's X-Request-Id is
 * never written into audit rows.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { Client, GOOD_PASSWORD, baseUrl, serverSql, signedInClient, uniqueEmail, type HttpResult } from "../support/http";
import { ROUTES, type Method } from "../../lib/http/route-manifest";
import { insertUser, signedInAdmin, type Principal } from "../support/principals";

const METHODS: readonly Method[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

function expectApiHeaders(res: HttpResult, what: string): void {
  expect(res.headers.get("content-type"), what).toMatch(/^application\/json/);
  expect(res.headers.get("x-content-type-options"), what).toBe("nosniff");
  expect(res.headers.get("cache-control"), what).toBe("no-store");
  expect(res.headers.get("content-security-policy"), what).toContain("default-src 'none'");
  expect(res.headers.get("strict-transport-security"), what).toContain("max-age=");
  expect(res.headers.get("x-request-id"), what).toMatch(/^[A-Za-z0-9_-]{16}$/);
}

/** The manifest's paths with the methods each one serves (entries expecting 405 serve nothing). */
function supportedByPath(): Map<string, Set<Method>> {
  const map = new Map<string, Set<Method>>();
  for (const entry of ROUTES) {
    const set = map.get(entry.path) ?? new Set<Method>();
    if (entry.expect.anonymous !== 405) set.add(entry.method);
    map.set(entry.path, set);
  }
  return map;
}

function concrete(path: string): string {
  return path.replace(/\[[^\]]+\]/g, () => randomBytes(16).toString("base64url"));
}

describe("methods and paths no route serves (#13)", () => {
  it("answers every unsupported method of every manifest route with JSON 405 method_not_allowed and Allow", async () => {
    const client = new Client();
    let pairs = 0;
    for (const [path, supported] of supportedByPath()) {
      expect(supported.size, path).toBeGreaterThan(0);
      for (const method of METHODS.filter((m) => !supported.has(m))) {
        const what = `${method} ${path}`;
        const res = await client.request(method, concrete(path), method === "GET" || method === "DELETE" ? {} : { json: {} });
        expect(res.status, what).toBe(405);
        expect(res.body?.error?.code, what).toBe("method_not_allowed");
        expectApiHeaders(res, what);
        const allow = (res.headers.get("allow") ?? "").split(/,\s*/);
        for (const m of supported) expect(allow, what).toContain(m);
        expect(allow, what).not.toContain(method);
        pairs++;
      }
    }
    expect(pairs).toBeGreaterThan(150);
  });

  it("answers unknown /api paths with JSON 404 not_found, whatever the method", async () => {
    const client = new Client();
    for (const path of ["/api/nope", "/api/auth/nope", "/api/auth/sessions/abc/extra", "/api", "/.well-known/nope"]) {
      for (const method of ["GET", "POST", "DELETE"]) {
        const res = await client.request(method, path);
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.body?.error?.code, `${method} ${path}`).toBe("not_found");
        expectApiHeaders(res, `${method} ${path}`);
      }
    }
  });

  it("still serves HEAD and OPTIONS through Next.js on a GET route", async () => {
    const head = await fetch(`${baseUrl()}/api/health`, { method: "HEAD" });
    expect(head.status).toBe(200);
    const options = await fetch(`${baseUrl()}/api/health`, { method: "OPTIONS" });
    expect(options.status).toBe(204);
  });
});

describe("request ids (#13)", () => {
  it("puts a server-generated X-Request-Id on early refusals: cross-site 403 and 415", async () => {
    const client = new Client();
    const crossSite = await client.post(
      "/api/auth/login",
      { email: "a@example.com", password: "x" },
      { headers: { origin: "https://evil.example" } },
    );
    expect(crossSite.status).toBe(403);
    expect(crossSite.body.error.code).toBe("cross_site_request");
    expectApiHeaders(crossSite, "403");
    const wrongType = await client.post("/api/auth/login", undefined, {
      body: "email=a",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(wrongType.status).toBe(415);
    expectApiHeaders(wrongType, "415");
  });

  it("never writes a client-chosen X-Request-Id into audit rows", async () => {
    const email = uniqueEmail("rid");
    const client = new Client();
    expect((await client.post("/api/auth/register", { email, password: GOOD_PASSWORD })).status).toBe(201);
    const chosen = `client-chosen-${randomBytes(6).toString("hex")}`;
    const login = await client.post("/api/auth/login", { email, password: GOOD_PASSWORD }, { headers: { "x-request-id": chosen } });
    expect(login.status).toBe(200);
    const served = login.headers.get("x-request-id");
    expect(served).not.toBe(chosen);
    const rows = await serverSql<{ request_id: string }>(
      "SELECT request_id FROM audit_logs WHERE event_type = 'login.success' AND target_id = $1",
      [login.body.user.id],
    );
    expect(rows.map((r) => r.request_id)).toEqual([served]);
    expect(await serverSql("SELECT 1 FROM audit_logs WHERE request_id = $1", [chosen])).toEqual([]);
  }, 180_000);
});

describe("bad input is a 400, never a 500 (#12)", () => {
  let admin: Principal;
  beforeAll(async () => {
    admin = await signedInAdmin();
  });

  it("refuses a path segment with malformed percent-encoding with JSON 400 invalid_path", async () => {
    const { client } = await signedInClient();
    for (const path of ["/api/auth/sessions/%E0%A4%A", "/api/auth/sessions/%", "/api/admin/users/%ZZ/disable", "/api/nope/%C3%28"]) {
      const method = path.endsWith("disable") ? "POST" : "DELETE";
      const res = await client.request(method, path, method === "POST" ? { json: {} } : {});
      expect(res.status, path).toBe(400);
      expect(res.body?.error?.code, path).toBe("invalid_path");
      expectApiHeaders(res, path);
    }
  });

  it("refuses a NUL character in a name, a token, a code and a challenge with 400 invalid_request", async () => {
    const client = new Client();
    const cases: [string, unknown][] = [
      ["/api/auth/register", { email: uniqueEmail("nul"), password: GOOD_PASSWORD, name: "Ann\u0000Smith" }],
      ["/api/auth/email/verify", { token: "abc\u0000def" }],
      ["/api/auth/password/reset", { token: "abc\u0000def", password: GOOD_PASSWORD }],
      ["/api/auth/login/mfa", { challenge: "abc\u0000def", code: "123456" }],
      ["/api/auth/token/revoke", { refreshToken: "abc\u0000def" }],
    ];
    for (const [path, json] of cases) {
      const res = await client.post(path, json);
      expect(res.status, path).toBe(400);
      expect(res.body.error.code, path).toBe("invalid_request");
    }
  });

  it("refuses a NUL character in the admin reason and search with 400 invalid_request", async () => {
    const target = await insertUser();
    const disable = await admin.client.post(`/api/admin/users/${target.id}/disable`, { reason: "spam\u0000" });
    expect(disable.status).toBe(400);
    expect(disable.body.error.code).toBe("invalid_request");
    const search = await admin.client.get(`/api/admin/users?q=${encodeURIComponent("a\u0000b")}`);
    expect(search.status).toBe(400);
    expect(search.body.error.code).toBe("invalid_request");
  });

  it("refuses admin cursors with impossible dates or ids beyond bigint with 400 invalid_cursor", async () => {
    const cursor = (at: string, id: string) => Buffer.from(JSON.stringify([at, id])).toString("base64url");
    const uuid = "00000000-0000-4000-8000-000000000000";
    const cases: [string, string][] = [
      ["/api/admin/users", cursor("2026-02-30T00:00:00.000000Z", uuid)],
      ["/api/admin/users", cursor("2026-01-01T24:00:00.000000Z", uuid)],
      ["/api/admin/users", cursor("0000-01-01T00:00:00.000000Z", uuid)],
      ["/api/admin/audit", cursor("2026-02-30T00:00:00.000000Z", "1")],
      ["/api/admin/audit", cursor("2026-01-01T00:00:00.000000Z", "9999999999999999999")],
    ];
    for (const [path, c] of cases) {
      const res = await admin.client.get(`${path}?cursor=${c}`);
      expect(res.status, `${path} ${Buffer.from(c, "base64url").toString()}`).toBe(400);
      expect(res.body.error.code).toBe("invalid_cursor");
    }
    // the largest bigint is still a valid position
    const last = await admin.client.get(`/api/admin/audit?cursor=${cursor("2026-01-01T00:00:00.000000Z", "9223372036854775807")}`);
    expect(last.status).toBe(200);
  });
});
