/**
 * Deep pages of filtered queries without OFFSET scans. For a filter's matching set (in idx order) it remembers the
 * count and the idx of every ANCHOR_EVERY-th match, so the page at any position is a query over a short idx range
 * (at most about 2 × ANCHOR_EVERY matches, sorted). Appends only add matches after `upTo`, so a cached set stays
 * valid and only its tail is counted again; a rewind changes the index generation, which is part of the plan key.
 */
import type Database from 'better-sqlite3';
import type { QueryPlan } from './query-plan.ts';
import { stmt } from './sql.ts';

/** Matches between two anchors. */
export const ANCHOR_EVERY = 512;
const MAX_SETS = 32;
const MAX_TAIL = 8 * ANCHOR_EVERY;

interface MatchSet {
  upTo: number;
  count: number;
  /** anchors[j] = idx of the match at ascending position j × ANCHOR_EVERY. */
  anchors: number[];
}

const caches = new WeakMap<Database.Database, Map<string, MatchSet>>();

function where(plan: QueryPlan, lo: number, hi: number): { sql: string; params: unknown[] } {
  return { sql: ['v.idx >= ?', 'v.idx < ?', ...plan.where].join(' AND '), params: [lo, hi, ...plan.params] };
}

function countIn(db: Database.Database, plan: QueryPlan, lo: number, hi: number): number {
  if (hi <= lo) return 0;
  const w = where(plan, lo, hi);
  return stmt(db, `SELECT count(*) FROM view_entries v WHERE ${w.sql}`).pluck().get(w.params) as number;
}

function build(db: Database.Database, plan: QueryPlan, upTo: number): MatchSet {
  const count = countIn(db, plan, plan.lo, upTo);
  if (count <= ANCHOR_EVERY) return { upTo, count, anchors: [] };
  const w = where(plan, plan.lo, upTo);
  const anchors = stmt(
    db,
    `SELECT idx FROM (SELECT v.idx AS idx, row_number() OVER (ORDER BY v.idx) AS rn FROM view_entries v
    WHERE ${w.sql}) WHERE (rn - 1) % ${ANCHOR_EVERY} = 0 ORDER BY idx`,
  )
    .pluck()
    .all(w.params) as number[];
  return { upTo, count, anchors };
}

/** The matching set of `plan` (cached) and the number of matches in its tail up to `plan.hi`. */
export function matchesOf(db: Database.Database, plan: QueryPlan): { set: MatchSet; tail: number } {
  let sets = caches.get(db);
  if (sets === undefined) {
    sets = new Map();
    caches.set(db, sets);
  }
  let set = sets.get(plan.key);
  let tail = set === undefined ? 0 : countIn(db, plan, set.upTo, plan.hi);
  if (set === undefined || set.upTo > plan.hi || tail > MAX_TAIL) {
    set = build(db, plan, plan.hi);
    tail = 0;
  }
  sets.delete(plan.key); // re-insert: Map order is the LRU order
  sets.set(plan.key, set);
  if (sets.size > MAX_SETS) sets.delete(sets.keys().next().value as string);
  return { set, tail };
}

/** The idx of the matches at ascending positions [a, a + n) of the plan's set. */
export function idxAtPositions(db: Database.Database, plan: QueryPlan, set: MatchSet, a: number, n: number): number[] {
  const j0 = Math.floor(a / ANCHOR_EVERY);
  const start = a < set.count ? (set.anchors[j0] ?? plan.lo) : set.upTo;
  const skip = a < set.count ? a - (set.anchors[j0] === undefined ? 0 : j0 * ANCHOR_EVERY) : a - set.count;
  const end = a + n <= set.count ? (set.anchors[Math.ceil((a + n) / ANCHOR_EVERY)] ?? set.upTo) : plan.hi;
  const w = where(plan, start, end);
  return stmt(db, `SELECT v.idx FROM view_entries v WHERE ${w.sql} ORDER BY v.idx LIMIT ? OFFSET ?`)
    .pluck()
    .all(...w.params, n, skip) as number[];
}

/** Forgets every cached set of `db` (tests; the generation in plan keys already invalidates after rewinds). */
export function forgetMatches(db: Database.Database): void {
  caches.delete(db);
}
