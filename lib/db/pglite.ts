/**
 * PGlite: real Postgres compiled to WASM, embedded in the process. The default when no
 * database URL is set (`npm run dev`, `npm test` on a fresh machine). One connection: PGlite
 * serialises statements, and a transaction holds it exclusively until it ends.
 */
import { PGlite } from "@electric-sql/pglite";
import { citext } from "@electric-sql/pglite/contrib/citext";
import { DatabaseUnavailableError, type Db, type Queryable, type QueryResult, type Row } from "./types";
import type { SqlQuery } from "./sql";

export async function openPglite(dataDir: string): Promise<PGlite> {
  if (dataDir.startsWith("memory://")) return PGlite.create({ extensions: { citext } });
  const { mkdirSync } = await import("node:fs");
  mkdirSync(dataDir, { recursive: true });
  return PGlite.create({ dataDir, extensions: { citext } });
}

/**
 * `queryTimeoutMs`: a statement (or the wait for the single connection) that takes longer
 * answers DatabaseUnavailableError at the deadline. WASM cannot be interrupted, so the statement
 * itself runs on to its end in the background (and a transaction whose statement timed out
 * rolls back when it does): the deadline bounds the request, not the work.
 */
export function createPgliteDb(instance: PGlite | Promise<PGlite>, queryTimeoutMs?: number): Db {
  const ready = Promise.resolve(instance);
  const run = async <T>(target: Pick<PGlite, "query">, q: SqlQuery): Promise<QueryResult<T>> => {
    const pending = target.query<T>(q.text, q.values as unknown[]);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      if (queryTimeoutMs !== undefined) {
        timer = setTimeout(
          () => reject(new DatabaseUnavailableError(`The embedded database did not answer within ${queryTimeoutMs} ms`)),
          queryTimeoutMs,
        );
      }
    });
    try {
      const result = await Promise.race([pending, deadline]);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    driver: "pglite",
    async query<T = Row>(q: SqlQuery) {
      return run<T>(await ready, q);
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      const db = await ready;
      return db.transaction((tx) => fn({ query: <R = Row>(q: SqlQuery) => run<R>(tx, q) }));
    },
    async exec(script: string) {
      const db = await ready;
      try {
        await db.exec(script);
      } catch (error) {
        await db.exec("ROLLBACK").catch(() => undefined);
        throw error;
      }
    },
    async close() {
      await (await ready).close();
    },
  };
}
