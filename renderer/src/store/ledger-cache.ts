/**
 * The row cache behind the virtualized audit table. Rows are keyed by their position in ascending (idx) order of
 * the filtered list, which appends never shift, so cached rows stay valid while the ledger grows; a view in
 * descending order maps its positions through the current total. The cache is bounded so a million-row scroll
 * keeps the heap flat.
 */
import type { EntryRow } from '../../../shared/ipc/contract.ts';

/** Rows fetched per `ledger:query` call. */
export const PAGE_SIZE = 100;
/** Rows kept around the viewport; the rest is evicted. */
export const MAX_CACHED_ROWS = 20_000;

/** Maps a view position to its ascending position. */
export function ascPosition(viewPos: number, order: 'asc' | 'desc', total: number): number {
  return order === 'asc' ? viewPos : total - 1 - viewPos;
}

/** A bounded map from ascending position to row. */
export class RowCache {
  private readonly rows = new Map<number, EntryRow>();
  private readonly max: number;

  constructor(max = MAX_CACHED_ROWS) {
    this.max = max;
  }

  /** Number of cached rows. */
  get size(): number {
    return this.rows.size;
  }

  /** The row at ascending position `pos`, if cached. */
  get(pos: number): EntryRow | undefined {
    return this.rows.get(pos);
  }

  /** Stores a page answered for (order, offset) when the filtered list had `total` rows. */
  putPage(order: 'asc' | 'desc', offset: number, rows: readonly EntryRow[], total: number): void {
    rows.forEach((row, i) => this.rows.set(ascPosition(offset + i, order, total), row));
  }

  /** Drops rows far from `center` (ascending position) once the cache is over its bound. */
  evictAround(center: number): void {
    if (this.rows.size <= this.max) return;
    const keep = Math.floor(this.max / 2);
    for (const pos of this.rows.keys()) if (Math.abs(pos - center) > keep) this.rows.delete(pos);
  }

  clear(): void {
    this.rows.clear();
  }
}

/**
 * The query offsets (in view order) of the pages covering view rows [start, end] plus `overscan`, that are not
 * fully cached; nearest to the viewport first.
 */
export function missingPages(
  cache: RowCache,
  start: number,
  end: number,
  total: number,
  order: 'asc' | 'desc',
  overscan = PAGE_SIZE / 2,
): number[] {
  if (total <= 0) return [];
  const from = Math.max(0, start - overscan);
  const to = Math.min(total - 1, end + overscan);
  const pages: number[] = [];
  for (let p = Math.floor(from / PAGE_SIZE) * PAGE_SIZE; p <= to; p += PAGE_SIZE) {
    const last = Math.min(total - 1, p + PAGE_SIZE - 1);
    const missing = [p, last, Math.max(p, Math.min(last, start))].some((v) => !cache.get(ascPosition(v, order, total)));
    if (missing) pages.push(p);
  }
  const mid = (start + end) / 2;
  return pages.sort((a, b) => Math.abs(a + PAGE_SIZE / 2 - mid) - Math.abs(b + PAGE_SIZE / 2 - mid));
}
