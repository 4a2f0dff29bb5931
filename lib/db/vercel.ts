/**
 * @vercel/postgres (Neon's serverless driver underneath): the Postgres protocol over a
 * WebSocket, for Vercel Postgres / Neon. createPool().query for statements, pool.connect() for
 * transactions (the bare `sql` tag would go over Neon's HTTP endpoint instead).
 *
 * POSTGRES_WS_PROXY points the driver at a local WebSocket-to-TCP bridge (what Neon's wsproxy
 * does), so the production driver is tested in CI against a plain Postgres.
 */
import { createPool } from "@vercel/postgres";
import { neonConfig } from "@neondatabase/serverless";
import type { Db } from "./types";
import { DEFAULT_DB_TIMEOUTS, poolDb, type DbTimeouts } from "./pg-common";

/**
 * Timeouts: the connect timeout and the client-side statement deadline of pg-common.ts (the
 * connection is destroyed when it passes). No statement_timeout startup parameter: Neon's
 * pooler (PgBouncer) may refuse unknown startup parameters.
 */
export function createVercelDb(
  url: string,
  variable: string,
  max: number,
  wsProxy: string | undefined,
  timeouts: DbTimeouts = DEFAULT_DB_TIMEOUTS,
): Db {
  if (wsProxy) {
    neonConfig.wsProxy = (host: string, port: number | string) => `${wsProxy}?address=${host}:${port}`;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineTLS = false;
    neonConfig.pipelineConnect = false;
    neonConfig.coalesceWrites = false;
  }
  const pool = createPool({ connectionString: url, max, connectionTimeoutMillis: timeouts.connectTimeoutMs });
  pool.on("error", () => undefined);
  // Named statements off: Neon's pooler (PgBouncer, transaction mode) may not keep them.
  return poolDb("vercel", pool, url, variable, false, timeouts.queryTimeoutMs);
}
