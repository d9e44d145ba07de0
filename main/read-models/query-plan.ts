/**
 * Turns a LedgerFilter into SQL over view_entries (alias v): an idx range plus conditions on interned ids. Text
 * filters match exactly; `flag` and `action` fall back to a prefix match when no exact name exists (so `payments.`
 * or `flag.` work), and a trailing `*` forces a prefix match for any text filter. service, team and tier select the
 * flags whose current definition names them. On a ledger whose timestamps never went backwards (the normal case: one
 * control plane appends with its clock), a time window is itself an idx range found by binary search.
 */
import type Database from 'better-sqlite3';
import type { LedgerFilter } from '../../shared/ipc/types/ledger.ts';
import { AppError } from '../ipc/app-error.ts';
import { idsWithPrefix, nameId } from './names.ts';
import { NAME_KIND, type NameKind } from './schema.ts';
import { stmt } from './sql.ts';
import { viewState } from './catch-up.ts';

/** The condition of the "changes only" filter. */
export const CHANGES_ONLY = 'v.change = 1';

/** A resolved query: rows of view_entries v with lo ≤ idx < hi satisfying every condition. */
export interface QueryPlan {
  lo: number;
  hi: number;
  /** True when `hi` comes from the filter (`to`), not from the index size. */
  bounded: boolean;
  where: string[];
  params: unknown[];
  /** True when some filter matches nothing at all. */
  empty: boolean;
  /** Identifies the matching set up to appends (conditions, parameters, bounds, index generation). */
  key: string;
}

function timeOf(text: string | undefined, field: string): number | null {
  if (text === undefined) return null;
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw new AppError(
      'E_INVALID_ARGUMENT',
      `The filter's ${field} time "${text}" is not an RFC 3339 time; use e.g. 2026-11-25T03:12:45.000Z.`,
    );
  return ms;
}

/** Ids a text filter selects: exact (falling back to prefix when `prefixFallback`), or prefix with a trailing `*`. */
function resolveNames(db: Database.Database, kind: NameKind, value: string, prefixFallback: boolean): number[] {
  if (value.endsWith('*')) return idsWithPrefix(db, kind, value.slice(0, -1));
  const exact = nameId(db, kind, value);
  if (exact !== null) return [exact];
  return prefixFallback && value.length > 0 ? idsWithPrefix(db, kind, value) : [];
}

function flagIdsWhere(db: Database.Database, sql: string, value: string): number[] {
  return stmt(db, sql).pluck().all(value) as number[];
}

function intersect(a: number[] | null, b: number[]): number[] {
  if (a === null) return b;
  const keep = new Set(b);
  return a.filter((x) => keep.has(x));
}

function flagSet(db: Database.Database, f: LedgerFilter): number[] | null {
  let ids: number[] | null = null;
  if (f.flag !== undefined) ids = resolveNames(db, NAME_KIND.flag, f.flag, true);
  if (f.service !== undefined) {
    ids = intersect(
      ids,
      flagIdsWhere(
        db,
        'SELECT f.fid FROM view_flag_services s JOIN view_flags f ON f.flag = s.flag WHERE s.service = ?',
        f.service,
      ),
    );
  }
  if (f.team !== undefined)
    ids = intersect(ids, flagIdsWhere(db, 'SELECT fid FROM view_flags WHERE owner = ?', f.team));
  if (f.tier !== undefined) ids = intersect(ids, flagIdsWhere(db, 'SELECT fid FROM view_flags WHERE tier = ?', f.tier));
  return ids === null ? null : [...new Set(ids)].sort((x, y) => x - y);
}

class Builder {
  where: string[] = [];
  params: unknown[] = [];
  empty = false;

  ids(column: string, ids: number[] | null): void {
    if (ids === null) return;
    if (ids.length === 0) this.empty = true;
    else if (ids.length === 1) this.add(`v.${column} = ?`, ids[0]);
    else this.add(`v.${column} IN (SELECT value FROM json_each(?))`, JSON.stringify(ids));
  }

  add(condition: string, ...params: unknown[]): void {
    this.where.push(condition);
    this.params.push(...params);
  }
}

/** The first idx whose ts is ≥ ms (or > ms when `strict`), by binary search over the time-sorted rows; size if none. */
function firstIdx(db: Database.Database, ms: number, strict: boolean, size: number): number {
  const tsAt = stmt(db, 'SELECT ts_ms FROM view_entries WHERE idx = ?').pluck();
  let lo = 0;
  let hi = size;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const t = tsAt.get(mid) as number | undefined;
    if (t === undefined) throw new Error(`E_INTERNAL: view row ${mid} missing below the indexed size`);
    if (strict ? t > ms : t >= ms) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Resolves `filter` against the current index. */
export function planQuery(db: Database.Database, filter: LedgerFilter): QueryPlan {
  const st = viewState(db);
  const from = timeOf(filter.from, 'from');
  const to = timeOf(filter.to, 'to');
  const b = new Builder();
  let lo = 0;
  let hi = st.indexedSize;
  let bounded = false;
  if (st.tsSorted === 1) {
    if (from !== null) lo = firstIdx(db, from, false, st.indexedSize);
    if (to !== null) [hi, bounded] = [firstIdx(db, to, true, st.indexedSize), true];
  } else {
    if (from !== null) b.add('v.ts_ms >= ?', from);
    if (to !== null) b.add('v.ts_ms <= ?', to);
  }
  b.ids('flag', flagSet(db, filter));
  if (filter.actor !== undefined) b.ids('actor', resolveNames(db, NAME_KIND.actor, filter.actor, false));
  if (filter.action !== undefined) b.ids('action', resolveNames(db, NAME_KIND.action, filter.action, true));
  if (filter.env !== undefined) b.ids('env', resolveNames(db, NAME_KIND.env, filter.env, false));
  if (filter.changesOnly === true) b.add(CHANGES_ONLY);
  const empty = b.empty || hi <= lo;
  const key = JSON.stringify([b.where, b.params, lo, bounded ? hi : null, st.generation]);
  return { lo, hi: Math.max(lo, hi), bounded, where: b.where, params: b.params, empty, key };
}
