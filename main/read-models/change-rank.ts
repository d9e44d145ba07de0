/**
 * "Changes only" without scanning: every view_entries row stores change_rank, the number of user-facing changes up to
 * and including it. The count in an idx range is a difference of two ranks, and the k-th change is found by binary
 * search over the (non-decreasing) ranks, so any page of the filter costs a few point reads and one short range.
 */
import type Database from 'better-sqlite3';
import { stmt } from './sql.ts';

/** Changes with idx < i. */
function rankBefore(db: Database.Database, i: number): number {
  if (i <= 0) return 0;
  const r = stmt(db, 'SELECT change_rank FROM view_entries WHERE idx = ?')
    .pluck()
    .get(i - 1) as number | undefined;
  if (r === undefined) throw new Error(`E_INTERNAL: view row ${i - 1} missing below the indexed size`);
  return r;
}

/** The smallest idx in [lo, hi) whose rank is ≥ k (the idx of the k-th change when k is within range). */
function idxOfRank(db: Database.Database, k: number, lo: number, hi: number): number {
  let a = lo;
  let b = hi;
  while (a < b) {
    const mid = Math.floor((a + b) / 2);
    if (rankBefore(db, mid + 1) >= k) b = mid;
    else a = mid + 1;
  }
  return a;
}

/** The number of user-facing changes with lo ≤ idx < hi. */
export function changesIn(db: Database.Database, lo: number, hi: number): number {
  return hi <= lo ? 0 : rankBefore(db, hi) - rankBefore(db, lo);
}

/** The idx of the changes at ascending positions [a, a + n) among those with lo ≤ idx < hi. */
export function changesAt(db: Database.Database, lo: number, hi: number, a: number, n: number): number[] {
  if (n <= 0) return [];
  const base = rankBefore(db, lo);
  const start = idxOfRank(db, base + a + 1, lo, hi);
  const end = idxOfRank(db, base + a + n, lo, hi);
  return stmt(db, 'SELECT idx FROM view_entries WHERE idx >= ? AND idx <= ? AND change = 1 ORDER BY idx')
    .pluck()
    .all(start, end) as number[];
}
