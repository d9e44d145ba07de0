/** Test tooling: builds replica files from a TestLog and tampers with them the way an attacker with file access can. */
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Replica } from '../replica.ts';
import { TestLog, testSigner, trustedKeyOf } from './fixtures.ts';
import { LeafHasher } from '../fast-hash.ts';

/** A fresh temporary directory. */
export function tempDir(prefix = 'ledger-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes a replica of `log` at `path`, promoted through each checkpoint size in order, plus unverified extra entries. */
export async function buildReplicaFile(
  path: string,
  log: TestLog,
  checkpointSizes: readonly number[],
  pendingUpTo = 0,
): Promise<void> {
  const replica = Replica.open({ path, origin: log.origin, trustedKeys: log.signers.map((s) => trustedKeyOf(s)) });
  try {
    const last = Math.max(0, ...checkpointSizes, pendingUpTo);
    await replica.appendEntries(log.entries(0, last));
    for (const size of checkpointSizes) {
      const out = await replica.applyCheckpoint(log.checkpoint(size));
      if (out.kind !== 'promoted' && out.kind !== 'duplicate')
        throw new Error(`fixture checkpoint ${size} not promoted: ${out.kind}`);
    }
  } finally {
    replica.close();
  }
}

/** A default log and its replica file: n realistic entries, checkpoints at `sizes`. */
export async function makeReplica(
  n: number,
  sizes: readonly number[],
): Promise<{ dir: string; path: string; log: TestLog }> {
  const dir = tempDir();
  const path = join(dir, 'replica.sqlite');
  const log = new TestLog();
  log.addMany(n);
  await buildReplicaFile(path, log, sizes);
  return { dir, path, log };
}

/** Runs raw SQL on the file with the append-only triggers dropped (they guard against bugs, not attackers). */
export function tamper(path: string, edit: (db: Database.Database, hash: (bytes: Uint8Array) => Buffer) => void): void {
  const db = new Database(path);
  try {
    const triggers = db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").pluck().all() as string[];
    for (const t of triggers) db.exec(`DROP TRIGGER ${t}`);
    const hasher = new LeafHasher();
    edit(db, (b) => hasher.hash(b));
  } finally {
    db.close();
  }
}

/** The trust anchor of the default test log, as an auditor would pin it. */
export const testTrust = [trustedKeyOf(testSigner())];
