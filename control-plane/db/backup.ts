/**
 * `backup`: a consistent copy of a data dir's database, taken while the server runs (SQLite's online backup reads
 * through the WAL, so recent commits are in it; copying the file is not consistent), then checked before it is kept:
 * every leaf's stored hash is recomputed from its bytes and the stored hashes reproduce the latest signed checkpoint,
 * as a control plane checks at start. The signing keys and the rollback-link secret are files beside the database
 * and are not in the copy (docs/deploy.md).
 */
import Database from 'better-sqlite3';
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { bytesEqual, CompactRange, leafHash, toHex } from '../../shared/ledger/index.ts';
import { sha256 } from '../crypto/node-crypto.ts';
import { DB_FILE } from './open-db.ts';

/** A backup refused or found wrong; `message` starts with the code and says what to do. */
export class BackupError extends Error {
  readonly code: 'E_NO_DATABASE' | 'E_BACKUP_EXISTS' | 'E_BACKUP_INVALID';

  constructor(code: BackupError['code'], message: string) {
    super(`${code}: ${message}`);
    this.name = 'BackupError';
    this.code = code;
  }
}

/** What a backup holds. */
export interface BackupReport {
  file: string;
  bytes: number;
  entries: number;
  /** The latest signed checkpoint the entries reproduce (null: none signed yet). */
  checkpoint: { size: number; rootHex: string } | null;
}

/** Checks a database file the way a control plane does at start, plus the leaf bytes; throws E_BACKUP_INVALID. */
export function checkBackup(file: string, name = file): Omit<BackupReport, 'file' | 'bytes'> {
  try {
    return checkDatabase(file, name);
  } catch (err) {
    if (err instanceof BackupError) throw err;
    // Missing, not SQLite, or SQLite without the control plane's tables.
    const why = err instanceof Error ? err.message : String(err);
    throw new BackupError(
      'E_BACKUP_INVALID',
      `${name} is not a readable control-plane database (${why}). Do not restore it; check the path or take a new backup.`,
    );
  }
}

function checkDatabase(file: string, name: string): Omit<BackupReport, 'file' | 'bytes'> {
  const db = new Database(file, { fileMustExist: true });
  try {
    const invalid = (why: string): BackupError =>
      new BackupError('E_BACKUP_INVALID', `${name} ${why}. Do not restore it; take a new backup.`);
    const range = new CompactRange(sha256);
    const checkpoints = db.prepare('SELECT size, root FROM checkpoints ORDER BY size DESC LIMIT 1').get() as
      { size: number; root: Uint8Array } | undefined;
    let atCheckpoint: Uint8Array | null = checkpoints?.size === 0 ? range.root() : null;
    const rows = db.prepare('SELECT idx, leaf, leaf_hash FROM ledger ORDER BY idx').raw().iterate() as IterableIterator<
      [number, string, Uint8Array]
    >;
    let entries = 0;
    for (const [idx, leaf, stored] of rows) {
      if (idx !== entries) throw invalid(`has a gap in its ledger before entry #${idx}`);
      const computed = leafHash(sha256, Buffer.from(leaf, 'utf8'));
      if (!bytesEqual(computed, stored)) throw invalid(`holds entry #${idx} whose bytes do not match its stored hash`);
      range.append(computed);
      entries++;
      if (checkpoints !== undefined && entries === checkpoints.size) atCheckpoint = range.root();
    }
    if (checkpoints === undefined) return { entries, checkpoint: null };
    if (atCheckpoint === null)
      throw invalid(`has a checkpoint at size ${checkpoints.size} but only ${entries} entries`);
    if (!bytesEqual(atCheckpoint, checkpoints.root))
      throw invalid(`does not reproduce its latest signed checkpoint (size ${checkpoints.size})`);
    return { entries, checkpoint: { size: checkpoints.size, rootHex: toHex(atCheckpoint) } };
  } finally {
    db.close();
  }
}

/**
 * Writes a checked backup of `dataDir`'s database to `out` (a new file; never overwritten). The copy is written to
 * `<out>.partial` and renamed only once checked, so `out` is either a good backup or absent.
 */
export async function backupDataDir(dataDir: string, out: string): Promise<BackupReport> {
  const source = join(dataDir, DB_FILE);
  if (!existsSync(source))
    throw new BackupError(
      'E_NO_DATABASE',
      `${dataDir} holds no control-plane database (${DB_FILE}); check --data. Nothing was written.`,
    );
  if (existsSync(out))
    throw new BackupError('E_BACKUP_EXISTS', `${out} exists; name a new file (a backup never overwrites one).`);
  const partial = `${out}.partial`;
  rmSync(partial, { force: true });
  // Read-write only so SQLite may use the WAL index like the server does; nothing is written through it.
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    await db.backup(partial);
    // One self-contained file: the copy leaves WAL mode, so restoring it is copying one file.
    const copy = new Database(partial, { fileMustExist: true });
    copy.pragma('journal_mode = DELETE');
    copy.close();
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  } finally {
    db.close();
  }
  try {
    const report = checkBackup(partial, out);
    renameSync(partial, out);
    return { file: out, bytes: statSync(out).size, ...report };
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  }
}
