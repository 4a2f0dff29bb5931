/** node-postgres Pool: any postgres:// URL that is not Neon / Vercel Postgres. */
import pg from "pg";
import type { Db } from "./types";
import { poolDb } from "./pg-common";

export function createPgDb(url: string, variable: string, max: number): Db {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30000 });
  pool.on("error", () => undefined); // an idle client dropped by the server; the pool replaces it
  return poolDb("pg", pool, url, variable, true);
}
