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
import type { Db, Queryable, QueryResult, Row } from "./types";
import type { SqlQuery } from "./sql";
import { DatabaseUnavailableError } from "./types";
import { describeUrl, isConnectionError, runQuery, runScript, runTransaction, type PgLikeClient } from "./pg-common";

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
  const connect = async (): Promise<PgLikeClient> => {
    try {
      return (await pool.connect()) as unknown as PgLikeClient;
    } catch (error) {
      if (isConnectionError(error)) {
        throw new DatabaseUnavailableError(`Cannot reach the database at ${describeUrl(url)} (from ${variable}): ${(error as Error).message}`, { cause: error });
      }
      throw error;
    }
  };
  return {
    driver: "vercel",
    async query<T = Row>(q: SqlQuery): Promise<QueryResult<T>> {
      const client = await connect();
      try {
        return await runQuery<T>(client, q);
      } finally {
        client.release();
      }
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      return runTransaction(await connect(), fn);
    },
    async exec(script: string) {
      await runScript(await connect(), script);
    },
    close: () => pool.end(),
  };
}
