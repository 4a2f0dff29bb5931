/**
 * A database of its own for a server started with startPortcullis: PGlite in memory when the
 * suite runs on PGlite (startPortcullis's default), else a fresh sibling database on the suite's
 * Postgres, migrated by the production code path and dropped afterwards, reached through the
 * suite's driver (pg, or @vercel/postgres through the suite's WebSocket bridge).
 */
import { inject } from "vitest";
import pg from "pg";
import { databaseUrl, siblingUrl, usingPglite, usingVercelDriver } from "./env";
import { createPgDb } from "../../lib/db/pg";
import { migrate } from "../../lib/db/migrate";

export interface OwnDatabase {
  /** Variables to pass to startPortcullis. */
  readonly env: Record<string, string>;
  drop(): Promise<void>;
}

async function adminQuery(text: string): Promise<void> {
  const admin = new pg.Client({ connectionString: databaseUrl! });
  await admin.connect();
  try {
    await admin.query(text);
  } finally {
    await admin.end();
  }
}

export async function ownDatabase(name: string): Promise<OwnDatabase> {
  if (usingPglite) return { env: {}, drop: async () => {} };
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`ownDatabase: bad name ${name}`);
  const database = `portcullis_${name}_w${process.env.VITEST_POOL_ID ?? "0"}_${inject("runId")}`;
  await adminQuery(`CREATE DATABASE ${database}`);
  const url = siblingUrl(databaseUrl!, database);
  const db = createPgDb(url, "POSTGRES_URL", 1);
  await migrate(db);
  await db.close();
  const env: Record<string, string> = usingVercelDriver
    ? { POSTGRES_URL: url.replace("127.0.0.1", "localhost"), PORTCULLIS_DB_DRIVER: "vercel", POSTGRES_WS_PROXY: inject("wsProxy")! }
    : { POSTGRES_URL: url, PORTCULLIS_DB_DRIVER: "pg" };
  return { env, drop: () => adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`) };
}
