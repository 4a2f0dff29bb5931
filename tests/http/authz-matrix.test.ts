/**
 * The authorisation matrix (checklist #62, H6) and the CSRF matrix (#61), generated from the
 * route manifest (lib/http/route-manifest.ts) and from the route files on disk.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { randomBytes } from "node:crypto";
import { Client, serverSql, signedInClient } from "../support/http";
import { PARAM, ROUTES, routeKey, type Method, type RouteEntry } from "../../lib/http/route-manifest";
import { clientFor, grantRole, insertUser, type Principal } from "../support/principals";

const APP = join(process.cwd(), "app");
const METHODS: readonly Method[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];
const HTTP_METHOD = /^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)$/;

function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const full = join(dir, d.name);
    if (d.isDirectory()) return d.name.startsWith("_") ? [] : routeFiles(full);
    // the suite's server runs the test build, which also routes the test-only and bench-only files
    return /^route\.(ts|test-route\.ts|bench-route\.ts)$/.test(d.name) ? [full] : [];
  });
}

/** The URL path of a route file: app/api/x/[id]/route.ts -> /api/x/[id]; (group) segments drop out. */
function pathOf(file: string): string {
  const segments = relative(APP, file)
    .split(sep)
    .slice(0, -1)
    .filter((s) => !/^\(.*\)$/.test(s));
  return `/${segments.join("/")}`;
}

/** The HTTP methods a route file exports (export const GET / export async function POST / export { x as GET }). */
function exportedMethods(source: string): string[] {
  const names = new Set<string>();
  for (const m of source.matchAll(/export\s+(?:const|let|var)\s+([A-Z]+)\b/g)) names.add(m[1]!);
  for (const m of source.matchAll(/export\s+(?:async\s+)?function\s+([A-Z]+)\b/g)) names.add(m[1]!);
  for (const m of source.matchAll(/export\s*\{([^}]*)\}/g)) {
    for (const part of m[1]!.split(","))
      names.add(
        part
          .trim()
          .split(/\s+as\s+/)
          .pop()!
          .trim(),
      );
  }
  return [...names].filter((n) => HTTP_METHOD.test(n));
}

const ON_DISK = routeFiles(APP).map((file) => ({ path: pathOf(file), methods: exportedMethods(readFileSync(file, "utf8")) }));

async function concretePath(entry: RouteEntry): Promise<string> {
  let path = entry.path;
  for (const [name, value] of Object.entries(entry.params ?? {})) {
    const concrete =
      value === PARAM.targetUser ? (await insertUser()).id : value === PARAM.randomId ? randomBytes(16).toString("base64url") : value;
    path = path.replace(`[${name}]`, concrete);
  }
  if (/\[[^\]]+\]/.test(path)) throw new Error(`manifest entry ${entry.path} leaves a parameter unset`);
  return path;
}

function send(client: Client, method: string, path: string) {
  return client.request(method, path, method === "POST" ? { json: {} } : {});
}

describe("route manifest (H6)", () => {
  it("lists every route handler on disk, and nothing that is not on disk", () => {
    const disk = new Set(ON_DISK.flatMap((r) => r.methods.map((m) => routeKey(m, r.path))));
    const manifest = new Set(ROUTES.map((r) => routeKey(r.method, r.path)));
    expect(ON_DISK.length).toBeGreaterThan(20);
    expect(
      [...disk].filter((k) => !manifest.has(k)),
      "routes missing from lib/http/route-manifest.ts",
    ).toEqual([]);
    expect(
      [...manifest].filter((k) => !disk.has(k)),
      "manifest entries with no route on disk",
    ).toEqual([]);
    expect(ROUTES.length).toBe(manifest.size);
  });

  it("has no route that lets an administrator set or read a password (#64)", () => {
    const adminRoutes = ROUTES.filter((r) => r.path.startsWith("/api/admin/"));
    expect(adminRoutes.filter((r) => /password/i.test(r.path)).map((r) => routeKey(r.method, r.path))).toEqual([
      "POST /api/admin/users/[id]/password-reset",
    ]);
    for (const r of adminRoutes) {
      expect(r.permission, `${r.path} names its permission`).toBeDefined();
      if (r.mutates) expect(r.reauth, `${r.method} ${r.path} needs re-authentication`).toBe(true);
    }
  });
});

describe("authorisation matrix: every route x {anonymous, user, admin} (#62)", () => {
  let user: Principal;
  let admin: Principal;
  const denied: string[] = [];

  beforeAll(async () => {
    user = await signedInClient();
    // an account with the admin role and no second factor enrolled, acting through minted aal2
    // sessions: the admin role requires MFA, and the MFA routes then answer as for any account
    admin = await signedInClient();
    await grantRole(admin.userId, "admin");
  });

  for (const entry of ROUTES) {
    it(`${entry.method} ${entry.path} answers ${entry.expect.anonymous} / ${entry.expect.user} / ${entry.expect.admin}`, async () => {
      const anonymous = await send(new Client(), entry.method, await concretePath(entry));
      const userPath = await concretePath(entry);
      const asUser = await send(await clientFor(user.userId), entry.method, userPath);
      const asAdmin = await send(await clientFor(admin.userId, { aal: 2 }), entry.method, await concretePath(entry));
      expect(
        { anonymous: anonymous.status, user: asUser.status, admin: asAdmin.status },
        `${entry.method} ${entry.path}: ${anonymous.text.slice(0, 100)} | ${asUser.text.slice(0, 100)} | ${asAdmin.text.slice(0, 100)}`,
      ).toEqual(entry.expect);
      for (const res of [anonymous, asUser, asAdmin]) {
        if (res.status === 401 && entry.csrf !== false && res.body?.error)
          expect(res.body.error.code).toMatch(/^(unauthenticated|invalid_credentials|invalid_refresh_token)$/);
        if (res.status === 403) expect(res.body.error.code).toMatch(/^(forbidden|reauth_required|mfa_required|email_not_verified)$/);
      }
      if (asUser.status === 403 && asUser.body.error.code === "forbidden") denied.push(`${entry.method} ${userPath}`);
    });
  }

  it("writes one authz.denied audit row, naming the permission and the route, for each refusal", async () => {
    const rows = await serverSql<{ details: { route: string; permission: string }; result: string; session_id: string | null }>(
      "SELECT details, result, session_id FROM audit_logs WHERE event_type = 'authz.denied' AND actor_id = $1",
      [user.userId],
    );
    expect(denied.length).toBe(ROUTES.filter((r) => r.expect.user === 403 && !r.stateRefusal).length);
    expect(rows.map((r) => r.details.route).sort()).toEqual([...denied].sort());
    for (const row of rows) {
      expect(row.result).toBe("failure");
      expect(row.session_id).toBeTruthy();
      expect(row.details.permission).toMatch(/^[a-z]+:[a-z]+$/);
    }
  });
});

describe("CSRF matrix: every state-changing route (#61)", () => {
  let user: Principal;
  beforeAll(async () => {
    user = await signedInClient();
  });

  const guarded = ROUTES.filter((r) => r.mutates && r.csrf !== false);

  for (const entry of guarded) {
    it(`${entry.method} ${entry.path} refuses cross-site requests (403) and non-JSON bodies (415)`, async () => {
      const client = await clientFor(user.userId);
      const path = await concretePath(entry);
      const body = { json: {} };
      const cases: { name: string; headers: Record<string, string>; status: number; code: string }[] = [
        { name: "Origin: https://evil.example", headers: { origin: "https://evil.example" }, status: 403, code: "cross_site_request" },
        {
          name: "Sec-Fetch-Site: cross-site",
          headers: { origin: "", "sec-fetch-site": "cross-site" },
          status: 403,
          code: "cross_site_request",
        },
        {
          name: "Sec-Fetch-Site: same-site",
          headers: { origin: "", "sec-fetch-site": "same-site" },
          status: 403,
          code: "cross_site_request",
        },
        { name: "a cookie but neither Origin nor Sec-Fetch-Site", headers: { origin: "" }, status: 403, code: "cross_site_request" },
        { name: "Origin: null", headers: { origin: "null" }, status: 403, code: "cross_site_request" },
      ];
      for (const c of cases) {
        const res = await client.request(entry.method, path, { ...body, headers: c.headers });
        expect([c.name, res.status, res.body?.error?.code]).toEqual([c.name, c.status, c.code]);
      }
      for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
        const res = await client.request(entry.method, path, { body: "{}", headers: { "content-type": type } });
        expect([type, res.status, res.body?.error?.code]).toEqual([type, 415, "unsupported_media_type"]);
      }
      // none of the refused requests ran: the session (which logout or logout-all would end) still works
      expect((await client.get("/api/auth/session")).status).toBe(200);
    });
  }

  it("answers 405 to every method a route does not export (GET on a POST-only route included)", async () => {
    const client = await clientFor(user.userId);
    const wrong: string[] = [];
    let checked = 0;
    for (const route of ON_DISK) {
      const path = await concretePath({
        method: "GET",
        path: route.path,
        mutates: false,
        expect: { anonymous: 0, user: 0, admin: 0 },
        params: paramsFor(route.path),
      });
      for (const method of METHODS.filter((m) => !route.methods.includes(m))) {
        const res = await client.request(method, path, method === "GET" || method === "DELETE" ? {} : { json: {} });
        checked++;
        if (res.status !== 405) wrong.push(`${method} ${route.path} -> ${res.status}`);
      }
    }
    expect(checked).toBeGreaterThan(ON_DISK.length);
    expect(wrong).toEqual([]);
  });

  it("never reflects an unlisted origin in CORS headers, nor allows credentials with *", async () => {
    const bad: string[] = [];
    for (const route of ON_DISK) {
      const path = await concretePath({
        method: "GET",
        path: route.path,
        mutates: false,
        expect: { anonymous: 0, user: 0, admin: 0 },
        params: paramsFor(route.path),
      });
      const preflight = await new Client().request("OPTIONS", path, {
        headers: {
          origin: "https://evil.example",
          "access-control-request-method": route.methods[0] ?? "POST",
          "access-control-request-headers": "content-type",
        },
      });
      for (const res of [preflight]) {
        const allow = res.headers.get("access-control-allow-origin");
        const credentials = res.headers.get("access-control-allow-credentials");
        if (allow === "https://evil.example" || (allow === "*" && credentials === "true") || (allow !== null && allow !== "*"))
          bad.push(`${route.path}: ${allow} ${credentials}`);
      }
    }
    expect(bad).toEqual([]);
  });
});

/** Parameters for a route path: the manifest's choice when listed, a random id otherwise. */
function paramsFor(path: string): Record<string, string> {
  const listed = ROUTES.find((r) => r.path === path)?.params;
  if (listed) return { ...listed };
  return Object.fromEntries([...path.matchAll(/\[([^\]]+)\]/g)].map((m) => [m[1]!, PARAM.randomId]));
}
