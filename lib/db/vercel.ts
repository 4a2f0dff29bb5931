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
import { poolDb } from "./pg-common";

export function createVercelDb(url: string, variable: string, max: number, wsProxy: string | undefined): Db {
  if (wsProxy) {
    neonConfig.wsProxy = (host: string, port: number | string) => `${wsProxy}?address=${host}:${port}`;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineTLS = false;
    neonConfig.pipelineConnect = false;
    neonConfig.coalesceWrites = false;
  }
  const pool = createPool({ connectionString: url, max });
  pool.on("error", () => undefined);
  // Named statements off: Neon's pooler (PgBouncer, transaction mode) may not keep them.
  return poolDb("vercel", pool, url, variable, false);
}
