/**
 * Fixtures for db-level tests that call the lib directly (no HTTP): accounts and sessions made
 * through the lib's own functions, TOTP enrolled through lib/mfa/enrolment.ts with codes
 * computed by otpauth, and, on a real Postgres, races that are sure to overlap: another
 * connection holds the row the racers need, and lets go only once every racer waits for it.
 */
import pg from "pg";
import { testDbUrl } from "./db";
import { sql, type Db, type Queryable } from "../../lib/db";
import { createPgDb } from "../../lib/db/pg";
import { runQuery } from "../../lib/db/pg-common";
import type { Config } from "../../lib/config";
import type { Actor } from "../../lib/http/context";
import { createSession, type SessionRecord, type SessionUser } from "../../lib/sessions/sessions";
import { findSessionWithUser } from "../../lib/sessions/queries";
import { confirmTotp, startTotpSetup } from "../../lib/mfa/enrolment";
import { totpAt as totpCode } from "./totp";

export function actorAt(ip = "192.0.2.10", requestId = "lib-test"): Actor {
  return { ip, userAgent: "vitest", requestId };
}

/** An account inserted directly (no password), its address verified when asked. */
export async function insertUser(db: Queryable, email: string, options: { verifiedAt?: Date } = {}): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    sql`INSERT INTO users (email, email_verified_at) VALUES (${email}, ${options.verifiedAt ?? null}) RETURNING id`,
  );
  return rows[0]!.id;
}

/** A live session of `userId` made by createSession, read back with its user as the routes see them. */
export async function signedIn(
  db: Queryable,
  userId: string,
  now: Date,
  cfg: Config,
  aal: 1 | 2 = 1,
): Promise<{ session: SessionRecord; user: SessionUser }> {
  const { session } = await createSession(
    db,
    { userId, aal, amr: aal === 2 ? ["pwd", "otp"] : ["pwd"], now, ip: null, userAgent: null },
    cfg,
  );
  const found = await findSessionWithUser(db, session.id);
  if (!found) throw new Error("signedIn: the session just created cannot be read");
  return found;
}

export interface EnrolledTotp {
  readonly userId: string;
  readonly email: string;
  /** Base32, as the setup returned it. */
  readonly secret: string;
  readonly backupCodes: readonly string[];
}

/**
 * A verified account with TOTP enrolled the way the routes do it (startTotpSetup, then
 * confirmTotp with the code of `at`): the step of `at` counts as used from then on.
 */
export async function enrolTotp(db: Db, email: string, at: Date, cfg: Config): Promise<EnrolledTotp> {
  const userId = await insertUser(db, email, { verifiedAt: at });
  const { session, user } = await signedIn(db, userId, at, cfg);
  const setup = await startTotpSetup(db, { session, user, now: at, actor: actorAt() }, cfg);
  if (!setup.ok) throw new Error(`enrolTotp: setup failed: ${setup.error}`);
  const confirmed = await confirmTotp(db, { session, user, now: at, actor: actorAt(), code: totpCode(setup.value.secret, at) }, cfg);
  if (!confirmed.ok) throw new Error(`enrolTotp: confirm failed: ${confirmed.error}`);
  return { userId, email, secret: setup.value.secret, backupCodes: confirmed.value.backupCodes };
}

// --- races on a real Postgres -------------------------------------------------------------------

/**
 * A Db of its own on the worker's database (real Postgres only), with one connection per racer
 * so that none of them queues in the pool instead of at the lock. Lock waits count toward the
 * statement timeout, hence the generous bound. Close it when done.
 */
export function racersDb(connections: number): Db {
  const url = testDbUrl();
  if (!url) throw new Error("racersDb: needs a real Postgres (POSTGRES_URL)");
  return createPgDb(url, "POSTGRES_URL", connections, { queryTimeoutMs: 60_000, connectTimeoutMs: 30_000 });
}

export interface LockRace<T> {
  /** Takes, in the holder's open transaction, the lock every racer will need. */
  readonly hold: (holder: Queryable) => Promise<void>;
  /** How the holder lets go: COMMIT keeps what `hold` wrote, ROLLBACK undoes it. */
  readonly release: "COMMIT" | "ROLLBACK";
  /** A LIKE pattern of the statement the racers wait in (pg_stat_activity.query). */
  readonly waitingIn: string;
  readonly racers: readonly (() => Promise<T>)[];
}

const WAIT_POLL_MS = 20;
const WAIT_TIMEOUT_MS = 20_000;

/**
 * Starts every racer while another connection holds the lock they need, waits until all of
 * them are blocked on a lock in `waitingIn`, then releases it: from there Postgres alone orders
 * them. Returns each racer's outcome in racer order (a racer that throws fails the race).
 */
export async function raceBehindLock<T>(race: LockRace<T>): Promise<T[]> {
  const url = testDbUrl();
  if (!url) throw new Error("raceBehindLock: needs a real Postgres (POSTGRES_URL)");
  const holder = new pg.Client({ connectionString: url });
  // pg_stat_activity is read once per transaction: the holder's would never change, so another connection watches
  const observer = new pg.Client({ connectionString: url });
  await holder.connect();
  await observer.connect();
  const q: Queryable = { query: (query) => runQuery(holder, query) };
  try {
    await holder.query("BEGIN");
    await race.hold(q);
    const outcomes = Promise.allSettled(race.racers.map((racer) => racer()));
    const deadline = Date.now() + WAIT_TIMEOUT_MS;
    for (;;) {
      const { rows } = await observer.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1`,
        [race.waitingIn],
      );
      if (rows[0]!.n >= race.racers.length) break;
      if (Date.now() > deadline) {
        await holder.query("ROLLBACK");
        await outcomes;
        throw new Error(`raceBehindLock: only ${rows[0]!.n} of ${race.racers.length} racers reached the lock in ${race.waitingIn}`);
      }
      await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
    }
    await holder.query(race.release);
    return (await outcomes).map((o) => {
      if (o.status === "rejected") throw o.reason;
      return o.value;
    });
  } finally {
    await holder.end().catch(() => undefined);
    await observer.end().catch(() => undefined);
  }
}
