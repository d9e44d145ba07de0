/**
 * One control plane per data dir. The ledger writer keeps the log's size and hashes in memory and each instance
 * streams only what it wrote, so a second server on the same SQLite file would write duplicate indexes and fork
 * what its consoles see. The server holds an exclusive SQLite lock on `control-plane.lock` for as long as it runs;
 * the operating system drops it when the process ends, however it ends (no stale lock after a crash or SIGKILL).
 * Admin commands (`user add`, `sdk-key add`) do not take it: they write users and keys, not the ledger.
 */
import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseOpenError } from './db-errors.ts';

const LOCK_FILE = 'control-plane.lock';
/** Who holds the lock (informational: the lock itself is the SQLite file, which cannot be read while held). */
const HOLDER_FILE = 'control-plane.lock.holder';

/** A held data-dir lock. */
export interface DataDirLock {
  /** Releases the lock (idempotent). */
  release(): void;
}

function holderOf(dataDir: string): string {
  try {
    return readFileSync(join(dataDir, HOLDER_FILE), 'utf8').trim();
  } catch {
    return '';
  }
}

/** Takes the data dir's lock, or throws E_DATA_DIR_IN_USE when another control plane serves it. */
export function lockDataDir(dataDir: string, now: () => number = Date.now): DataDirLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = new Database(join(dataDir, LOCK_FILE), { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    // The first write takes the EXCLUSIVE lock; in this locking mode it is kept until the connection closes.
    db.exec('BEGIN IMMEDIATE');
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, since TEXT NOT NULL)');
    db.exec('DELETE FROM holder');
    db.prepare('INSERT INTO holder (pid, since) VALUES (?, ?)').run(process.pid, new Date(now()).toISOString());
    db.exec('COMMIT');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      const holder = holderOf(dataDir);
      throw new DatabaseOpenError(
        'E_DATA_DIR_IN_USE',
        `another control plane is serving ${dataDir}${holder === '' ? '' : ` (${holder})`}; one data dir serves ` +
          'one instance. Stop it, or start this one with another --data. Nothing was changed.',
      );
    }
    throw err;
  }
  writeFileSync(join(dataDir, HOLDER_FILE), `pid ${process.pid} since ${new Date(now()).toISOString()}\n`);
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      rmSync(join(dataDir, HOLDER_FILE), { force: true });
      db.close();
    },
  };
}
