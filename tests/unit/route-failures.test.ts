/**
 * One way to fail in a route handler (issue 11): `return fail(x)`, where x is a catalogue code or
 * any failed outcome carrying one (a failed Result, a rejected body, a refused permission check).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ParseFailure } from "../../lib/http/parse";
import { type Failure, fail } from "../../lib/http/response";

function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(path);
    return /^route(\.[a-z-]+)?\.ts$/.test(entry.name) ? [path] : [];
  });
}

// OAuth/OIDC endpoints answer in their protocol's error format (RFC 6749 §5.2, RFC 6750 §3)
const PROTOCOL_ROUTES = /^app\/(api\/oauth|\.well-known)\//;
const handlers = routeFiles("app").filter((path) => !PROTOCOL_ROUTES.test(path));

describe("route handlers fail one way", () => {
  it("finds the route handlers", () => {
    expect(handlers.length).toBeGreaterThan(60);
  });

  it.each(handlers)("%s builds no error response of its own", (path) => {
    const source = readFileSync(path, "utf8");
    // the five idioms this replaced, and hand-built error bodies
    expect(source).not.toMatch(/\b(jsonError|resultError|refusal)\(|return \w+\.response;|json\(\{ error|new Response\(/);
    expect(source).not.toMatch(/const actor = ctx\.actor/);
  });
});

describe("fail()", () => {
  it("answers a code with its status and message", async () => {
    const response = fail("not_found");
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: "not_found", message: expect.any(String) } });
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("keeps a failed Result's Retry-After, rounded up to whole seconds", () => {
    const response = fail({ error: "too_many_requests", retryAfterSeconds: 1.2 });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("2");
  });

  it("lists a rejected body's field issues as details", async () => {
    const issues = [{ path: "email", message: "invalid_format" }];
    const rejected: ParseFailure = { ok: false, error: "invalid_request", issues };
    const body = await fail(rejected).json();
    expect(body.error.details).toEqual(issues);
  });

  it("sends a refusal's rotated-session cookie, beside the caller's headers", () => {
    const response = fail({ error: "forbidden", setCookie: "__Host-session=new" }, { headers: { "Set-Cookie": "passkey=; Max-Age=0" } });
    expect(response.status).toBe(403);
    expect(response.headers.getSetCookie()).toEqual(["passkey=; Max-Age=0", "__Host-session=new"]);
  });

  it("never copies other fields of the outcome into the body", async () => {
    const outcome: Failure = Object.assign({ error: "invalid_credentials" as const }, { userId: "secret-id" });
    expect(JSON.stringify(await fail(outcome).json())).not.toContain("secret-id");
  });
});
