/**
 * Interning of the strings every entry repeats (actor, action, flag, env) into small integer ids, cached per
 * connection. Ids are never deleted (a rewind may leave unused names behind, which costs nothing).
 */
import type Database from 'better-sqlite3';
import type { NameKind } from './schema.ts';

interface NameCache {
  /** One map per kind (index = kind). */
  ids: Map<string, number>[];
  find: Database.Statement;
  insert: Database.Statement;
  prefix: Database.Statement;
}

const caches = new WeakMap<Database.Database, NameCache>();

function cacheOf(db: Database.Database): NameCache {
  let c = caches.get(db);
  if (c === undefined) {
    c = {
      ids: [new Map(), new Map(), new Map(), new Map(), new Map()],
      find: db.prepare('SELECT id FROM view_names WHERE kind = ? AND name = ?').pluck(),
      insert: db.prepare('INSERT INTO view_names (kind, name) VALUES (?, ?)'),
      prefix: db
        .prepare(
          'SELECT id FROM view_names WHERE kind = @kind AND name >= @prefix AND substr(name, 1, length(@prefix)) = @prefix',
        )
        .pluck(),
    };
    caches.set(db, c);
  }
  return c;
}

/** The id of `name` of `kind`, creating it (inside the caller's transaction) if new. */
export function internName(db: Database.Database, kind: NameKind, name: string): number {
  const c = cacheOf(db);
  const ids = c.ids[kind] as Map<string, number>;
  const cached = ids.get(name);
  if (cached !== undefined) return cached;
  const found = c.find.get(kind, name) as number | undefined;
  const id = found ?? Number(c.insert.run(kind, name).lastInsertRowid);
  ids.set(name, id);
  return id;
}

/** The id of an existing name, or null (never creates one). */
export function nameId(db: Database.Database, kind: NameKind, name: string): number | null {
  const c = cacheOf(db);
  const cached = c.ids[kind]?.get(name);
  if (cached !== undefined) return cached;
  return (c.find.get(kind, name) as number | undefined) ?? null;
}

/** The ids of every name of `kind` that starts with `prefix`. */
export function idsWithPrefix(db: Database.Database, kind: NameKind, prefix: string): number[] {
  return cacheOf(db).prefix.all({ kind, prefix }) as number[];
}

/** Forgets cached ids (after a rolled-back transaction may have dropped some). */
export function forgetNames(db: Database.Database): void {
  caches.delete(db);
}
