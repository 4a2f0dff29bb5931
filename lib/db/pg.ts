/**
 * node-postgres Pool: any postgres:// URL that is not Neon / Vercel Postgres.
 *
 * Bounded everywhere (docs/operations/database-faults.md): getting a connection (connect
 * timeout, which pg-pool also applies to waiting for a free slot), each statement (the
 * server's statement_timeout, and the client-side deadline of pg-common.ts for when the server
 * cannot answer at all), a session left idle in a transaction, and TCP keepalive so that a
 * dead peer is noticed on idle connections too.
 */
import pg from "pg";
import type { Db } from "./types";
import { DEFAULT_DB_TIMEOUTS, poolDb, type DbTimeouts } from "./pg-common";

const KEEPALIVE_INITIAL_DELAY_MS = 10_000;
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;

export function createPgDb(url: string, variable: string, max: number, timeouts: DbTimeouts = DEFAULT_DB_TIMEOUTS): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: timeouts.connectTimeoutMs,
    idleTimeoutMillis: 30000,
    statement_timeout: timeouts.queryTimeoutMs,
    idle_in_transaction_session_timeout: Math.max(IDLE_IN_TRANSACTION_TIMEOUT_MS, timeouts.queryTimeoutMs),
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_INITIAL_DELAY_MS,
  });
  pool.on("error", () => undefined); // an idle client dropped by the server; the pool replaces it
  return poolDb("pg", pool, url, variable, true, timeouts.queryTimeoutMs);
}
