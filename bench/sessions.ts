/**
 * npm run bench:sessions [-- options]: the session benchmark of issue 3 (bench/README.md).
 *
 * Builds the bench server (the production build plus the floor route: PORTCULLIS_BUILD=bench, next build into NEXT_DIST_DIR=.next-bench), creates and migrates
 * a throwaway database portcullis_bench_<id> on the local Postgres, starts `next start` on it,
 * seeds users (over HTTP) and sessions (SQL, with known secrets), then drives load over
 * 127.0.0.1 with autocannon, bounded in time:
 *   - GET /api/auth/session at 10 and 50 connections, against two floors under the same load:
 *     a bare node:http server doing one pg primary-key SELECT (bench/floor-server.mjs) and a
 *     minimal Next.js route handler doing the same SELECT (app/api/test/floor);
 *   - POST /api/auth/login (correct password) and POST /api/auth/register (unique emails),
 *     against the hashing limit (cores / seconds per argon2id hash, measured in-process);
 *   - GET /api/auth/session while a login burst runs beside it, against its unloaded p99, both
 *     closed loop (saturating) and open loop at half that rate.
 * SQL round trips are counted exactly, on a second server whose database connection goes
 * through a Postgres wire-protocol counter (Sync + simple Query messages), so the measured
 * servers carry no proxy. Server CPU comes from /proc/<pid>/stat (utime + stime, all threads,
 * including the password-hashing workers). Prints a table; writes JSON to bench/results/.
 *
 * Options: --duration <s> (10)  --login-duration <s> (max(duration, 10))  --connections <list> (10,50)
 *          --login-connections <n> (8)
 *          --sessions <n> (1000)  --users <n> (4)  --warmup <s> (3)  --no-build  --keep-db
 *          --only <groups> (floors,session,login,register,burst,refresh: all by default)
 *          --cpu-prof <dir> (profile the measured Next.js server; written when it exits)
 * Environment: POSTGRES_URL, the server to create the database on
 *          (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { createServer as createHttpServer } from "node:http";
import { createServer as createTcpServer, connect as tcpConnect, type Server as TcpServer, type Socket } from "node:net";
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, totalmem, type as osType, release as osRelease } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { exportJWK, generateKeyPair } from "jose";
import { argon2id } from "@noble/hashes/argon2.js";
import { ARGON2_PARAMS, HASH_BYTES } from "../lib/passwords/argon2";
import { randomBytes, randomToken } from "../lib/crypto/random";
import { sha256Hex } from "../lib/crypto/digest";
import { createPgDb } from "../lib/db/pg";
import { migrate } from "../lib/db/migrate";

const ROOT = process.cwd();
export const DIST_DIR = ".next-bench";
const NEXT_BIN = join(ROOT, "node_modules", "next", "dist", "bin", "next");
const RESULTS_DIR = join(ROOT, "bench", "results");
const LOG_DIR = join(ROOT, ".data");
const CLK_TCK = 100; // Linux USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s
export const PASSWORD = "bench: a long passphrase nobody would guess 7f3a";
export const USER_AGENT = "portcullis-bench";
const SESSION_CHECK = "GET /api/auth/session";
const STALE_SESSIONS = 10;

// ---------------------------------------------------------------------------------------------
// Options and machine

interface Options {
  readonly duration: number;
  readonly loginDuration: number;
  readonly connections: readonly number[];
  readonly loginConnections: number;
  readonly sessions: number;
  readonly users: number;
  readonly warmup: number;
  readonly build: boolean;
  readonly keepDb: boolean;
  readonly cpuProf: string | null;
  readonly only: ReadonlySet<string>;
  readonly baseUrl: string;
}

const SCENARIO_GROUPS = ["floors", "session", "login", "register", "burst", "refresh"] as const;

function options(): Options {
  const { values } = parseArgs({
    options: {
      duration: { type: "string", default: "10" },
      "login-duration": { type: "string" },
      connections: { type: "string", default: "10,50" },
      "login-connections": { type: "string", default: "8" },
      sessions: { type: "string", default: "1000" },
      users: { type: "string", default: "4" },
      warmup: { type: "string", default: "3" },
      "no-build": { type: "boolean", default: false },
      "keep-db": { type: "boolean", default: false },
      "cpu-prof": { type: "string" },
      only: { type: "string", default: SCENARIO_GROUPS.join(",") },
    },
  });
  const positive = (name: string, raw: string | undefined): number => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
    return n;
  };
  const duration = positive("duration", values.duration);
  const only = new Set(
    String(values.only)
      .split(",")
      .map((g) => g.trim()),
  );
  for (const g of only)
    if (!(SCENARIO_GROUPS as readonly string[]).includes(g)) throw new Error(`--only: unknown group ${g} (${SCENARIO_GROUPS.join(", ")})`);
  return {
    duration,
    // a login waits ~connections / hashing-limit seconds in the queue: short runs would count none
    loginDuration: values["login-duration"] === undefined ? Math.max(duration, 10) : positive("login-duration", values["login-duration"]),
    connections: String(values.connections)
      .split(",")
      .map((c) => Math.round(positive("connections", c))),
    loginConnections: Math.round(positive("login-connections", values["login-connections"])),
    sessions: Math.max(100, Math.round(positive("sessions", values.sessions))),
    users: Math.round(positive("users", values.users)),
    warmup: Number(values.warmup) || 0,
    build: !values["no-build"],
    keepDb: Boolean(values["keep-db"]),
    cpuProf: values["cpu-prof"] ?? null,
    only,
    baseUrl: process.env.POSTGRES_URL || "postgres://postgres@127.0.0.1:5432/postgres",
  };
}

export function siblingUrl(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export function machine() {
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${osType()} ${osRelease()}`,
    node: process.version,
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// Password-hashing limit: cores / seconds per hash, with the parameters the server uses

interface Hashing {
  /** Wall-clock seconds per hash (median of 3): the limit is computed from this. */
  readonly secondsPerHash: number;
  /** CPU seconds per hash: equal to the wall time on a quiet machine, less on a busy one. */
  readonly cpuSecondsPerHash: number;
  readonly cores: number;
  readonly limitPerSecond: number;
  readonly params: typeof ARGON2_PARAMS;
  readonly samples: readonly { wall: number; cpu: number }[];
}

function measureHashing(): Hashing {
  const password = new TextEncoder().encode(PASSWORD);
  const params = { ...ARGON2_PARAMS, dkLen: HASH_BYTES };
  argon2id(password, randomBytes(16), params); // warm-up
  const samples: { wall: number; cpu: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const start = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    argon2id(password, randomBytes(16), params);
    const used = process.cpuUsage(cpu);
    samples.push({ wall: Number(process.hrtime.bigint() - start) / 1e9, cpu: (used.user + used.system) / 1e6 });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!;
  const secondsPerHash = median(samples.map((s) => s.wall));
  const cores = availableParallelism();
  return {
    secondsPerHash,
    cpuSecondsPerHash: median(samples.map((s) => s.cpu)),
    cores,
    limitPerSecond: cores / secondsPerHash,
    params: ARGON2_PARAMS,
    samples,
  };
}

// ---------------------------------------------------------------------------------------------
// Processes: build, next start, the bare-Node floor, CPU from /proc

/**
 * next build into DIST_DIR. Next.js adds its distDir type globs to tsconfig.json's include
 * on every build with a new distDir; the file is restored, so a benchmark leaves the tree clean.
 */
export function build(): void {
  log(`next build (NEXT_DIST_DIR=${DIST_DIR})`);
  const tsconfig = join(ROOT, "tsconfig.json");
  const before = readFileSync(tsconfig, "utf8");
  try {
    buildInto();
  } finally {
    if (readFileSync(tsconfig, "utf8") !== before) writeFileSync(tsconfig, before);
  }
}

function buildInto(): void {
  const result = spawnSync(process.execPath, [NEXT_BIN, "build"], {
    stdio: ["ignore", "inherit", "inherit"],
    // the bench build: the production build plus the floor route (next.config.ts)
    env: { ...process.env, NODE_ENV: "production", PORTCULLIS_BUILD: "bench", NEXT_DIST_DIR: DIST_DIR, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (result.status !== 0) throw new Error("next build failed");
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createHttpServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

async function waitFor(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode} (see ${LOG_DIR})`);
    try {
      const res = await fetch(url);
      if (res.status === 200) return;
      last = `${res.status} ${await res.text()}`;
    } catch (error) {
      last = String(error);
    }
    await sleep(250);
  }
  throw new Error(`${url} did not answer 200: ${last}`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

export interface ServerEnv {
  readonly [key: string]: string;
}

export async function serverSecrets(): Promise<ServerEnv> {
  const { privateKey } = await generateKeyPair("EdDSA", { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: `bench-${randomToken(6)}`, alg: "EdDSA" };
  return {
    CRON_SECRET: randomToken(32),
    TOTP_ENCRYPTION_KEYS: `k1:${Buffer.from(randomBytes(32)).toString("base64")}`,
    JWT_SIGNING_KEYS: JSON.stringify([jwk]),
  };
}

export async function startNext(
  name: string,
  port: number,
  databaseUrl: string,
  secrets: ServerEnv,
  cpuProf: string | null,
): Promise<ChildProcess> {
  mkdirSync(LOG_DIR, { recursive: true });
  const out = openSync(join(LOG_DIR, `bench-${name}.log`), "w");
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/tmp",
    NODE_ENV: "production",
    NEXT_DIST_DIR: DIST_DIR,
    NEXT_TELEMETRY_DISABLED: "1",
    POSTGRES_URL: databaseUrl,
    APP_URL: `http://127.0.0.1:${port}`,
    CLIENT_IP_HEADER: "x-real-ip",
    PORTCULLIS_BENCH_FLOOR: "1",
    MAIL_TRANSPORT: "outbox",
    ...secrets,
  };
  const nodeFlags: string[] = [];
  if (cpuProf) {
    mkdirSync(cpuProf, { recursive: true });
    nodeFlags.push("--cpu-prof", `--cpu-prof-dir=${cpuProf}`); // not allowed in NODE_OPTIONS
  }
  const child = spawn(process.execPath, [...nodeFlags, NEXT_BIN, "start", "-p", String(port), "-H", "127.0.0.1"], {
    env,
    stdio: ["ignore", out, out],
  });
  await waitFor(`http://127.0.0.1:${port}/api/health`, child, 60_000);
  return child;
}

async function startFloor(port: number, databaseUrl: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(ROOT, "bench", "floor-server.mjs")], {
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "production",
      FLOOR_DATABASE_URL: databaseUrl,
      FLOOR_PORT: String(port),
      FLOOR_POOL_MAX: "10",
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  await waitFor(`http://127.0.0.1:${port}/`, child, 20_000);
  return child;
}

/** utime + stime of a process (every thread of it), in CPU milliseconds. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return 0; // exited
  }
}

/** A process and all its descendants (next start may fork the server it runs). */
export function processTree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
  return tree;
}

// ---------------------------------------------------------------------------------------------
// Postgres wire counter: counts round trips (Sync and simple Query messages) and statements

interface WireCounts {
  roundTrips: number;
  statements: Map<string, number>;
  completions: Map<string, number>;
}

class WireCounter {
  private server: TcpServer | null = null;
  private readonly sockets = new Set<Socket>();
  current: WireCounts = WireCounter.empty();

  static empty(): WireCounts {
    return { roundTrips: 0, statements: new Map(), completions: new Map() };
  }

  async listen(upstream: { host: string; port: number }): Promise<number> {
    this.server = createTcpServer((client) => this.pipe(client, upstream));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return (this.server.address() as { port: number }).port;
  }

  reset(): WireCounts {
    const done = this.current;
    this.current = WireCounter.empty();
    return done;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private pipe(client: Socket, upstream: { host: string; port: number }): void {
    const server = tcpConnect(upstream.port, upstream.host);
    this.sockets.add(client).add(server);
    let fromClient = Buffer.alloc(0);
    let fromServer = Buffer.alloc(0);
    let startup = true;
    client.on("data", (chunk) => {
      server.write(chunk);
      fromClient = Buffer.concat([fromClient, chunk]);
      for (;;) {
        if (startup) {
          // StartupMessage / SSLRequest: Int32 length, no type byte
          if (fromClient.length < 8) break;
          const length = fromClient.readInt32BE(0);
          if (fromClient.length < length) break;
          const code = fromClient.readInt32BE(4);
          fromClient = fromClient.subarray(length);
          if (code !== 80877103) startup = false;
          continue;
        }
        if (fromClient.length < 5) break;
        const length = fromClient.readInt32BE(1);
        if (fromClient.length < 1 + length) break;
        this.clientMessage(String.fromCharCode(fromClient[0]!), fromClient.subarray(5, 1 + length));
        fromClient = fromClient.subarray(1 + length);
      }
    });
    server.on("data", (chunk) => {
      client.write(chunk);
      fromServer = Buffer.concat([fromServer, chunk]);
      for (;;) {
        if (fromServer.length < 5) break;
        const length = fromServer.readInt32BE(1);
        if (fromServer.length < 1 + length) break;
        if (fromServer[0] === 0x43 /* C: CommandComplete */) {
          const tag = cstring(fromServer.subarray(5, 1 + length), 0).text;
          const [verb, ...rest] = tag.split(" ");
          const key = verb === "UPDATE" || verb === "DELETE" ? `${verb} ${Number(rest.at(-1)) > 0 ? ">=1 row" : "0 rows"}` : verb!;
          this.current.completions.set(key, (this.current.completions.get(key) ?? 0) + 1);
        }
        fromServer = fromServer.subarray(1 + length);
      }
    });
    const end = () => {
      client.destroy();
      server.destroy();
      this.sockets.delete(client);
      this.sockets.delete(server);
    };
    client.on("close", end).on("error", end);
    server.on("close", end).on("error", end);
  }

  private clientMessage(type: string, body: Buffer): void {
    if (type === "S") this.current.roundTrips++;
    let text: string | null = null;
    if (type === "Q") {
      this.current.roundTrips++;
      text = cstring(body, 0).text;
    } else if (type === "P") {
      const name = cstring(body, 0);
      text = cstring(body, name.next).text;
    }
    if (text !== null) {
      const short = text.replace(/\s+/g, " ").trim().slice(0, 90);
      this.current.statements.set(short, (this.current.statements.get(short) ?? 0) + 1);
    }
  }
}

function cstring(buffer: Buffer, start: number): { text: string; next: number } {
  const end = buffer.indexOf(0, start);
  return { text: buffer.toString("utf8", start, end < 0 ? buffer.length : end), next: end + 1 };
}

// ---------------------------------------------------------------------------------------------
// Load: autocannon, with exact (sub-millisecond) latencies from its response events

export interface CannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (request: CannonRequest, context: object) => CannonRequest;
}

interface CannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  "2xx": number;
  statusCodeStats: Record<string, { count: number }>;
  requests: { sent: number };
}

interface CannonInstance extends PromiseLike<CannonResult> {
  on(event: "response", listener: (client: unknown, status: number, bytes: number, ms: number) => void): this;
  stop(): void;
}

type Autocannon = (opts: {
  url: string;
  connections: number;
  duration: number;
  pipelining?: number;
  timeout?: number;
  overallRate?: number;
  requests?: CannonRequest[];
}) => CannonInstance;

const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

export interface LoadResult {
  readonly connections: number;
  readonly durationSeconds: number;
  readonly ok: number;
  readonly errors: number;
  readonly statusCodes: Record<string, number>;
  readonly reqPerSec: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Closed loop (each connection sends its next request on response), or open loop at `overallRate` req/s. */
export function load(
  url: string,
  connections: number,
  duration: number,
  request: CannonRequest,
  overallRate?: number,
): { instance: CannonInstance; result: Promise<LoadResult> } {
  const latencies: number[] = [];
  const instance = autocannon({ url, connections, duration, timeout: 30, requests: [request], ...(overallRate ? { overallRate } : {}) });
  instance.on("response", (_client, status, _bytes, ms) => {
    if (status >= 200 && status < 300) latencies.push(ms);
  });
  const result = Promise.resolve(instance).then((r): LoadResult => {
    latencies.sort((a, b) => a - b);
    const statusCodes = Object.fromEntries(Object.entries(r.statusCodeStats).map(([code, s]) => [code, s.count]));
    return {
      connections,
      durationSeconds: r.duration,
      ok: r["2xx"],
      errors: r.errors + r.timeouts + r.non2xx,
      statusCodes,
      reqPerSec: r["2xx"] / r.duration,
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? NaN,
    };
  });
  return { instance, result };
}

// ---------------------------------------------------------------------------------------------
// The benchmark

interface Target {
  readonly name: string;
  readonly origin: string;
  readonly pids: () => number[];
}

interface Scenario extends LoadResult {
  readonly scenario: string;
  readonly target: string;
  readonly serverCpuMsPerReq: number | null;
  readonly pgCpuMsPerReq: number | null;
  readonly notes: string[];
}

interface Bench {
  readonly opts: Options;
  readonly admin: pg.Pool;
  readonly seed: pg.Pool;
  readonly database: string;
  readonly tokens: readonly string[];
  readonly users: readonly string[];
  /** Unspent refresh tokens, one per family: each is presented exactly once. */
  readonly refreshTokens: readonly string[];
}

export function ipFor(n: number): string {
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

export function sessionRequest(tokens: readonly string[], origin: string, path: string): CannonRequest {
  let next = 0;
  return {
    method: "GET",
    path,
    setupRequest: (req) => {
      const i = next++;
      req.headers = {
        ...req.headers,
        cookie: `portcullis_session=${tokens[i % tokens.length]}`,
        origin,
        "x-real-ip": ipFor(i % 5000),
        "user-agent": USER_AGENT,
      };
      return req;
    },
  };
}

export function refreshRequest(tokens: readonly string[], origin: string): CannonRequest {
  let next = 0;
  return {
    method: "POST",
    path: "/api/auth/token/refresh",
    setupRequest: (req) => {
      const i = next++;
      if (i >= tokens.length) throw new Error(`bench: only ${tokens.length} refresh tokens were seeded; raise REFRESH_FAMILIES`);
      // many IPs: the refresh endpoint allows 150 per IP per 5 minutes
      req.headers = {
        ...req.headers,
        "content-type": "application/json",
        origin,
        "x-real-ip": ipFor(300_000 + (i % 50_000)),
        "user-agent": USER_AGENT,
      };
      req.body = JSON.stringify({ refreshToken: tokens[i] });
      return req;
    },
  };
}

export function loginRequest(users: readonly string[], origin: string): CannonRequest {
  let next = 0;
  return {
    method: "POST",
    path: "/api/auth/login",
    setupRequest: (req) => {
      const i = next++;
      req.headers = {
        ...req.headers,
        "content-type": "application/json",
        origin,
        "x-real-ip": ipFor(100_000 + (i % 1000)),
        "user-agent": USER_AGENT,
      };
      req.body = JSON.stringify({ email: users[i % users.length], password: PASSWORD });
      return req;
    },
  };
}

function registerRequest(runId: string, origin: string, offset: number): CannonRequest {
  let next = offset;
  return {
    method: "POST",
    path: "/api/auth/register",
    setupRequest: (req) => {
      const i = next++;
      // a fresh IP per request: registration allows 20 an hour per IP
      req.headers = {
        ...req.headers,
        "content-type": "application/json",
        origin,
        "x-real-ip": ipFor(200_000 + i),
        "user-agent": USER_AGENT,
      };
      req.body = JSON.stringify({ email: `bench-${runId}-${i}@example.com`, password: PASSWORD });
      return req;
    },
  };
}

async function pgBackends(bench: Bench): Promise<number[]> {
  const { rows } = await bench.admin.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'`,
    [bench.database],
  );
  return rows.map((r) => r.pid);
}

/** Sets every seeded session's last activity to now, so that no activity write is due. */
async function freshenSessions(bench: Bench): Promise<void> {
  await bench.seed.query(
    `UPDATE sessions SET last_activity_at = now(), idle_expires_at = now() + interval '7 days' WHERE id = ANY($1::text[])`,
    [bench.tokens.map((t) => t.split(".")[0])],
  );
}

/**
 * Waits until the server is idle: autocannon stops at the deadline but the server finishes the
 * requests in flight (queued password hashes take seconds), which would otherwise be charged
 * to the next scenario.
 */
export async function settle(pids: readonly number[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
  while (Date.now() < deadline) {
    await sleep(500);
    const now = pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
    if (now - last <= 50) return; // under 10% of a core
    last = now;
  }
  log("server did not settle within a minute");
}

async function measured(
  bench: Bench,
  scenario: string,
  target: Target,
  run: () => Promise<LoadResult>,
  notes: string[] = [],
  idleFirst = true,
): Promise<Scenario> {
  const pids = target.pids();
  if (idleFirst) await settle(pids);
  const pgBefore = new Map((await pgBackends(bench)).map((pid) => [pid, cpuMs(pid)]));
  const before = pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
  const result = await run();
  const after = pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
  let pgCpu = 0;
  for (const pid of await pgBackends(bench)) pgCpu += cpuMs(pid) - (pgBefore.get(pid) ?? 0);
  const requests = result.ok + result.errors;
  const row: Scenario = {
    scenario,
    target: target.name,
    ...result,
    serverCpuMsPerReq: requests > 0 ? (after - before) / requests : null,
    pgCpuMsPerReq: requests > 0 ? pgCpu / requests : null,
    notes: [...notes],
  };
  if (result.errors > 0) row.notes.push(`non-2xx/errors: ${JSON.stringify(result.statusCodes)} (+${result.errors} total)`);
  log(
    `${scenario} @${result.connections}: ${result.reqPerSec.toFixed(1)} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms`,
  );
  return row;
}

async function createDatabase(opts: Options, admin: pg.Pool, runId: string): Promise<{ name: string; url: string }> {
  const name = `portcullis_bench_${runId}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = siblingUrl(opts.baseUrl, name);
  const db = createPgDb(url, "POSTGRES_URL", 2);
  try {
    await migrate(db);
  } finally {
    await db.close();
  }
  return { name, url };
}

async function registerUsers(origin: string, runId: string, count: number): Promise<string[]> {
  const emails: string[] = [];
  for (let i = 0; i < count; i++) {
    const email = `bench-user-${runId}-${i}@example.com`;
    const res = await fetch(`${origin}/api/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json", origin, "x-real-ip": ipFor(300_000 + i), "user-agent": USER_AGENT },
      body: JSON.stringify({ email, password: PASSWORD, name: `Bench ${i}` }),
    });
    if (res.status !== 201) throw new Error(`register ${email}: ${res.status} ${await res.text()}`);
    emails.push(email);
  }
  return emails;
}

async function seedSessions(seed: pg.Pool, emails: readonly string[], count: number): Promise<string[]> {
  const { rows } = await seed.query<{ id: string }>(`SELECT id FROM users WHERE email = ANY($1::text[]) ORDER BY email`, [emails]);
  if (rows.length !== emails.length) throw new Error(`expected ${emails.length} registered users, found ${rows.length}`);
  const ids: string[] = [];
  const hashes: string[] = [];
  const owners: string[] = [];
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = randomToken(16);
    const secret = randomToken(32);
    ids.push(id);
    hashes.push(sha256Hex(secret));
    owners.push(rows[i % rows.length]!.id);
    tokens.push(`${id}.${secret}`);
  }
  await seed.query(
    `INSERT INTO sessions (id, secret_hash, user_id, aal, amr, last_activity_at, idle_expires_at, absolute_expires_at, reauthenticated_at, ip, user_agent)
     SELECT t.id, t.hash, t.owner::uuid, 1, '{pwd}', now(), now() + interval '7 days', now() + interval '30 days', now(), '127.0.0.1', $4
     FROM unnest($1::text[], $2::text[], $3::text[]) AS t(id, hash, owner)`,
    [ids, hashes, owners, USER_AGENT],
  );
  await seed.query("VACUUM ANALYZE");
  return tokens;
}

/** Families for the refresh scenario: a session row and one unspent refresh token each. */
const REFRESH_FAMILIES = 40_000;

async function seedRefreshFamilies(seed: pg.Pool, emails: readonly string[], count: number): Promise<string[]> {
  const { rows } = await seed.query<{ id: string }>(`SELECT id FROM users WHERE email = ANY($1::text[]) ORDER BY email`, [emails]);
  const sessionIds: string[] = [];
  const secretHashes: string[] = [];
  const owners: string[] = [];
  const tokenHashes: string[] = [];
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    sessionIds.push(randomToken(16));
    secretHashes.push(sha256Hex(randomToken(32)));
    owners.push(rows[i % rows.length]!.id);
    const token = randomToken(32);
    tokens.push(token);
    tokenHashes.push(sha256Hex(token));
  }
  await seed.query(
    `INSERT INTO sessions (id, secret_hash, user_id, aal, amr, last_activity_at, idle_expires_at, absolute_expires_at, reauthenticated_at, ip, user_agent)
     SELECT t.id, t.hash, t.owner::uuid, 1, '{pwd}', now(), now() + interval '7 days', now() + interval '30 days', now(), '127.0.0.1', $4
     FROM unnest($1::text[], $2::text[], $3::text[]) AS t(id, hash, owner)`,
    [sessionIds, secretHashes, owners, USER_AGENT],
  );
  await seed.query(
    `INSERT INTO refresh_tokens (session_id, user_id, token_hash)
     SELECT t.sid, t.owner::uuid, t.hash FROM unnest($1::text[], $2::text[], $3::text[]) AS t(sid, owner, hash)`,
    [sessionIds, owners, tokenHashes],
  );
  await seed.query("VACUUM ANALYZE");
  return tokens;
}

// -- SQL round trips, on a second server behind the wire counter ------------------------------

interface RoundTripPhase {
  readonly phase: string;
  readonly requests: number;
  readonly roundTripsPerRequest: number;
  readonly statementsPerRequest: Record<string, number>;
  readonly completionsPerRequest: Record<string, number>;
  check?: string;
}

function perRequest(map: Map<string, number>, n: number): Record<string, number> {
  return Object.fromEntries([...map].map(([k, v]) => [k, Math.round((v / n) * 100) / 100]));
}

async function countRoundTrips(bench: Bench, secrets: ServerEnv, databaseUrl: string, runId: string): Promise<RoundTripPhase[]> {
  const target = new URL(databaseUrl);
  const counter = new WireCounter();
  const proxyPort = await counter.listen({ host: target.hostname, port: Number(target.port || 5432) });
  const proxied = new URL(databaseUrl);
  proxied.hostname = "127.0.0.1";
  proxied.port = String(proxyPort);
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const server = await startNext("round-trips", port, proxied.toString(), secrets, null);
  const phases: RoundTripPhase[] = [];
  const get = (path: string, token: string) =>
    fetch(`${origin}${path}`, {
      headers: { cookie: `portcullis_session=${token}`, origin, "x-real-ip": "10.9.9.9", "user-agent": USER_AGENT },
    }).then(async (r) => {
      const body = await r.text();
      if (r.status !== 200) throw new Error(`GET ${path}: ${r.status}`);
      // the floor must really find the session, or it would be measuring an empty lookup
      if (path === "/api/test/floor" && !body.includes('"found":true')) throw new Error(`GET ${path}: session not found (${body})`);
    });
  const phase = async (name: string, requests: number, run: () => Promise<void>, check?: (c: WireCounts) => string): Promise<void> => {
    counter.reset();
    await run();
    const c = counter.reset();
    phases.push({
      phase: name,
      requests,
      roundTripsPerRequest: Math.round((c.roundTrips / requests) * 100) / 100,
      statementsPerRequest: perRequest(c.statements, requests),
      completionsPerRequest: perRequest(c.completions, requests),
      check: check?.(c),
    });
  };
  try {
    const sample = bench.tokens.slice(0, 60);
    const stale = bench.tokens.slice(60, 60 + STALE_SESSIONS);
    await freshenSessions(bench);
    // warm the pool and the route bundles, uncounted
    for (const token of sample.slice(0, 10)) await get("/api/auth/session", token);
    await get("/api/test/floor", sample[0]!);

    await phase("GET /api/auth/session, no activity write due", 50, async () => {
      for (const token of sample.slice(10, 60)) await get("/api/auth/session", token);
    });
    await phase("GET /api/test/floor (Next.js floor)", 20, async () => {
      for (const token of sample.slice(10, 30)) await get("/api/test/floor", token);
    });

    // activity write due: last activity 2 minutes ago; 5 concurrent checks per session
    const staleIds = stale.map((t) => t.split(".")[0]);
    await bench.seed.query(`UPDATE sessions SET last_activity_at = now() - interval '2 minutes' WHERE id = ANY($1::text[])`, [staleIds]);
    const { rows: beforeRows } = await bench.seed.query<{ id: string; last_activity_at: Date }>(
      `SELECT id, last_activity_at FROM sessions WHERE id = ANY($1::text[])`,
      [staleIds],
    );
    await phase(
      `GET /api/auth/session, activity write due (${stale.length} sessions x 5 concurrent)`,
      stale.length * 5,
      async () => {
        await Promise.all(stale.flatMap((token) => Array.from({ length: 5 }, () => get("/api/auth/session", token))));
      },
      (c) => {
        const written = [...c.completions].filter(([k]) => k === "UPDATE >=1 row").reduce((s, [, v]) => s + v, 0);
        return `${written} session row(s) written for ${stale.length} sessions (target: exactly one write per session per minute)`;
      },
    );
    const { rows: afterRows } = await bench.seed.query<{ id: string; last_activity_at: Date }>(
      `SELECT id, last_activity_at FROM sessions WHERE id = ANY($1::text[])`,
      [staleIds],
    );
    const moved = afterRows.filter((r) => r.last_activity_at > beforeRows.find((b) => b.id === r.id)!.last_activity_at).length;
    phases.at(-1)!.check! += `; last_activity_at advanced on ${moved}/${stale.length}`;
    await phase(`GET /api/auth/session, same ${stale.length} sessions again within the minute`, stale.length * 2, async () => {
      for (const token of stale) for (let i = 0; i < 2; i++) await get("/api/auth/session", token);
    });

    await phase("POST /api/auth/login (correct password)", 3, async () => {
      for (let i = 0; i < 3; i++) {
        const r = await fetch(`${origin}/api/auth/login`, {
          method: "POST",
          headers: { "content-type": "application/json", origin, "x-real-ip": "10.9.9.8", "user-agent": USER_AGENT },
          body: JSON.stringify({ email: bench.users[i % bench.users.length], password: PASSWORD }),
        });
        await r.arrayBuffer();
        if (r.status !== 200) throw new Error(`login: ${r.status}`);
      }
    });
    await phase("POST /api/auth/register (new email)", 3, async () => {
      for (let i = 0; i < 3; i++) {
        const r = await fetch(`${origin}/api/auth/register`, {
          method: "POST",
          headers: { "content-type": "application/json", origin, "x-real-ip": ipFor(400_000 + i), "user-agent": USER_AGENT },
          body: JSON.stringify({ email: `bench-rt-${runId}-${i}@example.com`, password: PASSWORD }),
        });
        await r.arrayBuffer();
        if (r.status !== 201) throw new Error(`register: ${r.status}`);
      }
    });
  } finally {
    await stopProcess(server);
    await counter.close();
  }
  return phases;
}

// -- Report ------------------------------------------------------------------------------------

const fmt = (n: number | null | undefined, digits = 1) => (n === null || n === undefined || Number.isNaN(n) ? "-" : n.toFixed(digits));

function ratioCell(row: Scenario, floor: Scenario | undefined): string {
  if (!floor) return "-";
  return `${fmt(row.reqPerSec / floor.reqPerSec, 2)}x / ${fmt(row.p99 / floor.p99, 2)}x`;
}

function table(rows: Scenario[], floors: (row: Scenario) => { node?: Scenario; next?: Scenario }): string {
  const header = [
    "scenario",
    "conns",
    "req/s",
    "p50 ms",
    "p99 ms",
    "CPU ms/req",
    "PG ms/req",
    "vs node floor (req/s / p99)",
    "vs Next floor (req/s / p99)",
    "notes",
  ];
  const body = rows.map((r) => {
    const f = floors(r);
    return [
      r.scenario,
      String(r.connections),
      fmt(r.reqPerSec),
      fmt(r.p50, 2),
      fmt(r.p99, 2),
      fmt(r.serverCpuMsPerReq, 2),
      fmt(r.pgCpuMsPerReq, 2),
      r.scenario === SESSION_CHECK ? ratioCell(r, f.node) : "-",
      r.scenario === SESSION_CHECK ? ratioCell(r, f.next) : "-",
      r.notes.join("; "),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)].join("\n");
}

interface TargetCheck {
  readonly target: string;
  readonly value: string;
  readonly met: boolean;
}

// -- Main --------------------------------------------------------------------------------------

interface Servers {
  readonly nodeFloor: Target;
  readonly nextFloor: Target;
  readonly session: Target;
  readonly login: Target;
  readonly register: Target;
}

interface BurstComparison {
  readonly unloaded: Scenario;
  readonly during: Scenario;
  readonly logins: LoadResult;
}

/** Session checks alone, then the same load with a login burst beside it. */
async function besideLoginBurst(bench: Bench, servers: Servers, connections: number, rate: number | null): Promise<BurstComparison> {
  const { opts, tokens, users } = bench;
  const origin = servers.session.origin;
  const label = rate === null ? `${SESSION_CHECK}, closed loop` : `${SESSION_CHECK} at ${rate} req/s`;
  const checks = () =>
    load(`${origin}/api/auth/session`, connections, opts.duration, sessionRequest(tokens, origin, "/api/auth/session"), rate ?? undefined)
      .result;
  await freshenSessions(bench);
  const unloaded = await measured(bench, `${label}, no login load`, servers.session, checks);
  await freshenSessions(bench);
  const burst = load(`${origin}/api/auth/login`, opts.loginConnections, opts.duration + 60, loginRequest(users, origin));
  await sleep(1500); // let the hashing queue fill
  const during = await measured(bench, `${label}, during a login burst`, servers.session, checks, ["CPU includes the logins"], false);
  burst.instance.stop();
  const logins = await burst.result;
  await settle(servers.session.pids());
  during.notes.push(
    `p99 ${fmt(during.p99 / unloaded.p99, 2)}x unloaded; ${fmt(logins.reqPerSec, 2)} logins/s beside it (p50 ${fmt(logins.p50, 0)} ms)`,
  );
  return { unloaded, during, logins };
}

/**
 * What the same CPU cost would allow on an idle machine: CPU seconds per hash over the server and
 * Postgres CPU seconds per request, i.e. the share of the work that is hashing. On a busy machine
 * the measured ratio is lower because the hashing threads (nice 10) yield to everything else.
 */
function hashingNotes(row: Scenario, hashing: Hashing): void {
  row.notes.push(`${fmt(row.reqPerSec / hashing.limitPerSecond, 2)}x of hashing limit ${fmt(hashing.limitPerSecond, 2)}/s`);
  const cpu = (row.serverCpuMsPerReq ?? NaN) + (row.pgCpuMsPerReq ?? 0);
  if (Number.isFinite(cpu) && cpu > 0)
    row.notes.push(`hashing is ${fmt(((hashing.cpuSecondsPerHash * 1000) / cpu) * 100, 0)}% of its CPU (${fmt(cpu, 0)} ms/req)`);
}

async function runScenarios(
  bench: Bench,
  servers: Servers,
  hashing: Hashing,
  runId: string,
): Promise<{ rows: Scenario[]; login: Scenario | null; bursts: BurstComparison[] }> {
  const { opts, tokens, users } = bench;
  const getTargets: (readonly [Target, string, string])[] = [];
  if (opts.only.has("floors"))
    getTargets.push(
      [servers.nodeFloor, "/", "floor: bare node:http + pg"],
      [servers.nextFloor, "/api/test/floor", "floor: Next.js route, one SELECT"],
    );
  if (opts.only.has("session")) getTargets.push([servers.session, "/api/auth/session", SESSION_CHECK]);
  const nextOrigin = servers.session.origin;

  if (opts.warmup > 0) {
    log(`warm-up, ${opts.warmup} s per target`);
    await freshenSessions(bench);
    for (const [t, path] of getTargets)
      await load(`${t.origin}${path}`, Math.max(...opts.connections), opts.warmup, sessionRequest(tokens, t.origin, path)).result;
    await load(`${nextOrigin}/api/auth/login`, 2, opts.warmup, loginRequest(users, nextOrigin)).result;
  }

  const rows: Scenario[] = [];
  for (const connections of opts.connections) {
    for (const [t, path, label] of getTargets) {
      if (t === servers.session) await freshenSessions(bench);
      rows.push(
        await measured(
          bench,
          label,
          t,
          () => load(`${t.origin}${path}`, connections, opts.duration, sessionRequest(tokens, t.origin, path)).result,
        ),
      );
    }
  }

  let login: Scenario | null = null;
  if (opts.only.has("login")) {
    login = await measured(
      bench,
      "POST /api/auth/login",
      servers.login,
      () => load(`${nextOrigin}/api/auth/login`, opts.loginConnections, opts.loginDuration, loginRequest(users, nextOrigin)).result,
    );
    hashingNotes(login, hashing);
    rows.push(login);
  }
  if (opts.only.has("register")) {
    const register = await measured(
      bench,
      "POST /api/auth/register",
      servers.register,
      () =>
        load(`${nextOrigin}/api/auth/register`, opts.loginConnections, opts.loginDuration, registerRequest(runId, nextOrigin, 0)).result,
    );
    hashingNotes(register, hashing);
    rows.push(register);
  }

  if (opts.only.has("refresh")) {
    const refresh = await measured(
      bench,
      "POST /api/auth/token/refresh",
      servers.session,
      () =>
        load(
          `${nextOrigin}/api/auth/token/refresh`,
          Math.min(...opts.connections),
          opts.duration,
          refreshRequest(bench.refreshTokens, nextOrigin),
        ).result,
    );
    refresh.notes.push("each request rotates a distinct family: new refresh token + EdDSA access token, in one transaction");
    rows.push(refresh);
  }

  // Beside a login burst: closed loop (session checks saturate the CPU; the hashing threads run at
  // nice 10 and get what is left), then open loop at half the closed-loop rate (CPU to spare).
  const bursts: BurstComparison[] = [];
  if (opts.only.has("burst")) {
    const connections = Math.min(...opts.connections);
    const closed = await besideLoginBurst(bench, servers, connections, null);
    const rate = Math.max(1, Math.round(closed.unloaded.reqPerSec / 2));
    const open = await besideLoginBurst(bench, servers, connections, rate);
    rows.push(closed.unloaded, closed.during, open.unloaded, open.during);
    bursts.push(closed, open);
  }
  return { rows, login, bursts };
}

function checkTargets(
  rows: Scenario[],
  login: Scenario | null,
  bursts: BurstComparison[],
  roundTrips: RoundTripPhase[],
  hashingLimit: number,
): TargetCheck[] {
  const targets: TargetCheck[] = [];
  for (const row of rows.filter((r) => r.scenario === SESSION_CHECK)) {
    const f = floorsFor(rows, row).next;
    if (!f) continue;
    const tput = row.reqPerSec / f.reqPerSec;
    const p99 = row.p99 / f.p99;
    targets.push({
      target: `session check @${row.connections}: throughput >= 0.8x Next.js floor`,
      value: `${fmt(tput, 2)}x (${fmt(row.reqPerSec)} vs ${fmt(f.reqPerSec)} req/s)`,
      met: tput >= 0.8,
    });
    targets.push({
      target: `session check @${row.connections}: p99 <= 1.3x Next.js floor`,
      value: `${fmt(p99, 2)}x (${fmt(row.p99, 2)} vs ${fmt(f.p99, 2)} ms)`,
      met: p99 <= 1.3,
    });
  }
  const noWrite = roundTrips[0]!;
  targets.push({
    target: "one SQL round trip per session check (no activity write due)",
    value: `${noWrite.roundTripsPerRequest} round trips/check`,
    met: noWrite.roundTripsPerRequest === 1,
  });
  const writeDue = roundTrips.find((p) => p.phase.includes("activity write due ("))!;
  const written = Number(/^(\d+)/.exec(writeDue.check ?? "")?.[1] ?? NaN);
  targets.push({
    target: "activity written at most once a minute per session",
    value: writeDue.check ?? "-",
    met: written === STALE_SESSIONS && (writeDue.check ?? "").includes(`advanced on ${STALE_SESSIONS}/${STALE_SESSIONS}`),
  });
  if (login) {
    const ratio = login.reqPerSec / hashingLimit;
    targets.push({
      target: "sign-in throughput >= 0.8x hashing limit",
      value: `${fmt(ratio, 2)}x (${fmt(login.reqPerSec, 2)} vs ${fmt(hashingLimit, 2)}/s)`,
      met: ratio >= 0.8,
    });
  }
  for (const b of bursts) {
    const ratio = b.during.p99 / b.unloaded.p99;
    const what = b.unloaded.scenario.replace(/, no login load$/, "");
    targets.push({
      target: `${what}: p99 during a login burst <= 2x unloaded`,
      value: `${fmt(ratio, 2)}x (${fmt(b.during.p99, 2)} vs ${fmt(b.unloaded.p99, 2)} ms; ${fmt(b.logins.reqPerSec, 2)} logins/s beside it)`,
      met: ratio <= 2,
    });
  }
  return targets;
}

function floorsFor(rows: Scenario[], row: Scenario): { node?: Scenario; next?: Scenario } {
  return {
    node: rows.find((r) => r.target === "node-floor" && r.connections === row.connections),
    next: rows.find((r) => r.target === "next-floor" && r.connections === row.connections),
  };
}

async function main(): Promise<void> {
  const opts = options();
  const startedAt = new Date();
  const host = machine();
  if (opts.build) build();
  else if (!existsSync(join(ROOT, DIST_DIR, "BUILD_ID"))) throw new Error(`--no-build but ${DIST_DIR} has no build`);

  log("measuring argon2id in-process (seconds per hash)");
  const hashing = measureHashing();
  const limit = hashing.limitPerSecond;
  log(
    `argon2id m=${hashing.params.m} t=${hashing.params.t} p=${hashing.params.p}: ${hashing.secondsPerHash.toFixed(3)} s/hash (${hashing.cpuSecondsPerHash.toFixed(3)} s CPU), limit ${limit.toFixed(2)} hashes/s on ${hashing.cores} cores`,
  );
  if (hashing.secondsPerHash > hashing.cpuSecondsPerHash * 1.15)
    log("WARNING: a hash took more wall time than CPU time: the machine is busy, numbers will be noisy");

  const runId = `${Date.now().toString(36)}${Buffer.from(randomBytes(3)).toString("hex")}`;
  const admin = new pg.Pool({ connectionString: opts.baseUrl, max: 2 });
  const children: ChildProcess[] = [];
  let database: { name: string; url: string } | null = null;
  let seed: pg.Pool | null = null;
  const cleanup = async () => {
    for (const child of children.reverse()) await stopProcess(child);
    await seed?.end().catch(() => undefined);
    if (database && !opts.keepDb)
      await admin.query(`DROP DATABASE IF EXISTS ${database.name} WITH (FORCE)`).catch((e: unknown) => log(`drop failed: ${String(e)}`));
    else if (database) log(`kept database ${database.name}`);
    await admin.end().catch(() => undefined);
  };
  const onSignal = () => void cleanup().finally(() => process.exit(130));
  process.once("SIGINT", onSignal).once("SIGTERM", onSignal);

  try {
    const { rows: version } = await admin.query<{ server_version: string }>("SHOW server_version");
    database = await createDatabase(opts, admin, runId);
    log(`database ${database.name} created and migrated`);
    seed = new pg.Pool({ connectionString: database.url, max: 2 });
    const secrets = await serverSecrets();

    const nextPort = await freePort();
    const next = await startNext("server", nextPort, database.url, secrets, opts.cpuProf);
    children.push(next);
    const floorPort = await freePort();
    const floor = await startFloor(floorPort, database.url);
    children.push(floor);
    const nextOrigin = `http://127.0.0.1:${nextPort}`;

    log(`registering ${opts.users} users over HTTP, inserting ${opts.sessions} sessions`);
    const users = await registerUsers(nextOrigin, runId, opts.users);
    const tokens = await seedSessions(seed, users, opts.sessions);
    const refreshTokens = opts.only.has("refresh") ? await seedRefreshFamilies(seed, users, REFRESH_FAMILIES) : [];
    const bench: Bench = { opts, admin, seed, database: database.name, tokens, users, refreshTokens };

    log("counting SQL round trips (second server behind a wire-protocol counter)");
    const roundTrips = await countRoundTrips(bench, secrets, database.url, runId);

    const nextTree = processTree(next.pid!);
    const nextTarget = (name: string): Target => ({ name, origin: nextOrigin, pids: () => nextTree });
    const servers: Servers = {
      nodeFloor: { name: "node-floor", origin: `http://127.0.0.1:${floorPort}`, pids: () => [floor.pid!] },
      nextFloor: nextTarget("next-floor"),
      session: nextTarget("session"),
      login: nextTarget("login"),
      register: nextTarget("register"),
    };
    const { rows, login, bursts } = await runScenarios(bench, servers, hashing, runId);
    const targets = checkTargets(rows, login, bursts, roundTrips, limit);

    const title = `Portcullis session benchmark, ${startedAt.toISOString()}: ${host.cores} x ${host.cpu}, ${host.memoryGiB} GiB, ${host.os}, Node ${host.node}, PostgreSQL ${version[0]?.server_version}; load average at start ${host.loadAverageAtStart.join(" ")}, at end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}; ${opts.duration} s per scenario (${opts.loginDuration} s for login/register)`;
    const out: string[] = [title, "", table(rows, (row) => floorsFor(rows, row)), ""];
    out.push(
      `Hashing limit: argon2id m=${hashing.params.m} t=${hashing.params.t} p=${hashing.params.p}, ${fmt(hashing.secondsPerHash, 3)} s/hash in-process (${fmt(hashing.cpuSecondsPerHash, 3)} s of CPU) -> ${hashing.cores} cores / ${fmt(hashing.secondsPerHash, 3)} s = ${fmt(limit, 2)} hashes/s`,
    );
    if (hashing.secondsPerHash > hashing.cpuSecondsPerHash * 1.15)
      out.push("WARNING: the machine was busy (a hash took more wall time than CPU time): rerun on a quiet machine.");
    out.push("");
    out.push("SQL round trips (counted on the wire: Sync + simple Query messages; second server behind a counting proxy):");
    for (const p of roundTrips) {
      out.push(`  ${p.phase}: ${p.roundTripsPerRequest} per request${p.check ? `; ${p.check}` : ""}`);
      for (const [statement, n] of Object.entries(p.statementsPerRequest)) out.push(`      ${n} x ${statement}`);
    }
    out.push("", "Targets:");
    for (const t of targets) out.push(`  [${t.met ? "met " : "MISS"}] ${t.target}: ${t.value}`);
    console.log(out.join("\n"));

    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = join(
      RESULTS_DIR,
      `sessions-${startedAt
        .toISOString()
        .replace(/:/g, "-")
        .replace(/\.\d+Z$/, "Z")}.json`,
    );
    const report = {
      startedAt,
      machine: { ...host, postgres: version[0]?.server_version, loadAverageAtEnd: loadavg() },
      options: opts,
      serverPids: nextTree,
      hashing,
      roundTrips,
      scenarios: rows,
      burstLogins: bursts.map((b) => ({ beside: b.during.scenario, ...b.logins })),
      targets,
    };
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    log(`wrote ${file}`);
  } finally {
    process.removeListener("SIGINT", onSignal).removeListener("SIGTERM", onSignal);
    await cleanup();
  }
}

// bench/scale.ts imports the harness above; only `npm run bench:sessions` runs this benchmark.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  });
}
