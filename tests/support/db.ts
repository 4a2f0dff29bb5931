/**
 * The database for db-level tests: one per test worker, migrated by the same code path as
 * production (lib/db/migrate.ts), shared by the files that worker runs, truncated between
 * tests. PGlite in memory when no URL is set; otherwise a fresh database on the given server,
 * reached through the driver the run is configured for (pg, or @vercel/postgres over the bridge).
 */
import { inject } from "vitest";
import pg from "pg";
import { createPgliteDb, openPglite } from "../../lib/db/pglite";
import { createPgDb } from "../../lib/db/pg";
import { createVercelDb } from "../../lib/db/vercel";
import { migrate } from "../../lib/db/migrate";
import { sql, type Db } from "../../lib/db";
import { databaseUrl, siblingUrl, usingPglite, usingVercelDriver } from "./env";

let shared: Promise<Db> | null = null;

/** Seeding and plan tests move 100k+ rows in one statement: far past the app's 5 s statement bound. */
const TEST_DB_TIMEOUTS = { queryTimeoutMs: 300_000, connectTimeoutMs: 30_000 } as const;

async function open(): Promise<Db> {
  if (usingPglite) {
    const db = createPgliteDb(openPglite("memory://"));
    await migrate(db);
    return db;
  }
  const name = `portcullis_w${process.env.VITEST_POOL_ID ?? "0"}_${inject("runId")}`;
  const admin = new pg.Client({ connectionString: databaseUrl! });
  await admin.connect();
  const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = siblingUrl(databaseUrl!, name);
  const db = usingVercelDriver
    ? createVercelDb(url.replace("127.0.0.1", "localhost"), "POSTGRES_URL", 5, inject("wsProxy") ?? undefined, TEST_DB_TIMEOUTS)
    : createPgDb(url, "POSTGRES_URL", 5, TEST_DB_TIMEOUTS);
  await migrate(db);
  return db;
}

export function testDb(): Promise<Db> {
  shared ??= open();
  return shared;
}

/** A URL for the worker's database (real Postgres only), for tests that need a second connection. */
export function testDbUrl(): string | null {
  if (usingPglite) return null;
  return siblingUrl(databaseUrl!, `portcullis_w${process.env.VITEST_POOL_ID ?? "0"}_${inject("runId")}`);
}

const TABLES = [
  "audit_logs",
  "mail_outbox",
  "rate_limits",
  "login_throttles",
  "refresh_tokens",
  "sessions",
  "one_time_tokens",
  "mfa_challenges",
  "mfa_backup_codes",
  "mfa_factors",
  "trusted_devices",
  "login_devices",
  "user_roles",
  "oauth_accounts",
  "password_history",
  "users",
];

/** Empties every data table and drops roles a test added (the seeded ones stay). Triggers are bypassed for the audit log. */
export async function resetDb(db: Db): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(sql`SET LOCAL session_replication_role = replica`);
    await tx.query({ text: `TRUNCATE ${TABLES.join(", ")} RESTART IDENTITY CASCADE`, values: [] });
    await tx.query(sql`DELETE FROM roles WHERE name NOT IN ('admin', 'support', 'user')`);
  });
}
