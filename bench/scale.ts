/**
 * npm run bench:scale [-- options]: Portcullis at 1M users / 10M sessions (issue 16).
 *
 * Creates and migrates a throwaway database portcullis_scale_<id> on the local Postgres and
 * seeds it with set-based SQL (INSERT ... SELECT FROM generate_series, one chunk per statement,
 * progress on stderr): users (one real argon2id hash shared by all, so any of them can sign in),
 * sessions (a share expired, a share revoked), refresh tokens on live sessions, and audit rows
 * spread over the last N months (monthly partitions created first, as the daily cron would).
 * Then it starts `next start` on it (the build and harness of bench/sessions.ts) and measures over
 * 127.0.0.1 with autocannon: the Next.js floor (one SELECT in a route handler), the session check
 * at 10 and 50 connections with random live sessions, sign-in, refresh; then the session check
 * and refresh again while the five-minute cleanup drains the expired backlog (the cron route
 * called back to back), and while the daily cron runs (token cleanup, audit partitions ahead,
 * audit retention by dropping partitions). During maintenance it samples pg_stat_activity every
 * 10 ms for the age of each maintenance transaction (how long it has held its row locks).
 * Reports seeding time, database, table and index sizes, rows deleted per second, p50/p99 before
 * and during maintenance, lock hold times; prints a table and writes JSON to bench/results/.
 * The database is dropped at the end unless --keep.
 *
 * Options: --users <n> (1000000)  --sessions <n> (10000000)  --expired-share <0..1> (0.3)
 *          --revoked-share <0..1> (0.05)  --refresh-tokens <n> (2000000)  --audit <n> (20000000)
 *          --audit-months <n> (12)  --duration <s> (10)  --connections <list> (10,50)
 *          --login-connections <n> (8)  --chunk <rows per seeding statement> (1000000)
 *          --no-build  --keep
 *          --cpu-prof <dir> (profile the measured Next.js server, all phases; written when it exits)
 *          --seed-only (seed, keep the database, print its name, measure nothing)
 *          --reuse <database> (measure an earlier --seed-only/--keep database: pending migrations are
 *          applied, nothing is seeded, the database is kept; the cleanup phase finds what earlier
 *          runs left of the expired backlog, and the daily cron what it left of the audit months)
 * Environment: POSTGRES_URL, the server to create the database on
 *          (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { argon2id } from "@noble/hashes/argon2.js";
import { ARGON2_PARAMS, HASH_BYTES, formatHash, newSalt } from "../lib/passwords/argon2";
import { randomBytes } from "../lib/crypto/random";
import { sha256Hex } from "../lib/crypto/digest";
import { createPgDb } from "../lib/db/pg";
import { migrate } from "../lib/db/migrate";
import {
  DIST_DIR,
  PASSWORD,
  build,
  cpuMs,
  freePort,
  ipFor,
  load,
  log,
  loginRequest,
  machine,
  processTree,
  refreshRequest,
  serverSecrets,
  sessionRequest,
  settle,
  siblingUrl,
  sleep,
  startNext,
  stopProcess,
  type LoadResult,
} from "./sessions";

const ROOT = process.cwd();
const RESULTS_DIR = join(ROOT, "bench", "results");
/** Live sessions and refresh tokens the load picks from (at random, by row number). */
const LIVE_SAMPLE = 20_000;

interface Options {
  readonly users: number;
  readonly sessions: number;
  readonly expiredShare: number;
  readonly revokedShare: number;
  readonly refreshTokens: number;
  readonly audit: number;
  readonly auditMonths: number;
  readonly duration: number;
  readonly connections: readonly number[];
  readonly loginConnections: number;
  readonly chunk: number;
  readonly build: boolean;
  readonly keep: boolean;
  readonly seedOnly: boolean;
  readonly cpuProf: string | null;
  readonly reuse: string | null;
  readonly baseUrl: string;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      users: { type: "string", default: "1000000" },
      sessions: { type: "string", default: "10000000" },
      "expired-share": { type: "string", default: "0.3" },
      "revoked-share": { type: "string", default: "0.05" },
      "refresh-tokens": { type: "string", default: "2000000" },
      audit: { type: "string", default: "20000000" },
      "audit-months": { type: "string", default: "12" },
      duration: { type: "string", default: "10" },
      connections: { type: "string", default: "10,50" },
      "login-connections": { type: "string", default: "8" },
      chunk: { type: "string", default: "1000000" },
      "no-build": { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
      "seed-only": { type: "boolean", default: false },
      reuse: { type: "string" },
      "cpu-prof": { type: "string" },
    },
  });
  const num = (name: string, raw: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number in [${min}, ${max}]`);
    return n;
  };
  const expiredShare = num("expired-share", values["expired-share"], 0, 1);
  const revokedShare = num("revoked-share", values["revoked-share"], 0, 1 - expiredShare);
  const sessions = Math.round(num("sessions", values.sessions, 1000));
  const refreshTokens = Math.round(num("refresh-tokens", values["refresh-tokens"], 0));
  const live = Math.floor(sessions * (1 - expiredShare - revokedShare));
  const reuse = values.reuse ?? null;
  if (reuse !== null && !/^portcullis_scale_[a-z0-9]+$/.test(reuse)) throw new Error("--reuse takes a portcullis_scale_<id> database");
  if (reuse !== null && values["seed-only"]) throw new Error("--reuse and --seed-only exclude each other");
  if (refreshTokens > live)
    throw new Error(`--refresh-tokens (${refreshTokens}) exceeds the live sessions (${live}): one token per live session`);
  return {
    users: Math.round(num("users", values.users, 100)),
    sessions,
    expiredShare,
    revokedShare,
    refreshTokens,
    audit: Math.round(num("audit", values.audit, 0)),
    auditMonths: Math.round(num("audit-months", values["audit-months"], 1, 120)),
    duration: num("duration", values.duration, 1),
    connections: String(values.connections)
      .split(",")
      .map((c) => Math.round(num("connections", c, 1))),
    loginConnections: Math.round(num("login-connections", values["login-connections"], 1)),
    chunk: Math.round(num("chunk", values.chunk, 1000)),
    build: !values["no-build"],
    keep: Boolean(values.keep) || Boolean(values["seed-only"]) || reuse !== null,
    seedOnly: Boolean(values["seed-only"]),
    cpuProf: values["cpu-prof"] ?? null,
    reuse,
    baseUrl: process.env.POSTGRES_URL || "postgres://postgres@127.0.0.1:5432/postgres",
  };
}

// ---------------------------------------------------------------------------------------------
// Seeding. Row g of each table is derived from g alone, so the load can name any row without
// reading it back: session g has id lpad(g, 22, 's') and secret lpad(g, 43, 'k'); the refresh
// token of live session g is lpad(g, 43, 'r'). Session g is expired when g % 1000 falls in the
// first expired-share of the range, revoked in the next revoked-share, live otherwise.

function sessionToken(g: number): string {
  return `${String(g).padStart(22, "s")}.${String(g).padStart(43, "k")}`;
}

function refreshToken(g: number): string {
  return String(g).padStart(43, "r");
}

interface SeedStep {
  readonly table: string;
  readonly rows: number;
  readonly seconds: number;
}

async function chunked(
  db: pg.Pool,
  label: string,
  total: number,
  chunk: number,
  statement: (from: number, to: number) => [string, unknown[]],
): Promise<SeedStep> {
  const started = Date.now();
  for (let from = 1; from <= total; from += chunk) {
    const to = Math.min(total, from + chunk - 1);
    const [text, params] = statement(from, to);
    await db.query(text, params);
    const seconds = (Date.now() - started) / 1000;
    log(
      `seed ${label}: ${to.toLocaleString("en")} / ${total.toLocaleString("en")} rows, ${seconds.toFixed(1)} s (${Math.round(to / seconds).toLocaleString("en")} rows/s)`,
    );
  }
  return { table: label, rows: total, seconds: (Date.now() - started) / 1000 };
}

async function seed(db: pg.Pool, opts: Options): Promise<SeedStep[]> {
  const steps: SeedStep[] = [];
  const passwordHash = (() => {
    const salt = newSalt();
    return formatHash(ARGON2_PARAMS, salt, argon2id(new TextEncoder().encode(PASSWORD), salt, { ...ARGON2_PARAMS, dkLen: HASH_BYTES }));
  })();
  const expiredPerMille = Math.round(opts.expiredShare * 1000);
  const revokedPerMille = Math.round(opts.revokedShare * 1000);
  // foreign keys are consistent by construction: skip their per-row triggers, as pg_restore does
  const replica = "SET session_replication_role = replica; ";

  steps.push(
    await chunked(db, "users", opts.users, opts.chunk, (from, to) => [
      `${replica}
    INSERT INTO users (id, email, password_hash, password_changed_at, email_verified_at, created_at)
    SELECT md5('user' || g)::uuid, 'scale-' || g || '@example.com', '${passwordHash}', now() - interval '400 days', now() - interval '400 days',
           now() - interval '400 days' + g * interval '1 second'
    FROM generate_series(${from}, ${to}) AS g`,
      [],
    ]),
  );

  // expired: idle expiry 1 s .. ~11 days ago; revoked: within the last 14 days; live: activity in the last hour
  steps.push(
    await chunked(db, "sessions", opts.sessions, opts.chunk, (from, to) => [
      `${replica}
    INSERT INTO sessions (id, secret_hash, user_id, created_at, last_activity_at, idle_expires_at, absolute_expires_at,
                          reauthenticated_at, revoked_at, revoked_reason, ip, user_agent)
    SELECT lpad(g::text, 22, 's'), encode(sha256(convert_to(lpad(g::text, 43, 'k'), 'UTF8')), 'hex'),
           md5('user' || (1 + g % ${opts.users}))::uuid, t.created, t.active, t.idle, t.created + interval '30 days', t.created,
           t.revoked, CASE WHEN t.revoked IS NULL THEN NULL ELSE 'logout' END, '10.0.0.1', 'portcullis-bench'
    FROM generate_series(${from}, ${to}) AS g,
    LATERAL (SELECT CASE WHEN g % 1000 < ${expiredPerMille} THEN 'expired' WHEN g % 1000 < ${expiredPerMille + revokedPerMille} THEN 'revoked' ELSE 'live' END AS kind) k,
    LATERAL (SELECT
      CASE k.kind WHEN 'expired' THEN now() - interval '20 days' ELSE now() - interval '1 day' END AS created,
      CASE k.kind WHEN 'expired' THEN now() - interval '20 days' ELSE now() - (g % 3600) * interval '1 second' END AS active,
      CASE k.kind WHEN 'expired' THEN now() - interval '1 second' - (g % 1000000) * interval '1 second'
                  ELSE now() + interval '7 days' - (g % 3600) * interval '1 second' END AS idle,
      CASE k.kind WHEN 'revoked' THEN now() - (g % 1209600) * interval '1 second' ELSE NULL END AS revoked) t`,
      [],
    ]),
  );

  // one refresh token on each of the first N live sessions
  const livePerMille = 1000 - expiredPerMille - revokedPerMille;
  const liveSession = (n: string) =>
    `((${n} - 1) / ${livePerMille}) * 1000 + ${expiredPerMille + revokedPerMille} + (${n} - 1) % ${livePerMille}`;
  if (opts.refreshTokens > 0) {
    steps.push(
      await chunked(db, "refresh_tokens", opts.refreshTokens, opts.chunk, (from, to) => [
        `${replica}
      INSERT INTO refresh_tokens (session_id, user_id, token_hash, created_at)
      SELECT lpad(s::text, 22, 's'), md5('user' || (1 + s % ${opts.users}))::uuid,
             encode(sha256(convert_to(lpad(s::text, 43, 'r'), 'UTF8')), 'hex'), now() - interval '1 day'
      FROM generate_series(${from}, ${to}) AS n, LATERAL (SELECT ${liveSession("n")} AS s) x
      WHERE s BETWEEN 1 AND ${opts.sessions}`,
        [],
      ]),
    );
  }

  await db.query(`SELECT audit_logs_create_partitions(now() - make_interval(months => $1::int), $1::int + 3)`, [opts.auditMonths]);
  const spanSeconds = opts.auditMonths * 30 * 86400;
  if (opts.audit > 0) {
    steps.push(
      await chunked(db, "audit_logs", opts.audit, opts.chunk, (from, to) => [
        `
      INSERT INTO audit_logs (created_at, event_type, result, actor_id, target_id, session_id, subject_hash, ip, user_agent, details)
      SELECT now() - (g::float8 * ${spanSeconds} / ${opts.audit}) * interval '1 second',
             (ARRAY['login.success','login.failure','logout','session.rotated','token.issued','refresh.rotated',
                    'register','mfa.success','reauth.success','password.changed'])[1 + g % 10],
             CASE WHEN g % 10 = 1 THEN 'failure' ELSE 'success' END,
             CASE WHEN g % 10 = 1 THEN NULL ELSE md5('user' || (1 + g % ${opts.users}))::uuid END,
             md5('user' || (1 + (g * 7) % ${opts.users}))::uuid, NULL,
             md5('subject' || (g % ${opts.users})) || md5('subject2' || (g % ${opts.users})),
             ('10.' || (g % 200) || '.' || ((g / 200) % 250) || '.1')::inet, 'portcullis-bench', '{}'::jsonb
      FROM generate_series(${from}, ${to}) AS g`,
        [],
      ]),
    );
  }
  const started = Date.now();
  log("VACUUM ANALYZE");
  await db.query("VACUUM ANALYZE");
  steps.push({ table: "VACUUM ANALYZE", rows: 0, seconds: (Date.now() - started) / 1000 });
  return steps;
}

/** Live session numbers and refresh-token numbers for the load, at random across the whole table. */
function liveSample(opts: Options, count: number, limit: number): number[] {
  const expired = Math.round(opts.expiredShare * 1000);
  const revoked = Math.round(opts.revokedShare * 1000);
  const livePerMille = 1000 - expired - revoked;
  const picked = new Set<number>();
  while (picked.size < Math.min(count, limit)) {
    const n = 1 + Math.floor(Math.random() * limit); // the n-th live session
    picked.add(Math.floor((n - 1) / livePerMille) * 1000 + expired + revoked + ((n - 1) % livePerMille));
  }
  return [...picked].filter((g) => g >= 1 && g <= opts.sessions);
}

// ---------------------------------------------------------------------------------------------
// Sizes and maintenance observation

async function sizes(
  db: pg.Pool,
): Promise<{ databaseBytes: number; tables: { table: string; rows: number; tableBytes: number; indexBytes: number }[] }> {
  const { rows: d } = await db.query<{ bytes: string }>("SELECT pg_database_size(current_database())::text AS bytes");
  const { rows } = await db.query<{ table: string; rows: string; table_bytes: string; index_bytes: string }>(`
    SELECT t.relname AS table, coalesce(sum(c.reltuples), 0)::bigint::text AS rows,
           coalesce(sum(pg_table_size(c.oid)), 0)::bigint::text AS table_bytes, coalesce(sum(pg_indexes_size(c.oid)), 0)::bigint::text AS index_bytes
    FROM pg_class t
    LEFT JOIN pg_inherits h ON h.inhparent = t.oid
    JOIN pg_class c ON c.oid = coalesce(h.inhrelid, t.oid)
    WHERE t.relnamespace = 'public'::regnamespace AND t.relkind IN ('r', 'p') AND NOT t.relispartition
    GROUP BY t.relname ORDER BY sum(pg_total_relation_size(c.oid)) DESC`);
  return {
    databaseBytes: Number(d[0]!.bytes),
    tables: rows.map((r) => ({
      table: r.table,
      rows: Number(r.rows),
      tableBytes: Number(r.table_bytes),
      indexBytes: Number(r.index_bytes),
    })),
  };
}

/**
 * Samples pg_stat_activity every 10 ms until stopped: for each maintenance transaction (the
 * cleanup batch, token cleanup, partition create/drop), the longest it was seen open, which is
 * how long it held the row locks it took. A lower bound by up to one sampling interval.
 */
function watchMaintenance(
  admin: pg.Pool,
  database: string,
): { stop: () => Promise<{ statement: string; maxOpenMs: number; samples: number }[]> } {
  const longest = new Map<string, { maxOpenMs: number; samples: number }>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await admin.query<{ query: string; open_ms: number }>(
        `
        SELECT query, extract(epoch FROM clock_timestamp() - xact_start) * 1000 AS open_ms FROM pg_stat_activity
        WHERE datname = $1 AND state <> 'idle' AND xact_start IS NOT NULL
          AND query ~ '(cleanup_expired|purge_|audit_logs_(create|drop)_partitions|ANALYZE)'`,
        [database],
      );
      for (const r of rows) {
        const key = /(cleanup_expired_\w+|purge_\w+|audit_logs_\w+_partitions|ANALYZE \w+)/.exec(r.query)?.[1] ?? r.query.slice(0, 60);
        const seen = longest.get(key) ?? { maxOpenMs: 0, samples: 0 };
        longest.set(key, { maxOpenMs: Math.max(seen.maxOpenMs, Number(r.open_ms)), samples: seen.samples + 1 });
      }
      await sleep(10);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return [...longest].map(([statement, v]) => ({ statement, ...v }));
    },
  };
}

/** One cron call. A failed call is a finding to report (status and error code), not a reason to stop the run. */
async function cron(
  origin: string,
  path: string,
  secret: string,
): Promise<{ ms: number; status: number; body: Record<string, unknown>; failed: string | null }> {
  const started = performance.now();
  const res = await fetch(`${origin}${path}`, { headers: { authorization: `Bearer ${secret}` } });
  const body = (await res.json()) as Record<string, unknown>;
  const failed = res.status === 200 ? null : `${res.status} ${(body.error as { code?: string } | undefined)?.code ?? "?"}`;
  if (failed) log(`${path} failed: ${failed}`);
  return { ms: performance.now() - started, status: res.status, body, failed };
}

// ---------------------------------------------------------------------------------------------

interface Row extends LoadResult {
  readonly scenario: string;
  readonly phase: "idle" | "cleanup" | "daily";
  /** CPU per request of `next start` (all its processes), and of every postgres process (backends and background workers, maintenance included). */
  readonly nodeCpuMsPerReq: number | null;
  readonly pgCpuMsPerReq: number | null;
}

/** Every postgres process on the machine: the database's CPU, background writers and maintenance included. */
function postgresPids(): number[] {
  return readdirSync("/proc")
    .filter((entry) => {
      if (!/^\d+$/.test(entry)) return false;
      try {
        return readFileSync(`/proc/${entry}/comm`, "utf8").trim() === "postgres";
      } catch {
        return false;
      }
    })
    .map(Number);
}

const cpuOf = (pids: readonly number[]) => new Map(pids.map((pid) => [pid, cpuMs(pid)]));
const cpuSince = (before: Map<number, number>, pids: readonly number[]) =>
  pids.reduce((sum, pid) => sum + cpuMs(pid) - (before.get(pid) ?? 0), 0);

const fmt = (n: number | null | undefined, digits = 1) => (n === null || n === undefined || Number.isNaN(n) ? "-" : n.toFixed(digits));
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

async function main(): Promise<void> {
  const opts = options();
  const startedAt = new Date();
  const host = machine();
  if (opts.seedOnly) {
    // nothing to serve
  } else if (opts.build) build();
  else if (!existsSync(join(ROOT, DIST_DIR, "BUILD_ID"))) throw new Error(`--no-build but ${DIST_DIR} has no build`);

  const runId = `${Date.now().toString(36)}${Buffer.from(randomBytes(3)).toString("hex")}`;
  const name = opts.reuse ?? `portcullis_scale_${runId}`;
  // an idle connection to the bench database is ended by DROP ... WITH (FORCE): not an error here
  const admin = new pg.Pool({ connectionString: opts.baseUrl, max: 2 }).on("error", () => undefined);
  const url = siblingUrl(opts.baseUrl, name);
  let db: pg.Pool | null = null;
  let server: ChildProcess | null = null;
  let created = false;
  const cleanup = async () => {
    if (server) await stopProcess(server);
    await db?.end().catch(() => undefined);
    if (created && !opts.keep)
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch((e: unknown) => log(`drop failed: ${String(e)}`));
    else if (created) log(`kept database ${name}`);
    await admin.end().catch(() => undefined);
  };
  const onSignal = () => void cleanup().finally(() => process.exit(130));
  process.once("SIGINT", onSignal).once("SIGTERM", onSignal);

  try {
    const { rows: version } = await admin.query<{ server_version: string }>("SHOW server_version");
    if (!opts.reuse) await admin.query(`CREATE DATABASE ${name}`);
    created = true;
    const migrator = createPgDb(url, "POSTGRES_URL", 2);
    await migrate(migrator).finally(() => migrator.close());
    db = new pg.Pool({ connectionString: url, max: 2 }).on("error", () => undefined);

    const seedStarted = Date.now();
    const seeding = opts.reuse ? [] : await seed(db, opts);
    const seedSeconds = (Date.now() - seedStarted) / 1000;
    // an earlier run's deletes leave dead rows: vacuum them now, not under the measured load
    if (opts.reuse) await db.query("VACUUM (ANALYZE)");
    const sized = await sizes(db);
    log(`${opts.reuse ? `reusing ${name}` : `seeded in ${seedSeconds.toFixed(1)} s`}; database ${mib(sized.databaseBytes)}`);
    if (opts.seedOnly) {
      console.log(`Seeded ${name} in ${fmt(seedSeconds)} s (${mib(sized.databaseBytes)}); measure it with --reuse ${name}`);
      return;
    }

    // audit retention: the oldest monthly partition (the oldest seeded month, or what an earlier run
    // of --reuse left) lies wholly past AUDIT_RETENTION_DAYS, so the daily cron drops it
    const { rows: oldestPartition } = await db.query<{ name: string | null }>(
      "SELECT min(relname) AS name FROM pg_class WHERE relname ~ '^audit_logs_p[0-9]{6}$'",
    );
    const seededOldest = new Date(Date.now() - opts.auditMonths * 30 * 86400_000);
    const [year, month] = /^audit_logs_p(\d{4})(\d{2})$/
      .exec(oldestPartition[0]?.name ?? "")
      ?.slice(1)
      .map(Number) ?? [seededOldest.getUTCFullYear(), seededOldest.getUTCMonth() + 1];
    const oldestMonthEnd = Date.UTC(year!, month!, 1);
    const retentionDays = Math.max(30, Math.floor((Date.now() - oldestMonthEnd) / 86400_000) - 1);
    const secrets: Record<string, string> = { ...(await serverSecrets()), AUDIT_RETENTION_DAYS: String(retentionDays) };
    const port = await freePort();
    server = await startNext("scale", port, url, secrets, opts.cpuProf);
    const origin = `http://127.0.0.1:${port}`;
    const pids = processTree(server.pid!);

    const live = liveSample(opts, LIVE_SAMPLE, Math.floor(opts.sessions * (1 - opts.expiredShare - opts.revokedShare)));
    const tokens = live.map(sessionToken);
    let refreshPool = liveSample(opts, 200_000, opts.refreshTokens).map(refreshToken);
    if (opts.reuse) {
      // an earlier run spent some of them: presenting a spent token is reuse (the family revoked), not a rotation
      const { rows: unspent } = await db.query<{ token_hash: string }>(
        "SELECT token_hash FROM refresh_tokens WHERE token_hash = ANY($1::text[]) AND used_at IS NULL AND revoked_at IS NULL",
        [refreshPool.map(sha256Hex)],
      );
      const live = new Set(unspent.map((r) => r.token_hash));
      refreshPool = refreshPool.filter((t) => live.has(sha256Hex(t)));
    }
    const emails = Array.from({ length: 1000 }, (_, _i) => `scale-${1 + Math.floor(Math.random() * opts.users)}@example.com`);
    for (const t of tokens.slice(0, 3)) {
      const res = await fetch(`${origin}/api/auth/session`, { headers: { cookie: `portcullis_session=${t}`, "x-real-ip": ipFor(1) } });
      if (res.status !== 200) throw new Error(`a seeded live session did not validate: ${res.status} ${await res.text()}`);
    }

    const rows: Row[] = [];
    let refreshUsed = 0;
    const refreshSlice = () => {
      const n = Math.min(refreshPool.length - refreshUsed, Math.ceil(opts.duration * 2000));
      const slice = refreshPool.slice(refreshUsed, refreshUsed + n);
      refreshUsed += n;
      return slice;
    };
    const run = async (
      phase: Row["phase"],
      scenario: string,
      connections: number,
      request: Parameters<typeof load>[3],
      duration = opts.duration,
    ) => {
      const nodeBefore = cpuOf(pids);
      const pgBefore = cpuOf(postgresPids());
      const result = await load(origin, connections, duration, request).result;
      const requests = result.ok + result.errors;
      const perRequest = (ms: number) => (requests > 0 ? ms / requests : null);
      rows.push({
        scenario,
        phase,
        ...result,
        nodeCpuMsPerReq: perRequest(cpuSince(nodeBefore, pids)),
        pgCpuMsPerReq: perRequest(cpuSince(pgBefore, postgresPids())),
      });
      log(
        `[${phase}] ${scenario} @${connections}: ${result.reqPerSec.toFixed(1)} req/s, p50 ${fmt(result.p50, 2)} ms, p99 ${fmt(result.p99, 2)} ms${result.errors ? `, ${result.errors} errors ${JSON.stringify(result.statusCodes)}` : ""}`,
      );
      return result;
    };
    const sessionPhase = async (phase: Row["phase"]) => {
      for (const c of opts.connections) {
        if (phase === "idle") await run(phase, "Next.js floor", c, sessionRequest(tokens, origin, "/api/test/floor"));
        await run(phase, "session check", c, sessionRequest(tokens, origin, "/api/auth/session"));
      }
      await run(phase, "refresh", 10, refreshRequest(refreshSlice(), origin));
    };

    log("warm-up");
    await load(origin, 10, 3, sessionRequest(tokens, origin, "/api/auth/session")).result;
    await load(origin, 10, 2, sessionRequest(tokens, origin, "/api/test/floor")).result;
    const warmRefresh = refreshPool.splice(0, 1000);
    await load(origin, 10, 2, refreshRequest(warmRefresh, origin)).result;
    await settle([...pids, ...postgresPids()]);
    await sessionPhase("idle");
    await settle([...pids, ...postgresPids()]);
    await run("idle", "sign-in", opts.loginConnections, loginRequest(emails, origin), Math.max(opts.duration, 10));
    await settle([...pids, ...postgresPids()]);

    // five-minute cleanup, called back to back until the backlog is gone, under load
    const expiredBefore = Number(
      (
        await db.query<{ n: string }>(
          "SELECT count(*)::text AS n FROM sessions WHERE idle_expires_at <= now() OR revoked_at <= now() - interval '7 days'",
        )
      ).rows[0]!.n,
    );
    const watch = watchMaintenance(admin, name);
    interface BatchSpread {
      count: number;
      rows: { median: number; max: number };
      ms: { median: number; max: number };
    }
    const cleanupRuns: { ms: number; deleted: number; failed: string | null; batches: BatchSpread | null }[] = [];
    let draining = true;
    const cleanupStarted = performance.now();
    const drainer = (async () => {
      while (draining) {
        const r = await cron(origin, "/api/cron/sessions", secrets.CRON_SECRET!);
        const deleted = r.failed ? 0 : (r.body.deleted as { sessions: number }).sessions;
        cleanupRuns.push({ ms: r.ms, deleted, failed: r.failed, batches: r.failed ? null : (r.body.batches as BatchSpread) });
        if (deleted === 0) break;
      }
    })();
    await sessionPhase("cleanup");
    const loadEndedMs = performance.now() - cleanupStarted;
    draining = false;
    await drainer;
    const cleanupMs = performance.now() - cleanupStarted;
    const cleanupLocks = await watch.stop();
    const deleted = cleanupRuns.reduce((s, r) => s + r.deleted, 0);
    await settle([...pids, ...postgresPids()]);

    // the daily cron (tokens, outbox, audit partitions ahead, retention by partition drop), under load
    const dailyWatch = watchMaintenance(admin, name);
    const dailyRun = cron(origin, "/api/cron/daily", secrets.CRON_SECRET!);
    await run("daily", "session check", opts.connections.at(-1)!, sessionRequest(tokens, origin, "/api/auth/session"));
    const daily = await dailyRun;
    const dailyLocks = await dailyWatch.stop();
    const after = await sizes(db);

    // ---- report
    const idle = (s: string, c: number) => rows.find((r) => r.phase === "idle" && r.scenario === s && r.connections === c);
    const table = [
      "phase    scenario         conn   req/s     p50 ms   p99 ms   vs floor req/s  p99   vs idle p99   CPU ms/req: node   postgres",
      ...rows.map((r) => {
        const floor = idle("Next.js floor", r.connections);
        const base = idle(r.scenario, r.connections);
        const vsFloor =
          floor && r.scenario === "session check"
            ? `${`${fmt(r.reqPerSec / floor.reqPerSec, 2)}x`.padEnd(16)}${fmt(r.p99 / floor.p99, 2)}x`
            : `${"".padEnd(16)}-`;
        const vsIdle = r.phase !== "idle" && base ? `${fmt(r.p99 / base.p99, 2)}x` : "-";
        return `${r.phase.padEnd(8)} ${r.scenario.padEnd(16)} ${String(r.connections).padStart(4)} ${fmt(r.reqPerSec).padStart(8)} ${fmt(r.p50, 2).padStart(9)} ${fmt(r.p99, 2).padStart(8)}   ${vsFloor.padEnd(21)} ${vsIdle.padEnd(13)} ${fmt(r.nodeCpuMsPerReq, 2).padStart(16)} ${fmt(r.pgCpuMsPerReq, 2).padStart(10)}`;
      }),
    ];
    const out = [
      `Portcullis scale benchmark, ${startedAt.toISOString()}: ${host.cores} x ${host.cpu}, ${host.memoryGiB} GiB, Node ${host.node}, PostgreSQL ${version[0]?.server_version}; load average at start ${host.loadAverageAtStart.join(" ")}, at end ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
      `${opts.reuse ? `Reused ${opts.reuse}, seeded earlier with` : "Seeded"} ${opts.users.toLocaleString("en")} users, ${opts.sessions.toLocaleString("en")} sessions (${opts.expiredShare * 100}% expired, ${opts.revokedShare * 100}% revoked), ${opts.refreshTokens.toLocaleString("en")} refresh tokens, ${opts.audit.toLocaleString("en")} audit rows over ${opts.auditMonths} months${opts.reuse ? " (the same sizes must be given again)" : ` in ${fmt(seedSeconds)} s`}:`,
      ...seeding.map(
        (s) =>
          `  ${s.table.padEnd(16)} ${s.rows.toLocaleString("en").padStart(12)} rows ${fmt(s.seconds).padStart(8)} s${s.rows ? ` (${Math.round(s.rows / s.seconds).toLocaleString("en")} rows/s)` : ""}`,
      ),
      `Database ${mib(sized.databaseBytes)} (after maintenance ${mib(after.databaseBytes)}):`,
      ...sized.tables
        .filter((t) => t.tableBytes + t.indexBytes > 2 ** 20)
        .map(
          (t) =>
            `  ${t.table.padEnd(16)} ${t.rows.toLocaleString("en").padStart(12)} rows  table ${mib(t.tableBytes).padStart(9)}  indexes ${mib(t.indexBytes).padStart(9)}`,
        ),
      "",
      ...table,
      "",
      `Cleanup: ${deleted.toLocaleString("en")} of ${expiredBefore.toLocaleString("en")} expired/old-revoked sessions deleted in ${cleanupRuns.length} cron calls, ${fmt(cleanupMs / 1000)} s (${Math.round(deleted / (cleanupMs / 1000)).toLocaleString("en")} rows/s; the load ran for the first ${fmt(loadEndedMs / 1000)} s); calls: ${cleanupRuns.map((r) => (r.failed ? `FAILED ${r.failed} after ${fmt(r.ms / 1000, 2)} s` : `${r.deleted} in ${fmt(r.ms / 1000, 2)} s`)).join(", ")}`,
      ...cleanupRuns
        .filter((r) => r.batches)
        .map(
          (r) =>
            `  batches as the job timed them: ${r.batches!.count}, rows median ${r.batches!.rows.median} (max ${r.batches!.rows.max}), wall time median ${r.batches!.ms.median} ms (max ${r.batches!.ms.max} ms)`,
        ),
      `  longest open maintenance transaction, sampled every 10 ms (a batch holds its rows' locks that long; ANALYZE takes no row lock): ${cleanupLocks.map((l) => `${l.statement} ${fmt(l.maxOpenMs)} ms`).join(", ") || "none seen"}`,
      daily.failed
        ? `Daily cron (AUDIT_RETENTION_DAYS=${retentionDays}): FAILED ${daily.failed} after ${fmt(daily.ms / 1000, 2)} s`
        : `Daily cron (AUDIT_RETENTION_DAYS=${retentionDays}): ${fmt(daily.ms / 1000, 2)} s, ${JSON.stringify(daily.body.deleted)}, partitions ${JSON.stringify(daily.body.auditPartitions)}`,
      `  longest open maintenance transaction: ${dailyLocks.map((l) => `${l.statement} ${fmt(l.maxOpenMs)} ms`).join(", ") || "none seen"}`,
    ];
    console.log(out.join("\n"));

    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = join(
      RESULTS_DIR,
      `scale-${startedAt
        .toISOString()
        .replace(/:/g, "-")
        .replace(/\.\d+Z$/, "Z")}.json`,
    );
    const report = {
      startedAt,
      machine: { ...host, postgres: version[0]?.server_version, loadAverageAtEnd: loadavg() },
      options: opts,
      seeding: { seconds: seedSeconds, steps: seeding },
      sizes: { beforeMaintenance: sized, afterMaintenance: after },
      scenarios: rows,
      cleanup: {
        expiredBefore,
        deleted,
        seconds: cleanupMs / 1000,
        rowsPerSecond: deleted / (cleanupMs / 1000),
        loadSeconds: loadEndedMs / 1000,
        runs: cleanupRuns,
        longestTransactions: cleanupLocks,
      },
      daily: { auditRetentionDays: retentionDays, seconds: daily.ms / 1000, response: daily.body, longestTransactions: dailyLocks },
    };
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    log(`wrote ${file}`);
  } finally {
    process.removeListener("SIGINT", onSignal).removeListener("SIGTERM", onSignal);
    await cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
