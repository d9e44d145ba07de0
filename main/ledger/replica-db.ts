/**
 * Opening a replica's SQLite file, and telling the three kinds of file apart: an empty replica (zero bytes, or created
 * by a run that was killed before its first transaction committed: both hold no schema), a replica, and anything
 * else (garbage, a damaged file, another program's database), which is refused with E_NOT_A_REPLICA and the way out.
 */
import Database from 'better-sqlite3';
import { schemaVersion } from './migrations.ts';

const WAY_FORWARD =
  'Move it aside (keep it if you want to look into it) and run again: sync builds a new replica from the control plane and verifies it against the signed checkpoints.';

/** The page size of new replica files. */
export const PAGE_SIZE = 65536;

function sqliteCode(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : null;
}

/** Turns an SQLite failure on open into a coded error (messages that already carry a code pass through). */
export function fileError(path: string, err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  if (/^E_[A-Z_]+:/.test(message)) return err instanceof Error ? err : new Error(message);
  const code = sqliteCode(err);
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT')
    return new Error(`E_NOT_A_REPLICA: ${path} is not a readable replica (${message}). ${WAY_FORWARD}`);
  if (code !== null && code.startsWith('SQLITE_CANTOPEN'))
    return new Error(`E_IO: cannot open ${path} (${message}); check the path and its permissions.`);
  return err instanceof Error ? err : new Error(message);
}

/** Schema objects in the file (tables, indexes, views, triggers), not counting SQLite's own. */
function objectCount(db: Database.Database): number {
  return db.prepare("SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").pluck().get() as number;
}

/** True for a file with no replica schema and nothing else in it (zero bytes, or never got past creation). */
export function isEmptyReplica(db: Database.Database): boolean {
  return schemaVersion(db) === 0 && objectCount(db) === 0;
}

/** Refuses a database that holds schema objects but was never a replica (another program's file). */
function assertReplicaOrEmpty(db: Database.Database, path: string): void {
  if (schemaVersion(db) === 0 && objectCount(db) > 0)
    throw new Error(`E_NOT_A_REPLICA: ${path} is an SQLite database of something else, not a replica. ${WAY_FORWARD}`);
}

/**
 * Opens the SQLite file with the pragmas the replica relies on (read-only: the file must exist). Throws E_NOT_A_REPLICA
 * for a file that is not a replica (nothing is written to it), E_IO when it cannot be opened at all.
 */
export function openReplicaDatabase(path: string, readonly = false): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly, fileMustExist: readonly });
  } catch (err) {
    throw fileError(path, err);
  }
  try {
    db.pragma('busy_timeout = 5000');
    assertReplicaOrEmpty(db, path);
    if (!readonly) {
      // A new file gets large pages (only possible before its first table): deep re-verification reads every leaf in
      // index order, and 64 KiB pages read it in a fraction of the page visits of the 4 KiB default. Existing files
      // keep the page size they were created with.
      if (isEmptyReplica(db)) db.pragma(`page_size = ${PAGE_SIZE}`);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    return db;
  } catch (err) {
    db.close();
    throw fileError(path, err);
  }
}
