/**
 * Incidents, flags and change requests for the UI, each from the view index (never a scan of the ledger) and folded
 * by the pure code in shared/state.
 */
import type Database from 'better-sqlite3';
import type { FlagInfo } from '../../shared/correlate/index.ts';
import type { ChangeRequest, FlagDetail, FlagSummary, Incident } from '../../shared/ipc/types/domain.ts';
import { IncidentFold } from '../../shared/state/incidents.ts';
import { flagDetailOf, flagMatchRank, flagSummaryOf } from '../../shared/state/flags.ts';
import { foldRequests } from './cr-store.ts';
import { flagNotFound } from './errors.ts';
import { loadFlag, recordOf } from './flag-store.ts';
import { ensureViews } from './ready.ts';
import { REF_KIND } from './schema.ts';
import { parseRows, stmt, type LeafRow } from './sql.ts';

/** Most change requests `listChangeRequests` returns (newest first). */
export const MAX_CHANGE_REQUESTS = 500;

/** The incident fold of one connection, and what it covered (to continue it, or notice a rewritten tail). */
interface IncidentCache {
  fold: IncidentFold;
  /** Incident refs folded (all with idx ≤ lastIdx), the last one's idx and its leaf hash. */
  refs: number;
  lastIdx: number;
  lastHash: Buffer | null;
}

const incidentCaches = new WeakMap<Database.Database, IncidentCache>();

function cachedIncidents(db: Database.Database): IncidentCache {
  const c = incidentCaches.get(db);
  if (c !== undefined && c.lastHash !== null) {
    // Valid while the folded prefix is unchanged: same number of incident refs up to lastIdx, same leaf there.
    const same =
      (
        stmt(db, `SELECT count(*) AS n FROM view_refs WHERE kind = ${REF_KIND.incident} AND idx <= ?`).get(
          c.lastIdx,
        ) as { n: number }
      ).n === c.refs &&
      (
        stmt(db, 'SELECT leaf_hash AS h FROM entries WHERE idx = ?').get(c.lastIdx) as { h: Buffer } | undefined
      )?.h.equals(c.lastHash) === true;
    if (same) return c;
  }
  if (c !== undefined && c.lastHash === null && c.refs === 0) return c;
  const fresh: IncidentCache = { fold: new IncidentFold(), refs: 0, lastIdx: -1, lastHash: null };
  incidentCaches.set(db, fresh);
  return fresh;
}

/** Every incident the ledger recorded: active first, then newest first (folded incrementally per connection). */
export function listIncidents(db: Database.Database): Incident[] {
  ensureViews(db);
  const c = cachedIncidents(db);
  const rows = stmt(
    db,
    `SELECT r.idx AS idx, CAST(e.leaf AS TEXT) AS leaf, e.leaf_hash AS hash FROM view_refs r JOIN entries e ON e.idx = r.idx
    WHERE r.kind = ${REF_KIND.incident} AND r.idx > ? ORDER BY r.idx`,
  ).all(c.lastIdx) as (LeafRow & { hash: Buffer })[];
  const last = rows[rows.length - 1];
  if (last !== undefined) {
    c.fold.apply(parseRows(rows));
    c.refs += rows.length;
    c.lastIdx = last.idx;
    c.lastHash = last.hash;
  }
  return c.fold.list();
}

type CatalogRow = { flag: string; fid: number; info: string; states: string };

/**
 * Type-ahead over defined flags: key prefix first, then key substring, then owner or service matches; ties by key.
 * An empty query lists flags by key. Flags the ledger changed but never defined are not listed.
 */
export function listFlags(db: Database.Database, args: { query: string; limit: number }): FlagSummary[] {
  ensureViews(db);
  const rows = stmt(db, 'SELECT flag, fid, info, states FROM view_flags WHERE info IS NOT NULL').all() as CatalogRow[];
  const ranked: { rank: number; key: string; row: CatalogRow; info: FlagInfo }[] = [];
  for (const row of rows) {
    const info = JSON.parse(row.info) as FlagInfo;
    const rank = flagMatchRank(info, args.query);
    if (rank !== null) ranked.push({ rank, key: row.flag, row, info });
  }
  ranked.sort((a, b) => a.rank - b.rank || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return ranked.slice(0, Math.max(0, args.limit)).map((r) => flagSummaryOf(r.info, recordOf(r.row).states));
}

/** Everything about one flag; throws E_FLAG_NOT_FOUND when the ledger never defined it. */
export function flagDetail(db: Database.Database, key: string): FlagDetail {
  ensureViews(db);
  const rec = loadFlag(db, key);
  if (rec === null || rec.info === null) throw flagNotFound(key);
  const dependents = stmt(db, 'SELECT flag FROM view_prerequisites WHERE prerequisite = ? ORDER BY flag')
    .pluck()
    .all(key) as string[];
  const last = stmt(
    db,
    'SELECT idx FROM view_entries WHERE flag = ? AND change = 1 AND env IS NOT NULL ORDER BY idx DESC LIMIT 1',
  )
    .pluck()
    .get(rec.fid) as number | undefined;
  return flagDetailOf(rec.info, rec.states, dependents, last ?? null);
}

/** Change requests with `status` (or all), newest first, at most MAX_CHANGE_REQUESTS. */
export function listChangeRequests(
  db: Database.Database,
  status: ChangeRequest['status'] | 'ALL',
  limit = MAX_CHANGE_REQUESTS,
): ChangeRequest[] {
  ensureViews(db);
  const ids = (
    status === 'ALL'
      ? stmt(db, 'SELECT id FROM view_change_requests ORDER BY created_idx DESC LIMIT ?').pluck().all(limit)
      : stmt(db, 'SELECT id FROM view_change_requests WHERE status = ? ORDER BY created_idx DESC LIMIT ?')
          .pluck()
          .all(status, limit)
  ) as string[];
  return foldRequests(db, ids);
}
