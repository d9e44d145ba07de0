/**
 * Incidents, flags and change requests for the UI, each from the view index (never a scan of the ledger) and folded
 * by the pure code in shared/state.
 */
import type Database from 'better-sqlite3';
import type { FlagInfo } from '../../shared/correlate/index.ts';
import type { ChangeRequest, FlagDetail, FlagSummary, IncidentList } from '../../shared/ipc/types/domain.ts';
import { flagDetailOf, flagMatchRank, flagSummaryOf } from '../../shared/state/flags.ts';
import { foldRequests } from './cr-store.ts';
import { flagNotFound } from './errors.ts';
import { activeIncidentRows, resolvedIncidentPage } from './incident-store.ts';
import { loadFlag, recordOf } from './flag-store.ts';
import { ensureViews } from './ready.ts';
import { stmt } from './sql.ts';

/** Most change requests `listChangeRequests` returns (newest first). */
export const MAX_CHANGE_REQUESTS = 500;

/**
 * The incidents the screen needs (kept folded by the index): every active one, then the newest `resolvedLimit`
 * resolved ones, with the number of resolved incidents. Reads two index ranges, not every incident of the ledger.
 */
export function listIncidents(db: Database.Database, args: { resolvedLimit: number }): IncidentList {
  ensureViews(db);
  const resolved = resolvedIncidentPage(db, Math.max(0, args.resolvedLimit));
  return { incidents: [...activeIncidentRows(db), ...resolved.page], resolvedTotal: resolved.total };
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
