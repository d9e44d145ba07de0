/**
 * The correlation index: tables kept in the replica database next to the ledger engineer's `entries`, never touching
 * them. Versioned in its own `correlate_schema` row (PRAGMA user_version belongs to the replica's migrations).
 * Rows are derived from entries only, so the whole index can be dropped and rebuilt at any time. `correlate_catalog`
 * stores, per metadata entry, the flag's definition folded up to and including it (JSON FlagInfo), so "the catalog as
 * of time T" is one indexed lookup per flag instead of a replay of scattered entries.
 */
import type Database from 'better-sqlite3';

/** One step of the index schema. */
export interface IndexMigration {
  version: number;
  description: string;
  sql: string;
}

const V1 = `
CREATE TABLE correlate_state (id INTEGER PRIMARY KEY CHECK (id = 1), indexed_size INTEGER NOT NULL, tip_hash BLOB);
INSERT INTO correlate_state (id, indexed_size, tip_hash) VALUES (1, 0, NULL);
CREATE TABLE correlate_changes (idx INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, flag TEXT NOT NULL, env TEXT);
CREATE INDEX correlate_changes_ts ON correlate_changes (ts_ms);
CREATE INDEX correlate_changes_flag ON correlate_changes (flag, ts_ms);
CREATE TABLE correlate_catalog (idx INTEGER PRIMARY KEY, flag TEXT NOT NULL, ts_ms INTEGER NOT NULL, info TEXT NOT NULL);
CREATE INDEX correlate_catalog_flag ON correlate_catalog (flag, ts_ms, idx);
CREATE TABLE correlate_flag_services (service TEXT NOT NULL, flag TEXT NOT NULL, PRIMARY KEY (service, flag)) WITHOUT ROWID;
CREATE TABLE correlate_prerequisites (prerequisite TEXT NOT NULL, flag TEXT NOT NULL, PRIMARY KEY (prerequisite, flag)) WITHOUT ROWID;
CREATE TABLE correlate_incidents (incident TEXT NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (incident, idx)) WITHOUT ROWID;
CREATE TABLE correlate_approvals (change_request TEXT NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (change_request, idx)) WITHOUT ROWID;
`;

/** Every index migration, in order. */
export const INDEX_MIGRATIONS: readonly IndexMigration[] = [
  {
    version: 1,
    description: 'correlation index tables (time, flag, service, prerequisites, incidents, approvals)',
    sql: V1,
  },
];

/** The index schema version this code writes. */
export const INDEX_SCHEMA_VERSION = INDEX_MIGRATIONS.length;

function tableExists(db: Database.Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/** The index schema version of `db` (0 when it has no correlation index yet). */
export function indexSchemaVersion(db: Database.Database): number {
  if (!tableExists(db, 'correlate_schema')) return 0;
  const row = db.prepare('SELECT version FROM correlate_schema WHERE id = 1').get() as { version: number } | undefined;
  return row?.version ?? 0;
}

/**
 * Creates or upgrades the index tables, one transaction per step. Throws E_INDEX_TOO_NEW when a newer console wrote
 * them, so an old build never edits a layout it does not know.
 */
export function migrateIndex(db: Database.Database): number {
  const current = indexSchemaVersion(db);
  if (current > INDEX_SCHEMA_VERSION) {
    throw new Error(
      `E_INDEX_TOO_NEW: the correlation index has version ${current}, newer than this console (${INDEX_SCHEMA_VERSION}). Update the console.`,
    );
  }
  for (const m of INDEX_MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(
        'CREATE TABLE IF NOT EXISTS correlate_schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)',
      );
      db.exec(m.sql);
      db.prepare(
        'INSERT INTO correlate_schema (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version',
      ).run(m.version);
    })();
  }
  return indexSchemaVersion(db);
}
