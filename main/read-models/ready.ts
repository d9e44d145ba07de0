/** The bounded catch-up every read runs first, so the read models never lag far behind the replica. */
import type Database from 'better-sqlite3';
import { catchUpReadModels } from './catch-up.ts';

/** Time a read may spend indexing new entries before answering (the rest is indexed by later calls). */
export const READ_BUDGET_MS = 20;
const READ_BATCH = 2000;

/** Indexes pending entries for at most about READ_BUDGET_MS. */
export function ensureViews(db: Database.Database): void {
  catchUpReadModels(db, READ_BUDGET_MS, { batch: READ_BATCH });
}
