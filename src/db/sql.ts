/**
 * The raw SQL surface shared by PGlite and PostgreSQL: repositories that need SQL Prisma cannot
 * express (JSON built in the database, bulk imports, keyset pages) go through this, with
 * parameters only. Identifiers never come from user text.
 */
export interface SqlRows<T> {
  rows: T[];
  affectedRows?: number;
}

export interface SqlExecutor {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<SqlRows<T>>;
}

export interface Sql extends SqlExecutor {
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
}
