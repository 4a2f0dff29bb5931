/** node-postgres Pool: any postgres:// URL that is not Neon / Vercel Postgres. */
import pg from "pg";
import type { Db, Queryable, QueryResult, Row } from "./types";
import type { SqlQuery } from "./sql";
import { DatabaseUnavailableError } from "./types";
import { describeUrl, isConnectionError, runQuery, runScript, runTransaction } from "./pg-common";

export function createPgDb(url: string, variable: string, max: number): Db {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30000 });
  pool.on("error", () => undefined); // an idle client dropped by the server; the pool replaces it
  const connect = async () => {
    try {
      return await pool.connect();
    } catch (error) {
      if (isConnectionError(error)) {
        throw new DatabaseUnavailableError(`Cannot reach the database at ${describeUrl(url)} (from ${variable}): ${(error as Error).message}`, { cause: error });
      }
      throw error;
    }
  };
  return {
    driver: "pg",
    async query<T = Row>(q: SqlQuery): Promise<QueryResult<T>> {
      const client = await connect();
      try {
        return await runQuery<T>(client, q, true);
      } finally {
        client.release();
      }
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      return runTransaction(await connect(), fn, true);
    },
    async exec(script: string) {
      await runScript(await connect(), script);
    },
    close: () => pool.end(),
  };
}
