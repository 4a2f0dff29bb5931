/**
 * npm run admin:create -- --email admin@example.com [--password-stdin]
 *
 * Creates the account if it does not exist and grants it the admin role (lib/admin/create-admin.ts).
 * The password is read from stdin with --password-stdin (e.g. `printf %s "$PW" | npm run
 * admin:create -- --email a@b.c --password-stdin`), never from the command line; without it a
 * strong password is generated and printed once. Prompts for nothing, so it runs in scripts.
 * Uses POSTGRES_URL / DATABASE_URL when set, the embedded PGlite database in PGLITE_DATA_DIR
 * otherwise (the same choice as the app and scripts/db.ts).
 */
import "./env";
import { config } from "../lib/config";
import { messageOf } from "../lib/errors";
import { randomToken } from "../lib/crypto/random";
import { migrationStatus } from "../lib/db/migrate";
import type { Db } from "../lib/db/types";
import { ensureAdmin } from "../lib/admin/create-admin";

const USAGE = "usage: npm run admin:create -- --email <address> [--password-stdin]";

function parseArgs(argv: string[]): { email: string; passwordStdin: boolean } | null {
  let email: string | null = null;
  let passwordStdin = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--email" && argv[i + 1] !== undefined) email = argv[++i]!;
    else if (arg.startsWith("--email=")) email = arg.slice("--email=".length);
    else if (arg === "--password-stdin") passwordStdin = true;
    else return null;
  }
  return email ? { email, passwordStdin } : null;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // one trailing newline (from echo or a here-string) is not part of the password
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

async function open(): Promise<Db> {
  const cfg = config();
  // createDb applies pending migrations to an embedded PGlite database; a server database
  // must already be migrated (npm run db:migrate), which is checked below.
  const { createDb } = await import("../lib/db/index");
  return createDb(cfg);
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (!args) {
    console.error(USAGE);
    return 2;
  }
  const password = args.passwordStdin ? await readStdin() : null;
  if (password !== null && password.length === 0) {
    console.error("--password-stdin: no password on stdin");
    return 2;
  }
  const db = await open();
  try {
    const status = await migrationStatus(db);
    if (status.pending.length > 0) {
      console.error(`the database has pending migrations: run npm run db:migrate first`);
      return 1;
    }
    const actor = { ip: null, userAgent: "portcullis admin:create", requestId: randomToken(12) };
    const result = await ensureAdmin(db, { email: args.email, password, now: new Date(), actor }, config());
    if (!result.ok) {
      console.error(`admin:create failed: ${result.error} (${messageOf(result.error)})`);
      return 1;
    }
    const r = result.value;
    console.log(r.created ? `created account ${r.email} (id ${r.userId})` : `account ${r.email} (id ${r.userId}) already existed`);
    if (r.passwordIgnored) console.log("the existing password was left unchanged (--password-stdin applies only to a new account)");
    console.log(r.roleGranted ? "granted the admin role" : "the account already had the admin role");
    if (r.generatedPassword) {
      console.log(`generated password (shown once, store it now): ${r.generatedPassword}`);
    }
    return 0;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
