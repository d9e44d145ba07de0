/**
 * Incidents: `view_incidents` holds each incident as the shared fold (shared/state/incidents.ts) leaves it, one step
 * per `incident.*` entry as the entry is indexed, so listing them reads one small table instead of refolding every
 * incident entry of the ledger (twenty thousand scattered leaves in a million-entry replica) at each start.
 */
import type Database from 'better-sqlite3';
import type { Incident } from '../../shared/ipc/types/domain.ts';
import { incidentStep, sortIncidents, type IncidentLeaf } from '../../shared/state/incidents.ts';
import { REF_KIND } from './ref-kind.ts';
import { parseRows, stmt, type LeafRow } from './sql.ts';

/** Applies the step of one incident entry (entries are applied in idx order). */
export function applyIncidentLeaf(db: Database.Database, leaf: IncidentLeaf): void {
  const step = incidentStep(leaf);
  if (step === null) return;
  if (step.kind === 'status') {
    stmt(db, "UPDATE view_incidents SET status = ? WHERE id = ? AND status != 'resolved'").run(step.status, step.id);
    return;
  }
  const i = step.incident;
  stmt(
    db,
    `INSERT OR IGNORE INTO view_incidents (id, service, title, severity, source, status, triggered_at, idx)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(i.id, i.service, i.title, i.severity, i.source, i.status, i.triggeredAt, i.idx);
}

/** Refolds `view_incidents` from every indexed incident entry (a migration, or a rewind of the index). */
export function rebuildIncidents(db: Database.Database): void {
  stmt(db, 'DELETE FROM view_incidents').run();
  // In idx order: one pass over the entries' pages, not one page per ref.
  const rows = stmt(
    db,
    `SELECT idx, CAST(leaf AS TEXT) AS leaf FROM entries
    WHERE idx IN (SELECT idx FROM view_refs WHERE kind = ${REF_KIND.incident}) ORDER BY idx`,
  ).all() as LeafRow[];
  for (const leaf of parseRows(rows)) applyIncidentLeaf(db, leaf);
}

interface IncidentRow {
  id: string;
  service: string;
  title: string;
  severity: string;
  source: Incident['source'];
  status: Incident['status'];
  triggered_at: string;
  idx: number;
}

const COLUMNS = 'id, service, title, severity, source, status, triggered_at, idx';

function incidentOf(r: IncidentRow): Incident {
  return {
    id: r.id,
    service: r.service,
    title: r.title,
    severity: r.severity,
    source: r.source,
    status: r.status,
    triggeredAt: r.triggered_at,
    idx: r.idx,
  };
}

/** The active incidents (few at any time), active first then newest first. */
export function activeIncidentRows(db: Database.Database): Incident[] {
  const rows = stmt(db, `SELECT ${COLUMNS} FROM view_incidents WHERE status IN ('triggered', 'acknowledged')`).all();
  return sortIncidents((rows as IncidentRow[]).map(incidentOf));
}

/** The newest `limit` resolved incidents (by the status index) and how many there are. */
export function resolvedIncidentPage(db: Database.Database, limit: number): { page: Incident[]; total: number } {
  const rows = stmt(
    db,
    `SELECT ${COLUMNS} FROM view_incidents WHERE status = 'resolved' ORDER BY triggered_at DESC, idx DESC LIMIT ?`,
  ).all(limit) as IncidentRow[];
  const total = stmt(db, "SELECT count(*) FROM view_incidents WHERE status = 'resolved'").pluck().get() as number;
  return { page: sortIncidents(rows.map(incidentOf)), total };
}
