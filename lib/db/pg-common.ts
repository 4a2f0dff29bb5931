/**
 * What the two node-postgres-shaped drivers (pg and @vercel/postgres, whose Neon client is a
 * port of pg) share: running a transaction on one checked-out client.
 */
import type { SqlQuery } from "./sql";
import { DatabaseUnavailableError, type Db, type DriverName, type Queryable, type QueryResult, type Row } from "./types";

export interface PgLikeClient {
  query(
    text: string | { name?: string; text: string; values?: unknown[] },
    values?: unknown[],
  ): Promise<{ rows: unknown[]; rowCount: number | null }>;
  release(error?: Error | boolean): void;
}

/**
 * Every statement has a deadline (DB_QUERY_TIMEOUT_MS): past it the caller gets
 * DatabaseUnavailableError and the connection is destroyed, never returned to the pool, so a
 * network partition (no RST, no answer) costs a request at most the deadline instead of hanging
 * until the network heals. A connection that dies mid-statement (reset, pg_terminate_backend)
 * becomes DatabaseUnavailableError too: the route wrapper answers 503 with Retry-After.
 */
export class TimedClient {
  /** Set once a statement timed out or the connection failed: the client must not be reused. */
  broken = false;

  constructor(
    readonly client: PgLikeClient,
    private readonly timeoutMs: number,
    private readonly where: string,
  ) {}

  async send(
    text: string | { name?: string; text: string; values?: unknown[] },
    values?: unknown[],
  ): Promise<{ rows: unknown[]; rowCount: number | null }> {
    if (this.broken) throw new DatabaseUnavailableError(`The connection to ${this.where} failed earlier in this transaction`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new DatabaseUnavailableError(`The database at ${this.where} did not answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([values === undefined ? this.client.query(text) : this.client.query(text, values), deadline]);
    } catch (error) {
      if (error instanceof DatabaseUnavailableError) {
        this.broken = true;
        throw error;
      }
      if (isConnectionError(error)) {
        this.broken = true;
        throw new DatabaseUnavailableError(`The connection to ${this.where} failed: ${(error as Error).message}`, { cause: error });
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Back to the pool, or destroyed (pg ends it, force-closing the socket if a statement is in flight). */
  release(): void {
    this.client.release(this.broken ? true : undefined);
  }
}

/** One statement on a client: with the deadline for a TimedClient, as is for a bare one (tests, scripts). */
export async function runQuery<T>(
  client: TimedClient | Pick<PgLikeClient, "query">,
  q: SqlQuery,
  allowNamed = false,
): Promise<QueryResult<T>> {
  const send = client instanceof TimedClient ? client.send.bind(client) : client.query.bind(client);
  const result =
    allowNamed && q.name
      ? await send({ name: q.name, text: q.text, values: q.values as unknown[] })
      : await send(q.text, q.values as unknown[]);
  return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
}

export async function runTransaction<T>(client: TimedClient, fn: (tx: Queryable) => Promise<T>, allowNamed = false): Promise<T> {
  const tx: Queryable = { query: <R = Row>(q: SqlQuery) => runQuery<R>(client, q, allowNamed) };
  try {
    await client.send("BEGIN");
    const value = await fn(tx);
    await client.send("COMMIT");
    return value;
  } catch (error) {
    if (!client.broken) {
      // ROLLBACK on a dead or hung connection would only wait for the deadline again
      await client.send("ROLLBACK").catch(() => {
        client.broken = true;
      });
    }
    throw error;
  } finally {
    client.release();
  }
}

export async function runScript(client: PgLikeClient, script: string): Promise<void> {
  try {
    await client.query(script);
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** "postgres://user:***@host:5432/db" -> "host:5432/db" for error messages. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}${u.port ? `:${u.port}` : ""}${u.pathname}`;
  } catch {
    return "(unparseable URL)";
  }
}

// Network errors, and the SQLSTATEs of a server that is going away or cannot take the work:
// 08xxx connection exceptions, 57P01-57P03 (terminated by pg_terminate_backend, crash,
// shutdown, starting up), 57014 (statement_timeout), 25P03 (idle-in-transaction timeout),
// 53300 (too many connections), 3D000 / 28xxx (wrong database or credentials).
const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ECONNRESET",
  "EAI_AGAIN",
  "EPIPE",
  "ECONNABORTED",
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
  "57P01",
  "57P02",
  "57P03",
  "57014",
  "25P03",
  "53300",
  "3D000",
  "28P01",
  "28000",
]);

export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return (code !== undefined && UNREACHABLE.has(code)) || /connect|terminated|WebSocket/i.test(String((error as Error)?.message));
}

/** How long a statement may take, and how long getting a connection may take. */
export interface DbTimeouts {
  readonly queryTimeoutMs: number;
  readonly connectTimeoutMs: number;
}

export const DEFAULT_DB_TIMEOUTS: DbTimeouts = Object.freeze({ queryTimeoutMs: 5000, connectTimeoutMs: 5000 });

export interface PgLikePool {
  connect(): Promise<unknown>;
  end(): Promise<void>;
}

/**
 * A Db over a pg-shaped pool. A connection failure becomes DatabaseUnavailableError naming the
 * variable and the host (never the password). `allowNamed`: keep named prepared statements.
 */
export function poolDb(
  driver: DriverName,
  pool: PgLikePool,
  url: string,
  variable: string,
  allowNamed: boolean,
  queryTimeoutMs: number,
): Db {
  const where = describeUrl(url);
  const connectRaw = async (): Promise<PgLikeClient> => {
    try {
      return (await pool.connect()) as PgLikeClient;
    } catch (error) {
      if (isConnectionError(error)) {
        throw new DatabaseUnavailableError(
          `Cannot reach the database at ${describeUrl(url)} (from ${variable}): ${(error as Error).message}`,
          { cause: error },
        );
      }
      throw error;
    }
  };
  const connect = async (): Promise<TimedClient> => new TimedClient(await connectRaw(), queryTimeoutMs, where);
  return {
    driver,
    async query<T = Row>(q: SqlQuery): Promise<QueryResult<T>> {
      const client = await connect();
      try {
        return await runQuery<T>(client, q, allowNamed);
      } finally {
        client.release();
      }
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      return runTransaction(await connect(), fn, allowNamed);
    },
    // migrations: no deadline (an index build may take long), run by hand or at boot
    async exec(script: string) {
      await runScript(await connectRaw(), script);
    },
    close: () => pool.end(),
  };
}
