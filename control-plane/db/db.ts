/**
 * The synchronous database handle the domain code is written against: the part of better-sqlite3's API it uses.
 * Both engines provide it — a better-sqlite3 `Database` (SQLite) and a `PgSyncDatabase` (PostgreSQL, pg-sync.ts) —
 * so the rules have one code path over both. SQL written against it must mean the same on both engines.
 */

/** Which database engine a handle talks to. */
export type Engine = 'sqlite' | 'postgres';

/** A prepared statement. */
export interface DbStatement {
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  iterate(...params: unknown[]): IterableIterator<unknown>;
  pluck(on?: boolean): this;
  raw(on?: boolean): this;
}

/** A synchronous database connection. */
export interface Db {
  prepare(sql: string): DbStatement;
  exec(sql: string): unknown;
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
  readonly inTransaction: boolean;
  close(): unknown;
}
