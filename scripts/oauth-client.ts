/**
 * npm run oauth:client -- <command>
 *
 *   create --name <name> --redirect-uri <uri> [--redirect-uri <uri> ...] [--post-logout-uri <uri> ...] [--public] [--first-party]
 *   list
 *   rotate-secret <client-id>
 *   disable <client-id>
 *
 * Manages the OpenID Connect clients (lib/oauth/clients.ts) on the database the app uses
 * (POSTGRES_URL / DATABASE_URL, or the embedded PGlite in PGLITE_DATA_DIR). A confidential
 * client's secret is printed once, by create and rotate-secret; only its hash is stored.
 * Every change is audited (actor: this script, no user).
 */
import { config } from "../lib/config";
import { messageOf } from "../lib/errors";
import { randomToken } from "../lib/crypto/random";
import { migrationStatus } from "../lib/db/migrate";
import type { Db } from "../lib/db/types";
import { createClient, disableClient, listAllClients, newClientSchema, rotateClientSecret, type PublicClient } from "../lib/oauth/clients";

const USAGE = `usage: npm run oauth:client -- create --name <name> --redirect-uri <uri> [--redirect-uri <uri>...]
                                     [--post-logout-uri <uri>...] [--public] [--first-party]
       npm run oauth:client -- list
       npm run oauth:client -- rotate-secret <client-id>
       npm run oauth:client -- disable <client-id>`;

function describe(c: PublicClient): string {
  return [
    `client_id:    ${c.id}`,
    `name:         ${c.name}`,
    `type:         ${c.public ? "public (PKCE, no secret)" : "confidential (client_secret_basic or client_secret_post)"}` +
      (c.firstParty ? ", first-party (no consent page)" : ""),
    `redirect URIs: ${c.redirectUris.join(" ")}`,
    `post-logout:  ${c.postLogoutRedirectUris.join(" ") || "(none)"}`,
    `status:       ${c.disabledAt ? `disabled ${c.disabledAt}` : "enabled"}`,
  ].join("\n");
}

function parseCreate(argv: string[]): unknown {
  const out = { name: "", redirectUris: [] as string[], postLogoutRedirectUris: [] as string[], public: false, firstParty: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === "--name") out.name = value();
    else if (arg === "--redirect-uri") out.redirectUris.push(value());
    else if (arg === "--post-logout-uri" || arg === "--post-logout-redirect-uri") out.postLogoutRedirectUris.push(value());
    else if (arg === "--public") out.public = true;
    else if (arg === "--first-party") out.firstParty = true;
    else throw new Error(`unknown option ${arg}`);
  }
  return out;
}

async function run(db: Db, argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const by = {
    actor: { ip: null, userAgent: "portcullis oauth:client", requestId: randomToken(12) },
    actorId: null,
    sessionId: null,
    now: new Date(),
  };
  if (command === "create") {
    const parsed = newClientSchema.safeParse(parseCreate(rest));
    if (!parsed.success) {
      console.error(`oauth:client create: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
      return 2;
    }
    const { client, secret } = await createClient(db, parsed.data, by);
    console.log(describe(client));
    if (secret) console.log(`client_secret: ${secret}\n(shown once: store it now; only its hash is kept)`);
    return 0;
  }
  if (command === "list" && rest.length === 0) {
    const clients = await listAllClients(db);
    console.log(clients.length === 0 ? "no clients" : clients.map(describe).join("\n\n"));
    return 0;
  }
  if ((command === "rotate-secret" || command === "disable") && rest.length === 1) {
    const result = command === "rotate-secret" ? await rotateClientSecret(db, rest[0]!, by) : await disableClient(db, rest[0]!, by);
    if (!result.ok) {
      const why = result.error === "conflict" ? "the client is public or disabled" : messageOf(result.error);
      console.error(`oauth:client ${command}: ${result.error} (${why})`);
      return 1;
    }
    console.log(describe(result.value.client));
    if ("secret" in result.value) console.log(`client_secret: ${result.value.secret}\n(shown once: the old secret no longer works)`);
    if ("familiesRevoked" in result.value) console.log(`refresh families ended: ${result.value.familiesRevoked}`);
    return 0;
  }
  console.error(USAGE);
  return 2;
}

async function main(): Promise<number> {
  const { createDb } = await import("../lib/db/index");
  const db = await createDb(config());
  try {
    if ((await migrationStatus(db)).pending.length > 0) {
      console.error("the database has pending migrations: run npm run db:migrate first");
      return 1;
    }
    return await run(db, process.argv.slice(2));
  } catch (error) {
    console.error(`oauth:client: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
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
