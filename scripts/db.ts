/**
 * npm run db:migrate | db:status | db:rollback [n] | db:seal
 * Uses POSTGRES_URL / DATABASE_URL when set, the embedded PGlite database in PGLITE_DATA_DIR otherwise.
 */
import "./env";
import { config } from "../lib/config";
import { loadMigrations, migrate, migrationStatus, rollback, sealMigrations } from "../lib/db/migrate";
import type { Db } from "../lib/db/types";

async function open(): Promise<Db> {
  const cfg = config();
  if (cfg.driver === "pglite") {
    const { createPgliteDb, openPglite } = await import("../lib/db/pglite");
    return createPgliteDb(openPglite(cfg.PGLITE_DATA_DIR));
  }
  const { createDb } = await import("../lib/db/index");
  return createDb(cfg);
}

async function main(): Promise<void> {
  const [command, arg] = process.argv.slice(2);
  if (command === "seal") {
    const changed = sealMigrations();
    console.log(changed.length ? `sealed: ${changed.join(", ")}` : "all migrations already sealed");
    return;
  }
  const db = await open();
  try {
    const where = config().driver === "pglite" ? `PGlite at ${config().PGLITE_DATA_DIR}` : `${config().driver} database`;
    if (command === "migrate") {
      const done = await migrate(db);
      console.log(done.length ? `applied to ${where}:\n  ${done.join("\n  ")}` : `${where} is up to date`);
    } else if (command === "status") {
      const status = await migrationStatus(db, loadMigrations());
      for (const a of status.applied)
        console.log(`applied  ${a.version} ${a.name}  ${a.appliedAt.toISOString()}${a.checksumMatches ? "" : "  CHECKSUM CHANGED"}`);
      for (const p of status.pending) console.log(`pending  ${p.version} ${p.name}`);
      if (status.pending.length > 0 || status.applied.some((a) => !a.checksumMatches)) process.exitCode = 3;
    } else if (command === "rollback") {
      const steps = arg === undefined ? 1 : Number(arg);
      if (!Number.isInteger(steps) || steps < 1) throw new Error("usage: npm run db:rollback [n]  (n >= 1)");
      const done = await rollback(db, steps);
      console.log(done.length ? `rolled back:\n  ${done.join("\n  ")}` : "nothing to roll back");
    } else {
      throw new Error("usage: scripts/db.ts migrate | status | rollback [n] | seal");
    }
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
