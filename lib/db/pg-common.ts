/**
 * What the two node-postgres-shaped drivers (pg and @vercel/postgres, whose Neon client is a
 * port of pg) share: running a transaction on one checked-out client.
 */
import type { SqlQuery } from "./sql";
import { DatabaseUnavailableError, type Db, type DriverName, type Queryable, type QueryResult, type Row } from "./types";

export interface PgLikeClient {
  query(text: string | { name?: string; text: string; values?: unknown[] }, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
  release(error?: Error | boolean): void;
}

export async function runQuery<T>(client: Pick<PgLikeClient, "query">, q: SqlQuery, allowNamed = false): Promise<QueryResult<T>> {
  const result = allowNamed && q.name
    ? await client.query({ name: q.name, text: q.text, values: q.values as unknown[] })
    : await client.query(q.text, q.values as unknown[]);
  return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
}

export async function runTransaction<T>(client: PgLikeClient, fn: (tx: Queryable) => Promise<T>, allowNamed = false): Promise<T> {
  const tx: Queryable = { query: <R = Row>(q: SqlQuery) => runQuery<R>(client, q, allowNamed) };
  let broken = false;
  try {
    await client.query("BEGIN");
    const value = await fn(tx);
    await client.query("COMMIT");
    return value;
  } catch (error) {
    try {
      await client.query("ROLLBACK");
    } catch {
      broken = true;
    }
    throw error;
  } finally {
    client.release(broken);
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

const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "ETIMEDOUT", "EHOSTUNREACH", "ECONNRESET", "EAI_AGAIN", "3D000", "28P01", "28000", "57P03"]);

export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return (code !== undefined && UNREACHABLE.has(code)) || /connect|terminated|WebSocket/i.test(String((error as Error)?.message));
}

export interface PgLikePool {
  connect(): Promise<unknown>;
  end(): Promise<void>;
}

/**
 * A Db over a pg-shaped pool. A connection failure becomes DatabaseUnavailableError naming the
 * variable and the host (never the password). `allowNamed`: keep named prepared statements.
 */
export function poolDb(driver: DriverName, pool: PgLikePool, url: string, variable: string, allowNamed: boolean): Db {
  const connect = async (): Promise<PgLikeClient> => {
    try {
      return (await pool.connect()) as PgLikeClient;
    } catch (error) {
      if (isConnectionError(error)) {
        throw new DatabaseUnavailableError(`Cannot reach the database at ${describeUrl(url)} (from ${variable}): ${(error as Error).message}`, { cause: error });
      }
      throw error;
    }
  };
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
    async exec(script: string) {
      await runScript(await connect(), script);
    },
    close: () => pool.end(),
  };
}
