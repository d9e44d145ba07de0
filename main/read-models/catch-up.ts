/**
 * Keeps the view index level with the replica's entries, like main/correlate/index-catchup.ts: it resumes after the
 * last indexed entry and detects a rewritten tail (the replica drops unverified entries on a fork or refetch) by the
 * leaf hash of the last entry it indexed, rewinding to the verified boundary, which never changes.
 */
import type Database from 'better-sqlite3';
import { AppError } from '../ipc/app-error.ts';
import { refreshRequests } from './cr-store.ts';
import { BatchIndexer, type RunningState } from './entry-index.ts';
import { forgetNames } from './names.ts';
import { rewindViews } from './rewind.ts';
import { FILTER_INDEXES, TIME_INDEX, migrateReadModels } from './schema.ts';
import { stmt, type LeafRow } from './sql.ts';

/** How far the index got. */
export interface ReadModelCatchUp {
  indexedSize: number;
  added: number;
  rewound: boolean;
  /** True when the index holds every entry of the replica. */
  complete: boolean;
}

interface StateRow {
  indexedSize: number;
  tipHash: Buffer | null;
  lastTsMs: number | null;
  tsSorted: number;
  changeCount: number;
  generation: number;
}

/**
 * Page cache while indexing (negative = KiB): each entry appends to six filter indexes, the flag index at one of
 * thousands of places, and SQLite's default 2 MB cache thrashes on that; the connection's setting is restored after.
 */
const CATCH_UP_CACHE_KIB = -65536;

/** Entries per transaction. */
export const VIEW_BATCH = 10_000;
/** A backlog at least this large is bulk loaded: filter indexes dropped, bigger transactions, indexes rebuilt at the end. */
export const BULK_BACKLOG = 100_000;
const BULK_BATCH = 50_000;

const READ_CHUNK = 10_000;

/** The view index state row. */
export function viewState(db: Database.Database): StateRow {
  return stmt(
    db,
    'SELECT indexed_size AS indexedSize, tip_hash AS tipHash, last_ts_ms AS lastTsMs, ts_sorted AS tsSorted, change_count AS changeCount, generation FROM view_state WHERE id = 1',
  ).get() as StateRow;
}

/** Throws E_REPLICA unless `db` has the replica's entries and verification state. */
export function assertReplica(db: Database.Database): void {
  const found = stmt(
    db,
    "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('entries', 'verification_state')",
  ).get() as { n: number };
  if (found.n !== 2)
    throw new AppError(
      'E_REPLICA',
      'This database is not a console replica (no entries / verification_state tables); open the replica file the console writes.',
    );
}

/**
 * Reads [from, end) as text in chunks of READ_CHUNK rows: SQLite decodes the UTF-8 and better-sqlite3 hands back one
 * string per row, which beats slicing an aggregated blob (bulk-read.ts) once every entry needs its own string.
 * Returns how far the rows were contiguous (a gap means rows vanished under us: stop before it).
 */
function indexRows(db: Database.Database, batch: BatchIndexer, from: number, end: number): number {
  const read = stmt(db, 'SELECT CAST(leaf AS TEXT) FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx').pluck();
  for (let start = from; start < end; start += READ_CHUNK) {
    const stop = Math.min(end, start + READ_CHUNK);
    const texts = read.all(start, stop) as string[];
    if (texts.length !== stop - start) return readByIdx(db, batch, start, stop);
    for (let i = 0; i < texts.length; i++) batch.add(start + i, texts[i] as string);
  }
  return end;
}

function readByIdx(db: Database.Database, batch: BatchIndexer, from: number, end: number): number {
  const rows = stmt(
    db,
    'SELECT idx, CAST(leaf AS TEXT) AS leaf FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx',
  ).all(from, end) as LeafRow[];
  let next = from;
  for (const r of rows) {
    if (r.idx !== next) break;
    batch.add(r.idx, r.leaf);
    next++;
  }
  return next;
}

function indexRange(db: Database.Database, from: number, end: number, running: RunningState): void {
  db.transaction(() => {
    const batch = new BatchIndexer(db, running);
    const last = indexRows(db, batch, from, end);
    batch.finish();
    refreshRequests(db, batch.changeRequests);
    if (last === from) return;
    const tip = (stmt(db, 'SELECT leaf_hash AS h FROM entries WHERE idx = ?').get(last - 1) as { h: Buffer }).h;
    const r = batch.running;
    stmt(
      db,
      'UPDATE view_state SET indexed_size = ?, tip_hash = ?, last_ts_ms = ?, ts_sorted = ?, change_count = ? WHERE id = 1',
    ).run(last, tip, r.lastMs, r.sorted ? 1 : 0, r.changes);
  })();
}

/** Connections whose view schema is migrated and whose filter indexes exist (reads then take the fast path). */
const ready = new WeakSet<Database.Database>();

/** The result of a call with nothing to do, or null when entries were appended or the tail was rewritten. */
function levelWith(db: Database.Database): ReadModelCatchUp | null {
  const st = viewState(db);
  const size = (stmt(db, 'SELECT coalesce(max(idx) + 1, 0) AS n FROM entries').get() as { n: number }).n;
  if (size !== st.indexedSize) return null;
  if (size > 0) {
    const tip = stmt(db, 'SELECT leaf_hash AS h FROM entries WHERE idx = ?').get(size - 1) as { h: Buffer } | undefined;
    if (tip === undefined || st.tipHash === null || !tip.h.equals(st.tipHash)) return null;
  }
  return { indexedSize: size, added: 0, rewound: false, complete: true };
}

/** Creates the filter indexes (and the time index once timestamps went backwards) when missing. */
function createIndexes(db: Database.Database): void {
  for (const i of FILTER_INDEXES) db.exec(i.sql);
  if (viewState(db).tsSorted === 0) db.exec(TIME_INDEX);
}

function resumePoint(db: Database.Database): { from: number; rewound: boolean } {
  const st = viewState(db);
  if (st.indexedSize === 0) return { from: 0, rewound: false };
  const tip = stmt(db, 'SELECT leaf_hash AS h FROM entries WHERE idx = ?').get(st.indexedSize - 1) as
    { h: Buffer } | undefined;
  if (tip !== undefined && st.tipHash !== null && tip.h.equals(st.tipHash))
    return { from: st.indexedSize, rewound: false };
  const verified =
    (stmt(db, 'SELECT verified_size AS v FROM verification_state WHERE id = 1').get() as { v: number } | undefined)
      ?.v ?? 0;
  const from = Math.min(st.indexedSize, verified);
  rewindViews(db, from);
  return { from, rewound: true };
}

/** Tuning of one catch-up call. */
export interface CatchUpOptions {
  /** Entries per transaction (default VIEW_BATCH, or BULK_BATCH while bulk loading). */
  batch?: number;
  /** Backlog from which to bulk load (default BULK_BACKLOG). */
  bulkBacklog?: number;
}

function indexBacklog(
  db: Database.Database,
  started: number,
  budgetMs: number,
  options: CatchUpOptions,
): ReadModelCatchUp {
  const { from, rewound } = db.transaction(() => resumePoint(db))();
  const size = (stmt(db, 'SELECT coalesce(max(idx) + 1, 0) AS n FROM entries').get() as { n: number }).n;
  const bulkLoad = size - from >= (options.bulkBacklog ?? BULK_BACKLOG);
  if (bulkLoad) {
    ready.delete(db);
    for (const i of FILTER_INDEXES) db.exec(`DROP INDEX IF EXISTS ${i.name}`);
  }
  const step = Math.max(1, options.batch ?? (bulkLoad ? BULK_BATCH : VIEW_BATCH));
  let next = from;
  while (next < size) {
    const st = viewState(db);
    indexRange(db, next, Math.min(size, next + step), {
      lastMs: st.lastTsMs,
      sorted: st.tsSorted === 1,
      changes: st.changeCount,
    });
    const reached = viewState(db).indexedSize;
    if (reached === next) break;
    next = reached;
    if (performance.now() - started > budgetMs) break;
  }
  if (next >= size) {
    createIndexes(db);
    ready.add(db);
  }
  return { indexedSize: next, added: next - from, rewound, complete: next >= size };
}

/**
 * Indexes entries appended since the last call, in transactions of `batch` entries, for about `budgetMs` (at least
 * one batch; the rest waits for the next call, and `complete` says whether it got to the end). better-sqlite3 is
 * synchronous, so the app should call it with a budget (e.g. 50 ms) from a timer until complete. Throws E_REPLICA
 * for a database that is not a replica and E_VIEWS_TOO_NEW for an index written by a newer console.
 */
export function catchUpReadModels(
  db: Database.Database,
  budgetMs = Infinity,
  options: CatchUpOptions = {},
): ReadModelCatchUp {
  if (ready.has(db)) {
    const level = levelWith(db);
    if (level !== null) return level;
  } else {
    assertReplica(db);
    migrateReadModels(db);
  }
  const started = performance.now();
  const cache = db.pragma('cache_size', { simple: true });
  db.pragma(`cache_size = ${CATCH_UP_CACHE_KIB}`);
  try {
    return indexBacklog(db, started, budgetMs, options);
  } catch (err) {
    forgetNames(db); // a rolled-back batch may have dropped names the cache still holds
    throw err;
  } finally {
    db.pragma(`cache_size = ${Number(cache)}`);
  }
}
