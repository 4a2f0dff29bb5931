/**
 * Test hooks exist only in the test build (docs/security/test-hooks.md, checklist #69). The
 * shared test server runs the test build (PORTCULLIS_BUILD=test, in .next-test); this file
 * makes the PRODUCTION build (`npm run build`, in .next) and starts it as a deployment would:
 * NODE_ENV=production, every required secret freshly generated, its own migrated database,
 * and PORTCULLIS_TEST_HOOKS=1 / PORTCULLIS_TEST_BUILD=1 set at run time (they must change
 * nothing). Against it: /api/test/sql and /api/test/floor are JSON 404 not_found and run
 * nothing, x-test-now is ignored, no response carries x-test-password-hashes. Without its
 * secrets the production build refuses to start (instrumentation.ts reads the config at boot),
 * and no file of its server output holds the hook code.
 *
 * Where that server needs a real Postgres: lib/config.ts refuses to start in production
 * without POSTGRES_URL, and rightly so. A PGlite-only run has no Postgres server to give it, so
 * the checks that need a running production server run on the pg and @vercel/postgres paths
 * (as CI does) and are skipped on PGlite; the boot refusal and the build output are checked
 * everywhere.
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
import { NEXT_BIN, buildIfStale, distDirOf } from "../support/build";
import { newSecret } from "../../lib/config";
import { requestNow } from "../../lib/http/context";
import { createPgDb } from "../../lib/db/pg";
import { migrate } from "../../lib/db/migrate";

const ROOT = process.cwd();
const DAY_MS = 86400 * 1000;
const SESSION_COOKIE = "__Host-portcullis_session";
/** Run-time variables that once switched hooks on, or name the build: a production build ignores them. */
const HOOK_VARIABLES = { PORTCULLIS_TEST_HOOKS: "1", PORTCULLIS_TEST_BUILD: "1", PORTCULLIS_BENCH_FLOOR: "1" };
const HOOK_STRINGS = ["x-test-now", "x-test-password-hashes", "api/test/sql", "api/test/floor"];

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

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? filesUnder(join(dir, d.name)) : [join(dir, d.name)]));
}

/** `next start` of the production build with this environment (and the run-time hook variables). */
async function startProduction(env: Record<string, string>, logName: string): Promise<{ child: ChildProcess; base: string; log: string }> {
  const port = await freePort();
  const log = join(ROOT, ".data", `test-server-${logName}-${inject("runId")}.log`);
  const child = spawn(process.execPath, [NEXT_BIN, "start", "-p", String(port), "-H", "127.0.0.1"], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      ...HOOK_VARIABLES,
      ...env,
      NEXT_DIST_DIR: distDirOf("production"),
      NODE_ENV: "production",
    },
    stdio: ["ignore", openSync(log, "w"), openSync(log, "a")],
  });
  return { child, base: `http://127.0.0.1:${port}`, log };
}

async function stop(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

beforeAll(() => buildIfStale("production"), 600_000);

describe("the production build's output", () => {
  it("holds no test route and no test header handling in any file of .next/server", () => {
    const files = filesUnder(join(ROOT, distDirOf("production"), "server"));
    expect(files.length).toBeGreaterThan(10);
    const found = files.flatMap((file) => {
      const text = readFileSync(file, "latin1");
      return HOOK_STRINGS.filter((s) => text.includes(s)).map((s) => `${file}: ${s}`);
    });
    expect(found).toEqual([]);
  });

  it("is a different build from the test build, which does hold them", () => {
    expect(distDirOf("production")).not.toBe(distDirOf("test"));
    const testFiles = filesUnder(join(ROOT, distDirOf("test"), "server")).filter((f) => f.endsWith(".js"));
    const text = testFiles.map((f) => readFileSync(f, "latin1")).join("\n");
    for (const s of ["x-test-now", "x-test-password-hashes"]) expect(text, s).toContain(s);
  });
});

describe("the production build with a bad configuration", () => {
  it("refuses to start without CRON_SECRET, even with PORTCULLIS_TEST_HOOKS=1, and names the variable", async () => {
    const { child, base, log } = await startProduction(
      {
        APP_URL: TEST_APP_URL,
        TOTP_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString("base64")}`,
        JWT_SIGNING_KEYS: await signingKeys(),
        POSTGRES_URL: "postgres://app@127.0.0.1:9/never",
        MAIL_TRANSPORT: "outbox",
        CLIENT_IP_HEADER: "x-real-ip",
      },
      "badconfig",
    );
    try {
      const exitCode = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), 90_000);
        child.once("exit", (code) => {
          clearTimeout(timer);
          resolve(code);
        });
      });
      expect(exitCode, "next start kept running with an invalid production configuration").not.toBeNull();
      expect(exitCode).not.toBe(0);
      expect(readFileSync(log, "utf8")).toContain("refusing to start: CRON_SECRET is required in production");
      expect(
        await fetch(`${base}/api/health`).then(
          (r) => r.status,
          () => 0,
        ),
      ).toBe(0);
    } finally {
      await stop(child);
    }
  }, 120_000);
});

describe.skipIf(usingPglite)("a production server of the production build, with the hook variables set", () => {
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
    const started = await startProduction(env, "production");
    child = started.child;
    base = started.base;
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (started.child.exitCode !== null) throw new Error(`production server exited with ${started.child.exitCode}`);
      const status = await fetch(`${base}/api/health`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) break;
      if (Date.now() > deadline) throw new Error(`production server not healthy (last status ${status})`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }, 120_000);

  afterAll(async () => {
    await stop(child);
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
    const res = await fetch(`${base}${path}`, {
      method,
      headers,
      body: init.json === undefined ? undefined : JSON.stringify(init.json),
      redirect: "manual",
    });
    const text = await res.text();
    const isJson = res.headers.get("content-type")?.includes("application/json") ?? false;
    return { status: res.status, headers: res.headers, text, body: isJson && text ? (JSON.parse(text) as any) : null };
  }

  it.each([
    ["POST", "/api/test/sql"],
    ["GET", "/api/test/floor"],
    ["GET", "/api/test/sql"],
    ["POST", "/api/test/floor"],
  ])("%s %s is a JSON 404 not_found: the route is not in the build", async (method, path) => {
    const res = await call(method, path, method === "POST" ? { json: { text: "SELECT 1", values: [] } } : {});
    expect(res.status).toBe(404);
    expect(res.body?.error?.code).toBe("not_found");
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

  it("ignores the x-test-now clock header and sends no x-test-password-hashes: a session stays valid 400 days 'later' and is created at the real time", async () => {
    const email = uniqueEmail("prod");
    const registered = await call("POST", "/api/auth/register", { json: { email, password: GOOD_PASSWORD } });
    expect(registered.status).toBe(201);
    expect(registered.headers.get("x-test-password-hashes")).toBeNull();
    const past = Date.now() - 400 * DAY_MS;
    const before = Date.now();
    const login = await call("POST", "/api/auth/login", {
      json: { email, password: GOOD_PASSWORD },
      headers: { "x-test-now": String(past) },
    });
    expect(login.status).toBe(200);
    expect(login.headers.get("x-test-password-hashes")).toBeNull();
    // created now, not 400 days ago (which would have expired it at once)
    expect(Date.parse(login.body.session.createdAt)).toBeGreaterThanOrEqual(before - 1000);
    const cookie = login.headers
      .getSetCookie()
      .find((c) => c.startsWith(`${SESSION_COOKIE}=`))!
      .split(";")[0]!;

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

describe("the test clock, in process (outside a test build)", () => {
  it("ignores x-test-now: only `next build` with PORTCULLIS_BUILD=test compiles it in", () => {
    const at = new Date("2040-01-01T00:00:00Z").getTime();
    const before = Date.now();
    const now = requestNow(new Request("https://portcullis.test/api/auth/session", { headers: { "x-test-now": String(at) } })).getTime();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThan(at);
  });
});
