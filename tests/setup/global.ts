/**
 * Global setup: a real Next.js server (`next build` + `next start`, NODE_ENV=production) of the
 * test build (tests/support/build.ts: test routes and headers compiled in) for the HTTP tests,
 * on the database the environment names (PGlite in memory when none); plus, for the @vercel/postgres driver, the local WebSocket-to-TCP bridge, and a fake
 * Pwned Passwords range server. Provides the base URL and run id to the tests.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import { mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { createHash, randomBytes } from "node:crypto";
import type { TestProject } from "vitest/node";
import pg from "pg";
import { NEXT_BIN, buildEnv, buildIfStale } from "../support/build";
import {
  TEST_HASH_BUDGET_PER_USER,
  BREACHED_PASSWORDS,
  TEST_APP_URL,
  TEST_CRON_SECRET,
  databaseUrl,
  siblingUrl,
  usingPglite,
  usingVercelDriver,
} from "../support/env";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    runId: string;
    wsProxy: string | null;
    breachApiUrl: string;
    serverLog: string;
  }
}

const ROOT = process.cwd();

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function startBreachServer(): Promise<{ server: Server; url: string }> {
  const sha1 = (p: string) => createHash("sha1").update(p.normalize("NFKC")).digest("hex").toUpperCase();
  const known = BREACHED_PASSWORDS.map(sha1);
  return new Promise((resolve) => {
    const server = createServer((req, res) => {
      const prefix = /^\/range\/([0-9A-F]{5})$/i.exec(req.url ?? "")?.[1]?.toUpperCase();
      if (!prefix) return void res.writeHead(404).end();
      const lines = known.filter((h) => h.startsWith(prefix)).map((h) => `${h.slice(5)}:42`);
      lines.push("0000000000000000000000000000000000A:0"); // padding entry, as the real API adds
      res.writeHead(200, { "content-type": "text/plain" }).end(lines.join("\r\n"));
    }).listen(0, "127.0.0.1", () => resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` }));
  });
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.status === 200) return;
      last = `${res.status} ${await res.text()}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`server did not become healthy: ${last}`);
}

export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
  const cleanups: (() => Promise<void> | void)[] = [];
  project.provide("runId", runId);

  let wsProxy = process.env.POSTGRES_WS_PROXY ?? null;
  if (usingVercelDriver && !wsProxy) {
    // @ts-expect-error plain ESM script without types
    const { startBridge } = await import("../../scripts/ws-bridge.mjs");
    const bridge = await startBridge(0);
    wsProxy = `127.0.0.1:${bridge.port}/v1`;
    process.env.POSTGRES_WS_PROXY = wsProxy;
    cleanups.push(() => bridge.close());
  }
  project.provide("wsProxy", wsProxy);

  const breach = await startBreachServer();
  cleanups.push(() => new Promise<void>((r) => breach.server.close(() => r())));
  project.provide("breachApiUrl", breach.url);

  const serverEnv: Record<string, string> = {
    APP_URL: TEST_APP_URL,
    CRON_SECRET: TEST_CRON_SECRET,
    BREACHED_PASSWORD_API_URL: breach.url,
    MAIL_TRANSPORT: "outbox",
    // the header a reverse proxy in front of the app would overwrite (tests/support/http.ts sends it)
    CLIENT_IP_HEADER: "x-real-ip",
    // PGlite serves one statement at a time: a burst of parallel test requests queues behind it,
    // and that wait counts toward the per-statement bound (5 s in production).
    DB_QUERY_TIMEOUT_MS: "30000",
    // Hash budgets (issue 10 item 8) sized for the suites that change a password many times in a
    // row from one client; tests/http/hash-budget.test.ts reads the per-user value from here.
    HASH_BUDGET_PER_USER: String(TEST_HASH_BUDGET_PER_USER),
    HASH_BUDGET_PER_IP: "1000",
    // optional features the suite covers (tests/http/email-codes.test.ts starts a server with it off)
    EMAIL_SIGN_IN_CODES: "true",
  };
  if (usingPglite) {
    serverEnv.PGLITE_DATA_DIR = "memory://";
  } else {
    const admin = new pg.Pool({ connectionString: databaseUrl!, max: 1 });
    const name = `portcullis_http_${runId}`;
    await admin.query(`CREATE DATABASE ${name}`);
    const { createPgDb } = await import("../../lib/db/pg");
    const { migrate } = await import("../../lib/db/migrate");
    const db = createPgDb(siblingUrl(databaseUrl!, name), "POSTGRES_URL", 2);
    await migrate(db);
    await db.close();
    serverEnv.POSTGRES_URL = siblingUrl(databaseUrl!, name).replace("127.0.0.1", usingVercelDriver ? "localhost" : "127.0.0.1");
    if (wsProxy) serverEnv.POSTGRES_WS_PROXY = wsProxy;
    cleanups.push(async () => {
      const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
        `portcullis_%_${runId}`,
      ]);
      for (const row of rows) await admin.query(`DROP DATABASE IF EXISTS ${row.datname} WITH (FORCE)`);
      await admin.end();
    });
  }

  buildIfStale("test");
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  // The server is reached at baseUrl, not at APP_URL: a real browser (tests/e2e) sends that as
  // its Origin on the pages' own fetches, so it is listed like a deployment's extra origin.
  serverEnv.ALLOWED_ORIGINS = baseUrl;
  mkdirSync(join(ROOT, ".data"), { recursive: true });
  const serverLog = join(ROOT, ".data", `test-server-${runId}.log`);
  project.provide("serverLog", serverLog);
  const log = openSync(serverLog, "w");
  const child = spawn(process.execPath, [NEXT_BIN, "start", "-p", String(port), "-H", "127.0.0.1"], {
    env: { ...process.env, ...serverEnv, ...buildEnv("test"), NODE_ENV: "production" },
    stdio: ["ignore", log, log],
  });
  // waits for the exit (at most 10 s): a server writes its V8 coverage as it exits (scripts/coverage.ts)
  cleanups.push(async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  });
  try {
    await waitForHealth(baseUrl, child, 60000);
  } catch (error) {
    for (const c of cleanups.reverse()) await c();
    throw error;
  }
  project.provide("baseUrl", baseUrl);

  return async () => {
    for (const c of cleanups.reverse()) await c();
  };
}
