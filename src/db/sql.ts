/**
 * The raw SQL surface shared by PGlite and PostgreSQL: repositories that need SQL Prisma cannot
 * express (JSON built in the database, bulk imports, keyset pages) go through this, with
 * parameters only. Identifiers never come from user text.
 */
export interface SqlRows<T> {
  rows: T[];
  affectedRows?: number;
}

export interface QueryOptions {
  /**
   * A fixed statement text sent on (nearly) every request, never one built from varying parts:
   * PostgreSQL parses and plans it once per connection (a named prepared statement) instead of
   * on every call; planning the larger ones cost more than running them. The embedded database
   * ignores it.
   */
  prepare?: boolean;
}

export interface SqlExecutor {
  query<T = Record<string, unknown>>(text: string, params?: unknown[], options?: QueryOptions): Promise<SqlRows<T>>;
  /**
   * Starts `COPY … FROM STDIN` (text format) on this executor's own connection, so inside its
   * transaction. Only PostgreSQL transactions have it: the embedded database takes no COPY
   * stream. A transaction that fails with a COPY still open aborts it before rolling back.
   */
  copyIn?(statement: string): CopyIn;
}

/** One `COPY … FROM STDIN` in progress. Calls are sequential: await each before the next. */
export interface CopyIn {
  /** Sends whole lines of COPY text (a Buffer: its UTF-8 bytes); resolves when the connection can take more. */
  write(text: string | Buffer): Promise<void>;
  /** Ends the data; resolves with the rows PostgreSQL stored. */
  end(): Promise<number>;
  /** Abandons the COPY (PostgreSQL fails the statement and so the transaction); never throws. */
  abort(reason: string): Promise<void>;
}

export interface Sql extends SqlExecutor {
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
}

/** A transaction of either kind: raw SQL, or Prisma's interactive transaction client. */
export type AnyTx = SqlExecutor | { $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T> };

/** Runs one parameterised statement on either kind of transaction. */
export async function txQuery<T>(tx: AnyTx, sql: string, params: unknown[], options?: QueryOptions): Promise<T[]> {
  if ('query' in tx) return (await tx.query<T>(sql, params, options)).rows;
  return tx.$queryRawUnsafe<T[]>(sql, ...params);
}
