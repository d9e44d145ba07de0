/** A per-database cache of prepared statements, so hot paths do not re-prepare SQL on every call. */
import type { Db, DbStatement } from './db.ts';

const caches = new WeakMap<Db, Map<string, DbStatement>>();

/** The prepared statement for `sql` on `db` (prepared once). */
export function stmt(db: Db, sql: string): DbStatement {
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
