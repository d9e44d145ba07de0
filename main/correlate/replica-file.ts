/** `correlate --db <file>`: opens a replica file, ranks, closes. */
import { existsSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type { CorrelationResult } from '../../shared/correlate/index.ts';
import { openReplicaDatabase } from '../ledger/replica.ts';
import { CorrelateInputError } from './errors.ts';
import { rankFromReplica, type ReplicaRankRequest } from './replica-rank.ts';

/** Ranks against the replica at `path` (the correlation index is created or caught up in the same file). */
export function rankReplicaFile(req: ReplicaRankRequest & { path: string }): CorrelationResult {
  if (!existsSync(req.path))
    throw new CorrelateInputError('E_IO', `cannot open replica "${req.path}" (it does not exist); check the path.`);
  let db: Database.Database;
  try {
    db = openReplicaDatabase(req.path);
  } catch (err) {
    throw new CorrelateInputError(
      'E_IO',
      `cannot open replica "${req.path}" (${err instanceof Error ? err.message : String(err)}); check the path.`,
    );
  }
  try {
    return rankFromReplica(db, req);
  } finally {
    db.close();
  }
}
