/**
 * Test hooks are off in production (checklist #69). The shared test server runs with
 * PORTCULLIS_TEST_HOOKS=1; this file starts a SECOND `next start` from the same build, as a
 * real production deployment would run it: NODE_ENV=production, no PORTCULLIS_TEST_HOOKS,
 * every required secret freshly generated (CRON_SECRET, TOTP_ENCRYPTION_KEYS, and a JWK set
 * for JWT_SIGNING_KEYS made with jose), and its own freshly migrated database. Against it:
 * every route under app/api/test answers 404 and runs nothing, and the x-test-now clock header
 * is ignored.
 *
 * Where that server needs a real Postgres: lib/config.ts refuses to start in production
 * without POSTGRES_URL, and rightly so. A PGlite-only run has no Postgres server to give it,
 * and faking one (a dummy URL with PORTCULLIS_DB_DRIVER=pglite, or NODE_ENV=test) would test a
 * configuration that is not production. So the process-level checks run on the pg and
 * @vercel/postgres paths (as CI does) and are skipped on PGlite; the in-process checks at the
 * end (the clock and the flag, from lib/http/context.ts and lib/config.ts) run everywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { openSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { exportJWK, generateKeyPair } from "jose";
import { databaseUrl, siblingUrl, TEST_APP_URL, TEST_CRON_SECRET, TEST_ORIGIN, usingPglite, usingVercelDriver } from "../support/env";
import { GOOD_PASSWORD, uniqueEmail } from "../support/http";
import { parseConfig, newSecret } from "../../lib/config";
import { requestNow } from "../../lib/http/context";
import { createPgDb } from "../../lib/db/pg";
import { migrate } from "../../lib/db/migrate";

const ROOT = process.cwd();
const DAY_MS = 86400 * 1000;
const SESSION_COOKIE = "__Host-portcullis_session";

/** Every test-hook route in the app, with the methods it exports. */
function testHookRoutes(): { path: string; methods: string[] }[] {
  const dir = join(ROOT, "app", "api", "test");
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => {
      const source = readFileSync(join(dir, d.name, "route.ts"), "utf8");
      const methods = [...source.matchAll(/export (?:const|(?:async )?function) (GET|POST|PUT|PATCH|DELETE)\b/g)].map((m) => m[1]!);
      return { path: `/api/test/${d.name}`, methods };
    });
}

/** A fresh JWT_SIGNING_KEYS value: a JWK set with one Ed25519 private key, made with jose. */
async function signingKeys(): Promise<string> {
  const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  return JSON.stringify([{ ...(await exportJWK(privateKey)), kid: `k${Date.now()}`, alg: "EdDSA", use: "sig" }]);
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe.skipIf(usingPglite)("a production server without PORTCULLIS_TEST_HOOKS", () => {
  let child: ChildProcess | null = null;
  let base = "";
  let database = "";
  let dbUrl = "";
  const cronSecret = newSecret();

  beforeAll(async () => {
    database = `portcullis_prod_w${process.env.VITEST_POOL_ID ?? "0"}_${inject("runId")}`;
    const admin = new pg.Client({ connectionString: databaseUrl! });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    dbUrl = siblingUrl(databaseUrl!, database);
    const db = createPgDb(dbUrl, "POSTGRES_URL", 1);
    await migrate(db);
    await db.close();

    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      NODE_ENV: "production",
      NEXT_DIST_DIR: process.env.NEXT_DIST_DIR || ".next",
      APP_URL: TEST_APP_URL,
      CRON_SECRET: cronSecret,
      TOTP_ENCRYPTION_KEYS: `k1:${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64")}`,
      JWT_SIGNING_KEYS: await signingKeys(),
      POSTGRES_URL: usingVercelDriver ? dbUrl.replace("127.0.0.1", "localhost") : dbUrl,
      BREACHED_PASSWORD_API_URL: inject("breachApiUrl"),
      MAIL_TRANSPORT: "outbox",
      CLIENT_IP_HEADER: "x-real-ip",
    };
    if (usingVercelDriver) {
      env.PORTCULLIS_DB_DRIVER = "vercel";
      env.POSTGRES_WS_PROXY = inject("wsProxy")!;
    }
    // the configuration this server boots with is a production one, with the hooks off
    const cfg = parseConfig(env);
    expect(cfg.production).toBe(true);
    expect(cfg.PORTCULLIS_TEST_HOOKS).toBe(false);

    const port = await freePort();
    const log = openSync(join(ROOT, ".data", `test-server-production-${inject("runId")}.log`), "w");
    const server = spawn(process.execPath, [join(ROOT, "node_modules", "next", "dist", "bin", "next"), "start", "-p", String(port), "-H", "127.0.0.1"], {
      env: { ...env, NODE_ENV: "production" },
      stdio: ["ignore", log, log],
    });
    child = server;
    base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`production server exited with ${server.exitCode}`);
      const status = await fetch(`${base}/api/health`).then((r) => r.status, () => 0);
      if (status === 200) break;
      if (Date.now() > deadline) throw new Error(`production server not healthy (last status ${status})`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    if (database) {
      const admin = new pg.Client({ connectionString: databaseUrl! });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    }
  });

  async function call(method: string, path: string, init: { headers?: Record<string, string>; json?: unknown } = {}) {
    const headers: Record<string, string> = { origin: TEST_ORIGIN, "x-real-ip": "10.9.9.9", ...init.headers };
    if (init.json !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${base}${path}`, { method, headers, body: init.json === undefined ? undefined : JSON.stringify(init.json), redirect: "manual" });
    const text = await res.text();
    const isJson = res.headers.get("content-type")?.includes("application/json") ?? false;
    return { status: res.status, headers: res.headers, text, body: isJson && text ? (JSON.parse(text) as any) : null };
  }

  it("answers 404 not_found on every test-hook route, for every method it has", async () => {
    const routes = testHookRoutes();
    expect(routes.map((r) => r.path)).toContain("/api/test/sql");
    for (const route of routes) {
      expect(route.methods.length, route.path).toBeGreaterThan(0);
      for (const method of route.methods) {
        const res = await call(method, route.path, method === "GET" ? {} : { json: { text: "SELECT 1", values: [] } });
        expect(res.status, `${method} ${route.path}`).toBe(404);
        // a hook added to app/ after this build is not routed at all (Next's own 404 page)
        if (res.body) expect(res.body.error.code, `${method} ${route.path}`).toBe("not_found");
      }
    }
  });

  it("runs no SQL through /api/test/sql", async () => {
    const marker = `hook-${Date.now()}@example.com`;
    const res = await call("POST", "/api/test/sql", {
      json: { text: "INSERT INTO mail_outbox (to_address, template, subject, text_body) VALUES ($1, 'probe', 'x', 'x')", values: [marker] },
    });
    expect(res.status).toBe(404);
    const direct = new pg.Client({ connectionString: dbUrl });
    await direct.connect();
    const { rows } = await direct.query("SELECT count(*)::int AS n FROM mail_outbox WHERE to_address = $1", [marker]);
    await direct.end();
    expect(rows[0].n).toBe(0);
  });

  it("ignores the x-test-now clock header: a session stays valid 400 days 'later' and is created at the real time", async () => {
    const email = uniqueEmail("prod");
    expect((await call("POST", "/api/auth/register", { json: { email, password: GOOD_PASSWORD } })).status).toBe(201);
    const past = Date.now() - 400 * DAY_MS;
    const before = Date.now();
    const login = await call("POST", "/api/auth/login", { json: { email, password: GOOD_PASSWORD }, headers: { "x-test-now": String(past) } });
    expect(login.status).toBe(200);
    // created now, not 400 days ago (which would have expired it at once)
    expect(Date.parse(login.body.session.createdAt)).toBeGreaterThanOrEqual(before - 1000);
    const cookie = login.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))!.split(";")[0]!;

    const future = Date.now() + 400 * DAY_MS;
    const res = await call("GET", "/api/auth/session", { headers: { cookie, "x-test-now": String(future) } });
    expect(res.status).toBe(200);
    expect(res.body.user.email).toBe(email);
  });

  it("runs cron only with its own secret: the test server's (an old, rotated-out secret) gets 401", async () => {
    const old = await call("GET", "/api/cron/sessions", { headers: { authorization: `Bearer ${TEST_CRON_SECRET}` } });
    expect(old.status).toBe(401);
    expect(old.body.error.code).toBe("cron_unauthorized");
    const current = await call("GET", "/api/cron/sessions", { headers: { authorization: `Bearer ${cronSecret}` } });
    expect(current.status).toBe(200);
  });
});

describe("the test clock and flag, in process", () => {
  const at = new Date("2040-01-01T00:00:00Z").getTime();
  const request = () => new Request("https://portcullis.test/api/auth/session", { headers: { "x-test-now": String(at) } });

  it("ignores x-test-now unless PORTCULLIS_TEST_HOOKS is on", () => {
    const before = Date.now();
    const now = requestNow(request(), parseConfig({ NODE_ENV: "development" })).getTime();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThan(at);
    expect(requestNow(request(), parseConfig({ PORTCULLIS_TEST_HOOKS: "1" })).getTime()).toBe(at);
  });

  it("never turns the hooks on for a production configuration", async () => {
    const production = parseConfig({
      NODE_ENV: "production",
      POSTGRES_URL: "postgres://app@db.internal.example/app",
      CRON_SECRET: newSecret(),
      TOTP_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString("base64")}`,
      JWT_SIGNING_KEYS: await signingKeys(),
      MAIL_TRANSPORT: "outbox",
      CLIENT_IP_HEADER: "x-real-ip",
    });
    expect(production.production).toBe(true);
    expect(production.PORTCULLIS_TEST_HOOKS).toBe(false);
    expect(requestNow(request(), production).getTime()).toBeLessThan(at);
  });
});
