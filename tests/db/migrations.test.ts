/**
 * The migration runner (lib/db/migrate.ts, `npm run db:*`) and the migration files themselves:
 * status, migrate, rollback n, refusal of a changed or unsealed file, atomic failure, and the
 * round trip every file must survive: all ups, all downs in reverse leaving nothing of ours,
 * all ups again, by `psql -v ON_ERROR_STOP=1 -f` on a real Postgres (when psql is installed)
 * and by the driver's exec (PGlite, or the run's driver) everywhere. Files applied by hand and
 * files applied by the runner converge: the runner sees the same versions and checksums.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import pg from "pg";
import { createPgliteDb, openPglite } from "../../lib/db/pglite";
import { createPgDb } from "../../lib/db/pg";
import { createVercelDb } from "../../lib/db/vercel";
import {
  MIGRATIONS_DIR,
  MigrationError,
  loadMigrations,
  migrate,
  migrationStatus,
  rollback,
  sealMigrations,
  type Migration,
} from "../../lib/db/migrate";
import { sql, type Db } from "../../lib/db";
import { databaseUrl, siblingUrl, usingPglite, usingVercelDriver } from "../support/env";

const ALL = loadMigrations();
const VERSIONS = ALL.map((m) => m.version);
const hasPsql = !usingPglite && spawnSync("psql", ["--version"]).status === 0;

let sequence = 0;
const databases: string[] = [];
const opened: Db[] = [];
const tempDirs: string[] = [];

function databaseName(): string {
  return `portcullis_mig${++sequence}_w${process.env.VITEST_POOL_ID ?? "0"}_${inject("runId")}`;
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

let pglite: Db | null = null;

/**
 * An empty database and its URL: on a server, a new database; on PGlite, one in-memory
 * instance for the file (starting PGlite costs seconds), emptied down to a bare public schema.
 */
async function emptyDb(): Promise<{ db: Db; url: string | null }> {
  if (usingPglite) {
    pglite ??= createPgliteDb(openPglite("memory://"));
    await pglite.exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
    expect(await ourObjects(pglite)).toEqual([]);
    return { db: pglite, url: null };
  }
  const name = databaseName();
  await adminQuery(`CREATE DATABASE ${name}`);
  databases.push(name);
  const url = siblingUrl(databaseUrl!, name);
  const db = usingVercelDriver
    ? createVercelDb(url.replace("127.0.0.1", "localhost"), "POSTGRES_URL", 2, inject("wsProxy") ?? undefined)
    : createPgDb(url, "POSTGRES_URL", 2);
  opened.push(db);
  return { db, url };
}

/** A private copy of db/migrations to edit. */
function migrationsCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-migrations-"));
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  tempDirs.push(dir);
  return dir;
}

function editFile(dir: string, file: string, edit: (text: string) => string): void {
  const path = join(dir, file);
  writeFileSync(path, edit(readFileSync(path, "utf8")));
}

/** Everything of ours in schema public: relations, functions, types, not counting extension members. */
async function ourObjects(db: Db): Promise<string[]> {
  const { rows } = await db.query<{ object: string }>(sql`
    SELECT 'relation ' || c.relname AS object FROM pg_class c
    WHERE c.relnamespace = 'public'::regnamespace
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
    UNION ALL
    SELECT 'function ' || p.proname FROM pg_proc p
    WHERE p.pronamespace = 'public'::regnamespace
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
    UNION ALL
    SELECT 'type ' || t.typname FROM pg_type t
    WHERE t.typnamespace = 'public'::regnamespace
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.deptype = 'e'
                        AND d.objid IN (t.oid, t.typelem))
    ORDER BY 1`);
  return rows.map((r) => r.object);
}

async function exists(db: Db, regclass: string): Promise<boolean> {
  const { rows } = await db.query<{ present: boolean }>(sql`SELECT to_regclass(${regclass}) IS NOT NULL AS present`);
  return rows[0]!.present;
}

async function functionExists(db: Db, name: string): Promise<boolean> {
  const { rows } = await db.query<{ n: number }>(
    sql`SELECT count(*)::int AS n FROM pg_proc WHERE proname = ${name} AND pronamespace = 'public'::regnamespace`,
  );
  return rows[0]!.n > 0;
}

function expectConverged(status: Awaited<ReturnType<typeof migrationStatus>>, versions = VERSIONS): void {
  expect(status.pending).toEqual([]);
  expect(status.applied.map((a) => a.version)).toEqual(versions);
  expect(status.applied.every((a) => a.checksumMatches)).toBe(true);
}

afterEach(async () => {
  for (const db of opened.splice(0)) await db.close().catch(() => undefined);
});

afterAll(async () => {
  await pglite?.close();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  for (const name of databases.splice(0)) await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
});

describe("migration files", () => {
  // Numbers are reserved per feature while features are built in parallel, so a number may be
  // skipped; what matters is one file per number, applied in increasing order.
  it("are numbered from 0001 in increasing order without duplicates, each sealed and with a down file", () => {
    expect(VERSIONS[0]).toBe("0001");
    expect(new Set(VERSIONS).size).toBe(VERSIONS.length);
    expect(VERSIONS).toEqual([...VERSIONS].sort());
    for (const m of ALL) {
      expect(m.embeddedChecksum, m.file).toBe(m.checksum);
      expect(m.up, m.file).toMatch(/^BEGIN;$/m);
      expect(m.up.trimEnd(), m.file).toMatch(/COMMIT;$/);
      expect(m.down.trimEnd(), m.file).toMatch(/COMMIT;$/);
    }
  });
});

describe("migration runner", () => {
  it("reports every file pending, applies them in order, is then a no-op, rolls back the newest n (newest first) and re-applies them, and rolls everything back to an empty schema", async () => {
    const { db } = await emptyDb();
    const before = await migrationStatus(db, ALL);
    expect(before.applied).toEqual([]);
    expect(before.pending.map((m) => m.version)).toEqual(VERSIONS);

    expect(await migrate(db, ALL)).toEqual(ALL.map((m) => m.file));
    expectConverged(await migrationStatus(db, ALL));
    const recorded = await db.query<{ version: string; checksum: string }>(
      sql`SELECT version, checksum FROM schema_migrations ORDER BY version`,
    );
    expect(recorded.rows).toEqual(ALL.map((m) => ({ version: m.version, checksum: m.checksum })));
    expect(await migrate(db, ALL)).toEqual([]);

    // Roll back everything after 0007 (the views of 0008 and the functions of 0009 go with it).
    const after7 = ALL.filter((m) => m.version > "0007");
    const n = after7.length;
    expect(await rollback(db, n, ALL)).toEqual(after7.reverse().map((m) => m.file.replace(/\.sql$/, ".down.sql")));
    const status = await migrationStatus(db, ALL);
    expect(status.applied.map((a) => a.version)).toEqual(VERSIONS.slice(0, -n));
    expect(status.pending.map((m) => m.version)).toEqual(VERSIONS.slice(-n));
    expect(await exists(db, "active_sessions")).toBe(false);
    expect(await functionExists(db, "cleanup_expired_sessions")).toBe(false);
    expect(await exists(db, "audit_logs")).toBe(true);

    expect(await migrate(db, ALL)).toEqual(ALL.slice(-n).map((m) => m.file));
    expectConverged(await migrationStatus(db, ALL));
    expect(await exists(db, "active_sessions")).toBe(true);

    expect(await rollback(db, ALL.length + 5, ALL)).toHaveLength(ALL.length);
    expect(await ourObjects(db)).toEqual([]);
    expect(await rollback(db, 1, ALL)).toEqual([]);
    expect((await migrationStatus(db, ALL)).pending).toHaveLength(ALL.length);
  });

  it("refuses to migrate when an applied file changed since it was applied, even when re-sealed, and applies nothing", async () => {
    const { db } = await emptyDb();
    await migrate(db, ALL);
    await rollback(db, 1, ALL);
    const dir = migrationsCopy();
    editFile(dir, "0005_rbac_and_oauth.sql", (t) => t.replace("COMMIT;", "CREATE INDEX roles_created_idx ON roles (created_at);\nCOMMIT;"));
    expect(sealMigrations(dir)).toEqual(["0005_rbac_and_oauth.sql"]);
    const edited = loadMigrations(dir);

    await expect(migrate(db, edited)).rejects.toThrow(MigrationError);
    await expect(migrate(db, edited)).rejects.toThrow(/0005 changed since they were applied/);
    const status = await migrationStatus(db, edited);
    expect(status.applied.filter((a) => !a.checksumMatches).map((a) => a.version)).toEqual(["0005"]);
    expect(status.pending.map((m) => m.version)).toEqual([VERSIONS.at(-1)]);
    expect(await exists(db, "roles_created_idx")).toBe(false);
  });

  it("refuses a file edited without being sealed, before running any of it", async () => {
    const { db } = await emptyDb();
    const dir = migrationsCopy();
    editFile(dir, "0003_one_time_tokens.sql", (t) => t.replace("COMMIT;", "CREATE TABLE sneaky (id int);\nCOMMIT;"));
    const edited = loadMigrations(dir);
    await expect(migrate(db, edited)).rejects.toThrow(/0003_one_time_tokens\.sql was edited but not sealed/);
    const status = await migrationStatus(db, edited);
    // every pending file is checked before any runs: nothing at all was applied
    expect(status.applied.map((a) => a.version)).toEqual([]);
    expect(await exists(db, "sneaky")).toBe(false);
    expect(await exists(db, "one_time_tokens")).toBe(false);
  });

  it("leaves nothing behind when a migration fails halfway, and the database stays usable", async () => {
    const { db } = await emptyDb();
    const dir = migrationsCopy();
    const version = String(Math.max(...ALL.map((m) => Number(m.version))) + 1).padStart(4, "0");
    writeFileSync(
      join(dir, `${version}_broken.sql`),
      [
        "BEGIN;",
        "CREATE TABLE broken_first (id int);",
        "INSERT INTO broken_first VALUES (1 / 0);",
        "CREATE TABLE broken_second (id int);",
        `INSERT INTO schema_migrations (version, name, checksum) VALUES ('${version}', 'broken', '${"0".repeat(64)}');`,
        "COMMIT;",
        "",
      ].join("\n"),
    );
    writeFileSync(
      join(dir, `${version}_broken.down.sql`),
      `BEGIN;\nDROP TABLE broken_second;\nDROP TABLE broken_first;\nDELETE FROM schema_migrations WHERE version = '${version}';\nCOMMIT;\n`,
    );
    sealMigrations(dir);
    const withBroken = loadMigrations(dir);

    await expect(migrate(db, withBroken)).rejects.toThrow(/division by zero/);
    expect(await exists(db, "broken_first")).toBe(false);
    const status = await migrationStatus(db, withBroken);
    expectConverged({ applied: status.applied, pending: [] });
    expect(status.pending.map((m: Migration) => m.version)).toEqual([version]);
    const n = await db.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM roles`);
    expect(n.rows[0]!.n).toBe(3);
  });

  it("converges with files applied by hand: applies only what is missing", async () => {
    const { db } = await emptyDb();
    for (const m of ALL.slice(0, 5)) await db.exec(m.up);
    const status = await migrationStatus(db, ALL);
    expect(status.applied.map((a) => a.version)).toEqual(VERSIONS.slice(0, 5));
    expect(status.applied.every((a) => a.checksumMatches)).toBe(true);
    expect(await migrate(db, ALL)).toEqual(ALL.slice(5).map((m) => m.file));
    expectConverged(await migrationStatus(db, ALL));
  });
});

describe("round trip: all ups, all downs in reverse, all ups again", () => {
  it(`through the driver's exec (${usingPglite ? "PGlite" : usingVercelDriver ? "@vercel/postgres" : "pg"})`, async () => {
    const { db } = await emptyDb();
    for (const m of ALL) await db.exec(m.up);
    expectConverged(await migrationStatus(db, ALL));
    const created = await ourObjects(db);

    for (const m of [...ALL].reverse()) await db.exec(m.down);
    expect(await ourObjects(db)).toEqual([]);

    for (const m of ALL) await db.exec(m.up);
    expectConverged(await migrationStatus(db, ALL));
    expect(await ourObjects(db)).toEqual(created);
  });

  /** Real Postgres with the psql client installed: exactly the commands the README gives. */
  it.skipIf(!hasPsql)("through psql -v ON_ERROR_STOP=1 -f, file by file, converging with the runner and npm run db:status", async () => {
    const { db, url } = await emptyDb();
    const psql = (file: string) =>
      spawnSync("psql", [url!, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", join(MIGRATIONS_DIR, file)], { encoding: "utf8" });
    const expectApplies = (file: string) => {
      const run = psql(file);
      expect(run.status, `${file}: ${run.stderr}`).toBe(0);
      expect(run.stderr).not.toMatch(/ERROR/);
    };

    for (const m of ALL) expectApplies(m.file);
    expectConverged(await migrationStatus(db, ALL));
    expect(await migrate(db, ALL)).toEqual([]);
    const created = await ourObjects(db);

    // a file run twice fails as a whole and changes nothing
    const again = psql(ALL[1]!.file);
    expect(again.status).not.toBe(0);
    expect(again.stderr).toMatch(/already exists/);
    expectConverged(await migrationStatus(db, ALL));

    for (const m of [...ALL].reverse()) expectApplies(m.file.replace(/\.sql$/, ".down.sql"));
    expect(await ourObjects(db)).toEqual([]);

    for (const m of ALL) expectApplies(m.file);
    expectConverged(await migrationStatus(db, ALL));
    expect(await ourObjects(db)).toEqual(created);
  });

  /**
   * The npm scripts as processes, against a server database. (On PGlite each process would
   * reopen the embedded database from disk, seconds apiece; the same functions are tested in
   * process above.)
   */
  it.skipIf(usingPglite)(
    "npm run db:migrate / db:status / db:rollback n drive the same runner, and db:status exits 3 while anything is pending",
    async () => {
      const { url } = await emptyDb();
      const run = (...args: string[]) =>
        spawnSync(process.execPath, ["--import", "tsx", "scripts/db.ts", ...args], {
          encoding: "utf8",
          env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "development", POSTGRES_URL: url!, PORTCULLIS_DB_DRIVER: "pg" },
        });
      const migrated = run("migrate");
      expect(migrated.status, migrated.stderr).toBe(0);
      expect(migrated.stdout).toContain(ALL.at(-1)!.file);
      const current = run("status");
      expect(current.status, current.stderr).toBe(0);
      expect(current.stdout.match(/^applied/gm)).toHaveLength(ALL.length);
      expect(current.stdout).not.toMatch(/pending|CHECKSUM CHANGED/);
      const back = run("rollback", "2");
      expect(back.status, back.stderr).toBe(0);
      expect(back.stdout).toContain(ALL.at(-2)!.file.replace(/\.sql$/, ".down.sql"));
      const after = run("status");
      expect(after.status).toBe(3);
      expect(after.stdout.match(/^pending/gm)).toHaveLength(2);
      expect(run("rollback", "0").status).toBe(1);
    },
  );
});
