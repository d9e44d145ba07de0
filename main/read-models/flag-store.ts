/**
 * The current record of each flag (catalog FlagInfo from shared/correlate, per-environment states) in `view_flags`,
 * with its current services and prerequisite edges for filters and dependents. Catch-up works on an in-memory set
 * of touched records and writes each once per batch.
 */
import type Database from 'better-sqlite3';
import type { FlagInfo } from '../../shared/correlate/index.ts';
import type { EnvState } from '../../shared/ipc/types/domain.ts';
import { stmt } from './sql.ts';

/** A flag's current record. */
export interface FlagRecord {
  flag: string;
  fid: number;
  info: FlagInfo | null;
  states: Record<string, EnvState>;
  /** info changed since loaded (services and prerequisite edges must be rewritten). */
  infoChanged: boolean;
}

interface FlagRow {
  flag: string;
  fid: number;
  info: string | null;
  states: string;
}

/** Reads the stored record of `flag` (rows are written only by this module). */
export function loadFlag(db: Database.Database, flag: string): FlagRecord | null {
  const row = stmt(db, 'SELECT flag, fid, info, states FROM view_flags WHERE flag = ?').get(flag) as
    FlagRow | undefined;
  return row === undefined ? null : recordOf(row);
}

/** Decodes a view_flags row. */
export function recordOf(row: FlagRow): FlagRecord {
  return {
    flag: row.flag,
    fid: row.fid,
    info: row.info === null ? null : (JSON.parse(row.info) as FlagInfo),
    states: JSON.parse(row.states) as Record<string, EnvState>,
    infoChanged: false,
  };
}

/** Current records of the given flags (unknown keys are absent). */
export function loadFlags(db: Database.Database, flags: readonly string[]): Map<string, FlagRecord> {
  if (flags.length === 0) return new Map();
  const rows = stmt(
    db,
    'SELECT flag, fid, info, states FROM view_flags WHERE flag IN (SELECT value FROM json_each(?))',
  ).all(JSON.stringify(flags)) as FlagRow[];
  return new Map(rows.map((r) => [r.flag, recordOf(r)]));
}

function writeEdges(db: Database.Database, r: FlagRecord): void {
  stmt(db, 'DELETE FROM view_flag_services WHERE flag = ?').run(r.flag);
  stmt(db, 'DELETE FROM view_prerequisites WHERE flag = ?').run(r.flag);
  if (r.info === null) return;
  for (const s of new Set(r.info.services ?? []))
    stmt(db, 'INSERT OR IGNORE INTO view_flag_services (service, flag) VALUES (?, ?)').run(s, r.flag);
  if (r.info.tombstoned) return; // a tombstoned flag can never change again, so it depends on nothing any more
  for (const p of new Set(Object.values(r.info.prerequisites).flat())) {
    stmt(db, 'INSERT OR IGNORE INTO view_prerequisites (prerequisite, flag) VALUES (?, ?)').run(p, r.flag);
  }
}

/** Writes a record (and, when its info changed, its service and prerequisite rows) inside the caller's transaction. */
export function saveFlag(db: Database.Database, r: FlagRecord): void {
  stmt(
    db,
    `INSERT INTO view_flags (flag, fid, owner, tier, info, states) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (flag) DO UPDATE SET owner = excluded.owner, tier = excluded.tier, info = excluded.info, states = excluded.states`,
  ).run(
    r.flag,
    r.fid,
    r.info?.owner ?? null,
    r.info?.tier ?? null,
    r.info === null ? null : JSON.stringify(r.info),
    JSON.stringify(r.states),
  );
  if (r.infoChanged) writeEdges(db, r);
  r.infoChanged = false;
}

/** Removes a flag the rewound entries had introduced. */
export function dropFlag(db: Database.Database, flag: string): void {
  stmt(db, 'DELETE FROM view_flags WHERE flag = ?').run(flag);
  stmt(db, 'DELETE FROM view_flag_services WHERE flag = ?').run(flag);
  stmt(db, 'DELETE FROM view_prerequisites WHERE flag = ?').run(flag);
}

/** The flag's catalog record as of entry `idx` (the latest catalog entry at or before it), or null. */
export function infoAsOf(db: Database.Database, flag: string, idx: number): FlagInfo | null {
  const row = stmt(db, 'SELECT info FROM view_catalog WHERE flag = ? AND idx <= ? ORDER BY idx DESC LIMIT 1').get(
    flag,
    idx,
  ) as { info: string } | undefined;
  return row === undefined ? null : (JSON.parse(row.info) as FlagInfo);
}
