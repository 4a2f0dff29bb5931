/**
 * The database, chosen once from the environment (lib/config.ts):
 * POSTGRES_URL / DATABASE_URL on Neon or Vercel Postgres -> @vercel/postgres; any other URL ->
 * pg; no URL -> PGlite in PGLITE_DATA_DIR. PORTCULLIS_DB_DRIVER forces one.
 *
 * Nothing outside lib/db imports a driver. One instance per process, kept on globalThis so
 * that every route bundle of a Next.js server shares it.
 */
import { config, type Config } from "../config";
import type { Db } from "./types";

export { sql, joinSql, prepared, type SqlQuery } from "./sql";
export type { Db, Queryable, QueryResult, Row, DriverName } from "./types";
export { DatabaseUnavailableError } from "./types";

const KEY = Symbol.for("portcullis.db");
type Holder = { [KEY]?: Promise<Db> };

export async function createDb(cfg: Config): Promise<Db> {
  const variable = cfg.POSTGRES_URL ? "POSTGRES_URL" : "DATABASE_URL";
  const timeouts = { queryTimeoutMs: cfg.DB_QUERY_TIMEOUT_MS, connectTimeoutMs: cfg.DB_CONNECT_TIMEOUT_MS };
  if (cfg.driver === "pglite") {
    const { createPgliteDb, openPglite } = await import("./pglite");
    const db = createPgliteDb(openPglite(cfg.PGLITE_DATA_DIR), timeouts.queryTimeoutMs);
    // An embedded database is ours to keep current: apply pending migrations on open.
    const { migrate } = await import("./migrate");
    await migrate(db);
    return db;
  }
  if (!cfg.databaseUrl) throw new Error(`PORTCULLIS_DB_DRIVER=${cfg.driver} needs POSTGRES_URL or DATABASE_URL`);
  if (cfg.driver === "vercel") {
    const { createVercelDb } = await import("./vercel");
    return createVercelDb(cfg.databaseUrl, variable, cfg.DB_POOL_MAX, cfg.POSTGRES_WS_PROXY, timeouts);
  }
  const { createPgDb } = await import("./pg");
  return createPgDb(cfg.databaseUrl, variable, cfg.DB_POOL_MAX, timeouts);
}

/** The process-wide database. */
export function getDb(): Promise<Db> {
  const holder = globalThis as Holder;
  holder[KEY] ??= createDb(config()).catch((error) => {
    delete holder[KEY];
    throw error;
  });
  return holder[KEY];
}
