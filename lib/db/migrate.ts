/**
 * The migration runner. db/migrations/NNNN_name.sql files are plain SQL that psql can run
 * (`psql -v ON_ERROR_STOP=1 -f`): each is one transaction and ends by recording its version and
 * checksum in schema_migrations. The runner executes the very same text, so a database migrated
 * by hand and one migrated by `npm run db:migrate` converge.
 *
 * The checksum is SHA-256 of the file with its own checksum literal zeroed. The runner refuses
 * a file whose embedded checksum does not match its text (edited without `npm run db:seal`) and
 * a file whose checksum differs from the one recorded when it was applied.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sha256Hex } from "../crypto/digest";
import { sql } from "./sql";
import type { Db } from "./types";

export const MIGRATIONS_DIR = join(process.cwd(), "db", "migrations");

const RECORD = /INSERT INTO schema_migrations \(version, name, checksum\) VALUES \('(\d{4})', '([a-z0-9_]+)', '([0-9a-f]{64})'\);/;
const ZERO = "0".repeat(64);

export interface Migration {
  readonly version: string;
  readonly name: string;
  readonly file: string;
  readonly checksum: string;
  readonly embeddedChecksum: string;
  readonly up: string;
  readonly down: string;
}

export interface MigrationStatus {
  readonly applied: readonly { version: string; name: string; appliedAt: Date; checksumMatches: boolean }[];
  readonly pending: readonly Migration[];
}

export class MigrationError extends Error {}

export function checksumOf(text: string): string {
  return sha256Hex(text.replace(RECORD, (line, _v, _n, sum: string) => line.replace(sum, ZERO)));
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(/*turbopackIgnore: true*/ dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f) && !f.endsWith(".down.sql"))
    .sort();
  return files.map((file) => {
    const up = readFileSync(join(/*turbopackIgnore: true*/ dir, file), "utf8");
    const match = RECORD.exec(up);
    if (!match) throw new MigrationError(`${file}: missing the schema_migrations INSERT line`);
    const [, version, name, embedded] = match as unknown as [string, string, string, string];
    if (file !== `${version}_${name}.sql`) throw new MigrationError(`${file}: records itself as ${version}_${name}`);
    const downFile = file.replace(/\.sql$/, ".down.sql");
    const down = readFileSync(join(/*turbopackIgnore: true*/ dir, downFile), "utf8");
    return { version, name, file, checksum: checksumOf(up), embeddedChecksum: embedded, up, down };
  });
}

/** Rewrites each file's embedded checksum to match its text (after an edit before release). */
export function sealMigrations(dir = MIGRATIONS_DIR): string[] {
  const changed: string[] = [];
  for (const m of loadMigrations(dir)) {
    if (m.embeddedChecksum === m.checksum) continue;
    writeFileSync(join(/*turbopackIgnore: true*/ dir, m.file), m.up.replace(m.embeddedChecksum, m.checksum));
    changed.push(m.file);
  }
  return changed;
}

async function appliedRows(db: Db): Promise<{ version: string; name: string; checksum: string; applied_at: Date }[]> {
  const exists = await db.query<{ present: boolean }>(sql`SELECT to_regclass('schema_migrations') IS NOT NULL AS present`);
  if (!exists.rows[0]?.present) return [];
  const result = await db.query<{ version: string; name: string; checksum: string; applied_at: Date }>(
    sql`SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version`,
  );
  return result.rows;
}

export async function migrationStatus(db: Db, migrations = loadMigrations()): Promise<MigrationStatus> {
  const rows = await appliedRows(db);
  const byVersion = new Map(migrations.map((m) => [m.version, m]));
  const appliedVersions = new Set(rows.map((r) => r.version));
  return {
    applied: rows.map((r) => ({
      version: r.version,
      name: r.name,
      appliedAt: r.applied_at,
      checksumMatches: byVersion.get(r.version)?.checksum === r.checksum,
    })),
    pending: migrations.filter((m) => !appliedVersions.has(m.version)),
  };
}

function assertSealed(m: Migration): void {
  if (m.embeddedChecksum !== m.checksum) {
    throw new MigrationError(
      `${m.file} was edited but not sealed: its recorded checksum does not match its text (run \`npm run db:seal\` ` +
        `before it is applied anywhere)`,
    );
  }
}

/** Applies every pending migration in order, each in its own transaction. Returns the files applied. */
export async function migrate(db: Db, migrations = loadMigrations()): Promise<string[]> {
  const status = await migrationStatus(db, migrations);
  const changed = status.applied.filter((a) => !a.checksumMatches && migrations.some((m) => m.version === a.version));
  if (changed.length > 0) {
    throw new MigrationError(
      `Refusing to migrate: applied migration(s) ${changed.map((c) => c.version).join(", ")} changed since they were applied`,
    );
  }
  // Refuse before applying anything, so a bad file later in the list leaves no half-run batch.
  status.pending.forEach(assertSealed);
  const done: string[] = [];
  for (const m of status.pending) {
    await db.exec(m.up);
    done.push(m.file);
  }
  return done;
}

/** Reverts the last `steps` applied migrations, newest first. Returns the files reverted. */
export async function rollback(db: Db, steps = 1, migrations = loadMigrations()): Promise<string[]> {
  const rows = await appliedRows(db);
  const byVersion = new Map(migrations.map((m) => [m.version, m]));
  const done: string[] = [];
  for (const row of rows.reverse().slice(0, steps)) {
    const m = byVersion.get(row.version);
    if (!m) throw new MigrationError(`No file for applied migration ${row.version}`);
    await db.exec(m.down);
    done.push(m.file.replace(/\.sql$/, ".down.sql"));
  }
  return done;
}
