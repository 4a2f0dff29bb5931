/**
 * Database faults (issue 10 item 9): a dedicated production `next start` whose POSTGRES_URL
 * points at a TCP proxy this test controls, in front of the real Postgres. A connection cut
 * mid-query, a black hole (a network partition: nothing answers, nothing resets) and
 * pg_terminate_backend each answer 503 database_unavailable with Retry-After within the
 * configured bound (not 500, not a hang), and the server serves again once the network heals.
 *
 * A statement is held "mid-query" by an ACCESS EXCLUSIVE lock on schema_migrations taken on a
 * direct connection (not through the proxy): GET /api/health reads that table and waits.
 * Needs a Postgres server: skipped on PGlite.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import type { ChildProcess } from "node:child_process";
import { freePort, startNextServer } from "../support/portcullis-server";
import { createServer, connect, type Server, type Socket } from "node:net";
import pg from "pg";
import { buildEnv } from "../support/build";
import { exportJWK, generateKeyPair } from "jose";
import { databaseUrl, siblingUrl, TEST_APP_URL, usingPglite } from "../support/env";
import { createPgDb } from "../../lib/db/pg";
import { migrate } from "../../lib/db/migrate";
import { newSecret } from "../../lib/config";

const QUERY_TIMEOUT_MS = 2000;
const CONNECT_TIMEOUT_MS = 2000;
/** The most a request may take when the database is gone: one connect and one statement, plus scheduling slack. */
const BOUND_MS = QUERY_TIMEOUT_MS + CONNECT_TIMEOUT_MS + 2000;

/** A TCP proxy to Postgres that can pass traffic, cut every connection, or swallow everything. */
class FaultProxy {
  mode: "pass" | "blackhole" = "pass";
  private readonly pairs = new Set<[Socket, Socket]>();
  private server: Server | null = null;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      const pair: [Socket, Socket] = [client, upstream];
      this.pairs.add(pair);
      const forward = (from: Socket, to: Socket) =>
        from.on("data", (chunk) => {
          if (this.mode === "pass") to.write(chunk);
        });
      forward(client, upstream);
      forward(upstream, client);
      const close = () => {
        this.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on("close", close).on("error", close);
      upstream.on("close", close).on("error", close);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  /** Resets every open connection (both sides), as a dropped link or a restarted proxy would. */
  cut(): void {
    for (const [a, b] of this.pairs) {
      a.resetAndDestroy();
      b.resetAndDestroy();
    }
    this.pairs.clear();
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

async function signingKeys(): Promise<string> {
  const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  return JSON.stringify([{ ...(await exportJWK(privateKey)), kid: `k${Date.now()}`, alg: "EdDSA", use: "sig" }]);
}

describe.skipIf(usingPglite)("database faults: a server behind a TCP proxy to Postgres", () => {
  let child: ChildProcess | null = null;
  let proxy: FaultProxy;
  let base = "";
  let database = "";
  let dbUrl = "";
  let locker: pg.Client | null = null;

  async function health(timeoutMs = 30_000): Promise<{ status: number; body: any; retryAfter: string | null; elapsedMs: number }> {
    const started = Date.now();
    const res = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = await res.json().catch(() => null);
    return { status: res.status, body, retryAfter: res.headers.get("retry-after"), elapsedMs: Date.now() - started };
  }

  /** Holds schema_migrations locked on a direct connection, so the server's next read of it waits. */
  async function lockMigrations(): Promise<void> {
    locker = new pg.Client({ connectionString: dbUrl });
    await locker.connect();
    await locker.query("BEGIN");
    await locker.query("LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE");
  }

  async function unlock(): Promise<void> {
    if (!locker) return;
    await locker.query("ROLLBACK").catch(() => undefined);
    await locker.end().catch(() => undefined);
    locker = null;
  }

  /** Waits until the server's read of schema_migrations is blocked on the lock (it is mid-query). */
  async function waitUntilBlocked(): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const { rows } = await locker!.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`,
      );
      if (rows[0]!.n > 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error("the server's query never blocked on the lock");
  }

  async function expectRecovered(): Promise<void> {
    await unlock();
    proxy.mode = "pass";
    // the first request after the fault may still meet a pooled connection that died with it
    // (503, never 500); within a few requests the server is healthy again
    let last = await health();
    for (let i = 0; i < 5 && last.status !== 200; i++) {
      expect(last.status).toBe(503);
      await new Promise((r) => setTimeout(r, 200));
      last = await health();
    }
    expect(last.status).toBe(200);
  }

  beforeAll(async () => {
    database = `portcullis_faults_${inject("runId")}`;
    const admin = new pg.Client({ connectionString: databaseUrl! });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    dbUrl = siblingUrl(databaseUrl!, database);
    const db = createPgDb(dbUrl, "POSTGRES_URL", 1);
    await migrate(db);
    await db.close();

    const target = new URL(dbUrl);
    proxy = new FaultProxy({ host: target.hostname, port: Number(target.port || 5432) });
    await proxy.start();
    const proxied = new URL(dbUrl);
    proxied.hostname = "127.0.0.1";
    proxied.port = String(proxy.port);

    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      NODE_ENV: "production",
      ...buildEnv("test"),
      APP_URL: TEST_APP_URL,
      CRON_SECRET: newSecret(),
      TOTP_ENCRYPTION_KEYS: `k1:${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64")}`,
      JWT_SIGNING_KEYS: await signingKeys(),
      POSTGRES_URL: proxied.toString(),
      PORTCULLIS_DB_DRIVER: "pg",
      MAIL_TRANSPORT: "outbox",
      CLIENT_IP_HEADER: "x-real-ip",
      DB_POOL_MAX: "4",
      DB_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
      DB_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
    };
    const port = await freePort();
    child = (await startNextServer("faults", port, env, 90_000)).child;
    base = `http://127.0.0.1:${port}`;
  }, 120_000);

  afterAll(async () => {
    await unlock();
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    await proxy?.stop();
    if (database) {
      const admin = new pg.Client({ connectionString: databaseUrl! });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    }
  });

  it("answers 503 database_unavailable with Retry-After, not 500, when the connection is cut mid-query, and recovers", async () => {
    await lockMigrations();
    const pending = health();
    await waitUntilBlocked();
    proxy.cut();
    const res = await pending;
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("database_unavailable");
    expect(Number(res.retryAfter)).toBeGreaterThan(0);
    await expectRecovered();
  }, 60_000);

  it("answers 503 within the bound, not a hang, when the network black-holes mid-query and for new requests, and recovers", async () => {
    await lockMigrations();
    const pending = health();
    await waitUntilBlocked();
    proxy.mode = "blackhole";
    await unlock(); // the server's statement now completes, but its answer never arrives
    const inFlight = await pending;
    expect(inFlight.status).toBe(503);
    expect(inFlight.body.error.code).toBe("database_unavailable");
    expect(Number(inFlight.retryAfter)).toBeGreaterThan(0);
    expect(inFlight.elapsedMs).toBeLessThan(BOUND_MS);
    // new requests during the partition: pooled connections and new connects are bounded too
    const during = await Promise.all([health(), health(), health()]);
    for (const res of during) {
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe("database_unavailable");
      expect(res.elapsedMs).toBeLessThan(BOUND_MS);
    }
    await expectRecovered();
  }, 60_000);

  it("answers 503, not 500, when pg_terminate_backend ends the server's connections mid-query, and recovers", async () => {
    await lockMigrations();
    const pending = health();
    await waitUntilBlocked();
    const { rows } = await locker!.query<{ n: number }>(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    expect(rows[0]!.n).toBeGreaterThan(0);
    const res = await pending;
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("database_unavailable");
    expect(Number(res.retryAfter)).toBeGreaterThan(0);
    await expectRecovered();
  }, 60_000);
});
