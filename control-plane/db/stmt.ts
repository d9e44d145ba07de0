/** A per-database cache of prepared statements, so hot paths do not re-prepare SQL on every call. */
import type Database from 'better-sqlite3';

const caches = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** The prepared statement for `sql` on `db` (prepared once). */
export function stmt(db: Database.Database, sql: string): Database.Statement {
  let cache = caches.get(db);
  if (cache === undefined) {
    cache = new Map();
    caches.set(db, cache);
  }
  let s = cache.get(sql);
  if (s === undefined) {
    s = db.prepare(sql);
    cache.set(sql, s);
  }
  return s;
}
