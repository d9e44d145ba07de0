/**
 * The audit table's query: filtered, idx-ordered pages with the total count. Unfiltered (and, on a time-sorted
 * ledger, time-window) pages are plain idx ranges, so any page of a million rows is one range read; "changes only"
 * (alone or with a time window) uses the change ranks of change-rank.ts; other filters go through the anchor cache of
 * match-cache.ts.
 */
import type Database from 'better-sqlite3';
import type { LedgerPage, LedgerQuery } from '../../shared/ipc/types/ledger.ts';
import { AppError } from '../ipc/app-error.ts';
import { rowsOf } from './entry-rows.ts';
import { idxAtPositions, matchesOf } from './match-cache.ts';
import { CHANGES_ONLY, planQuery } from './query-plan.ts';
import { changesAt, changesIn } from './change-rank.ts';
import { ensureViews } from './ready.ts';
import { stmt, type LeafRow } from './sql.ts';

/** Largest page. */
export const MAX_PAGE = 1000;

function leavesIn(db: Database.Database, lo: number, hi: number): LeafRow[] {
  return stmt(db, 'SELECT idx, CAST(leaf AS TEXT) AS leaf FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx').all(
    lo,
    hi,
  ) as LeafRow[];
}

function leavesAt(db: Database.Database, idxs: readonly number[]): LeafRow[] {
  if (idxs.length === 0) return [];
  return stmt(
    db,
    'SELECT idx, CAST(leaf AS TEXT) AS leaf FROM entries WHERE idx IN (SELECT value FROM json_each(?)) ORDER BY idx',
  ).all(JSON.stringify(idxs)) as LeafRow[];
}

/** Ascending positions [a, a + n) of the requested page of a set of `total` rows. */
function window(q: LedgerQuery, total: number): { a: number; n: number } {
  const end = Math.min(total, q.offset + q.limit);
  const n = Math.max(0, end - q.offset);
  return q.order === 'asc' ? { a: q.offset, n } : { a: total - end, n };
}

function check(q: LedgerQuery): void {
  if (
    !Number.isSafeInteger(q.offset) ||
    q.offset < 0 ||
    !Number.isSafeInteger(q.limit) ||
    q.limit < 1 ||
    q.limit > MAX_PAGE
  ) {
    throw new AppError('E_INVALID_ARGUMENT', `A ledger page needs an offset ≥ 0 and a limit from 1 to ${MAX_PAGE}.`);
  }
}

/**
 * One page of the entries matching `q.filter` (AND of every field), in idx order `q.order`, rows [offset, offset +
 * limit), with the total match count. Indexes any new entries first (bounded; see ensureViews).
 */
export function queryLedger(db: Database.Database, q: LedgerQuery): LedgerPage {
  check(q);
  ensureViews(db);
  const plan = planQuery(db, q.filter);
  if (plan.empty) return { rows: [], total: 0 };
  let rows: LeafRow[];
  let total: number;
  if (plan.where.length === 0) {
    total = plan.hi - plan.lo;
    const { a, n } = window(q, total);
    rows = leavesIn(db, plan.lo + a, plan.lo + a + n);
  } else if (plan.where.length === 1 && plan.where[0] === CHANGES_ONLY) {
    total = changesIn(db, plan.lo, plan.hi);
    const { a, n } = window(q, total);
    rows = leavesAt(db, changesAt(db, plan.lo, plan.hi, a, n));
  } else {
    const { set, tail } = matchesOf(db, plan);
    total = set.count + tail;
    const { a, n } = window(q, total);
    rows = n === 0 ? [] : leavesAt(db, idxAtPositions(db, plan, set, a, n));
  }
  const out = rowsOf(db, rows);
  return { rows: q.order === 'asc' ? out : out.reverse(), total };
}
