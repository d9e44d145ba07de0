/**
 * Rewinds the view index to `from` (the verified boundary) when the replica rewrote its unverified tail: rows of the
 * dropped entries go, and every flag record, change request and incident they touched is rebuilt from what remains.
 */
import type Database from 'better-sqlite3';
import { foldEnvStates } from '../../shared/state/env-state.ts';
import { refreshRequests } from './cr-store.ts';
import { dropFlag, infoAsOf, loadFlag, saveFlag } from './flag-store.ts';
import { rebuildIncidents } from './incident-store.ts';
import { REF_KIND } from './schema.ts';
import { parseRows, stmt, type LeafRow } from './sql.ts';

function rebuildFlag(db: Database.Database, flag: string, from: number): void {
  const current = loadFlag(db, flag);
  if (current === null) return;
  const rows = stmt(
    db,
    `SELECT v.idx AS idx, CAST(e.leaf AS TEXT) AS leaf FROM view_entries v JOIN entries e ON e.idx = v.idx
    WHERE v.flag = ? AND v.sets_state = 1 AND v.idx < ? ORDER BY v.idx`,
  ).all(current.fid, from) as LeafRow[];
  const info = from === 0 ? null : infoAsOf(db, flag, from - 1);
  const states = foldEnvStates(parseRows(rows));
  const hasEntries =
    stmt(db, 'SELECT 1 FROM view_entries WHERE flag = ? AND idx < ? LIMIT 1').get(current.fid, from) !== undefined;
  if (!hasEntries) {
    dropFlag(db, flag);
    return;
  }
  saveFlag(db, { ...current, info, states, infoChanged: true });
}

/** Deletes index rows of entries ≥ `from` and rebuilds what they touched (inside a transaction the caller opened). */
export function rewindViews(db: Database.Database, from: number): void {
  const flags = stmt(
    db,
    `SELECT DISTINCT n.name FROM view_entries v JOIN view_names n ON n.id = v.flag WHERE v.idx >= ? AND v.flag IS NOT NULL`,
  )
    .pluck()
    .all(from) as string[];
  const requests = stmt(db, `SELECT DISTINCT ref FROM view_refs WHERE idx >= ? AND kind = ${REF_KIND.changeRequest}`)
    .pluck()
    .all(from) as string[];
  stmt(db, 'DELETE FROM view_catalog WHERE idx >= ?').run(from);
  const incidents = stmt(db, `SELECT 1 FROM view_refs WHERE idx >= ? AND kind = ${REF_KIND.incident} LIMIT 1`).get(
    from,
  );
  stmt(db, 'DELETE FROM view_refs WHERE idx >= ?').run(from);
  // Rare (a rewritten unverified tail that held incident entries): the incidents are refolded from what remains.
  if (incidents !== undefined) rebuildIncidents(db);
  for (const flag of flags) rebuildFlag(db, flag, from);
  stmt(db, 'DELETE FROM view_entries WHERE idx >= ?').run(from);
  refreshRequests(db, requests);
  const hash =
    from === 0
      ? null
      : ((stmt(db, 'SELECT leaf_hash AS h FROM entries WHERE idx = ?').get(from - 1) as { h: Buffer } | undefined)?.h ??
        null);
  const prev =
    from === 0
      ? undefined
      : (stmt(db, 'SELECT ts_ms AS t, change_rank AS r FROM view_entries WHERE idx = ?').get(from - 1) as
          { t: number; r: number } | undefined);
  // ts_sorted stays as it was: a rewind cannot make the remaining prefix less sorted, and re-proving it would cost a scan.
  stmt(
    db,
    'UPDATE view_state SET indexed_size = ?, tip_hash = ?, last_ts_ms = ?, change_count = ?, generation = generation + 1 WHERE id = 1',
  ).run(from, hash, prev?.t ?? null, prev?.r ?? 0);
}
