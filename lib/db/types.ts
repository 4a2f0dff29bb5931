import type { SqlQuery } from "./sql";

export type Row = Record<string, unknown>;

export interface QueryResult<T> {
  readonly rows: T[];
  readonly rowCount: number;
}

/** Anything that runs a parameterised statement: the database or an open transaction. */
export interface Queryable {
  query<T = Row>(query: SqlQuery): Promise<QueryResult<T>>;
}

export type DriverName = "pg" | "vercel" | "pglite";

export interface Db extends Queryable {
  readonly driver: DriverName;
  /** Runs `fn` in one transaction; commits if it resolves, rolls back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a script of several statements with no parameters (migrations only). */
  exec(script: string): Promise<void>;
  close(): Promise<void>;
}

/** The database could not be reached; names the variable and host, never the password. */
export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DatabaseUnavailableError";
  }
}
