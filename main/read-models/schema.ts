/**
 * The console's read-model index: `view_*` tables kept in the replica database next to the ledger's `entries`, never
 * touching them (nor PRAGMA user_version, which belongs to the replica's migrations). Versioned by its own
 * `view_schema` row. Every row is derived from entries, so the whole index can be dropped and rebuilt at any time.
 *
 * Strings that repeat on every entry (actor, action, flag, env) are interned in `view_names`, so each entry row and
 * each of its filter indexes holds small integers: that keeps the initial catch-up of a million entries in seconds.
 * `change_rank` is the number of user-facing changes up to and including the entry: "changes only" pages and counts
 * (the timeline's and the audit table's main filter) are then binary searches instead of scans.
 */
import type Database from 'better-sqlite3';
import { AppError } from '../ipc/app-error.ts';
import { rebuildIncidents } from './incident-store.ts';

/** One step of the view schema. */
export interface ViewMigration {
  version: number;
  description: string;
  sql: string;
  /** Fills the new tables from what earlier versions indexed (same transaction as `sql`). */
  populate?: (db: Database.Database) => void;
}

const V1 = `
CREATE TABLE view_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  indexed_size INTEGER NOT NULL,
  tip_hash BLOB,
  last_ts_ms INTEGER,
  ts_sorted INTEGER NOT NULL,
  change_count INTEGER NOT NULL,
  generation INTEGER NOT NULL
);
INSERT INTO view_state (id, indexed_size, tip_hash, last_ts_ms, ts_sorted, change_count, generation) VALUES (1, 0, NULL, NULL, 1, 0, 0);
CREATE TABLE view_names (id INTEGER PRIMARY KEY, kind INTEGER NOT NULL, name TEXT NOT NULL, UNIQUE (kind, name));
CREATE TABLE view_entries (
  idx INTEGER PRIMARY KEY,
  ts_ms INTEGER NOT NULL,
  actor_type INTEGER NOT NULL,
  actor INTEGER NOT NULL,
  action INTEGER NOT NULL,
  flag INTEGER,
  env INTEGER,
  change INTEGER NOT NULL,
  sets_state INTEGER NOT NULL,
  change_rank INTEGER NOT NULL
);
CREATE TABLE view_catalog (idx INTEGER PRIMARY KEY, flag TEXT NOT NULL, info TEXT NOT NULL);
CREATE INDEX view_catalog_flag ON view_catalog (flag, idx);
CREATE TABLE view_flags (
  flag TEXT PRIMARY KEY,
  fid INTEGER NOT NULL,
  owner TEXT,
  tier TEXT,
  info TEXT,
  states TEXT NOT NULL
);
CREATE INDEX view_flags_owner ON view_flags (owner);
CREATE INDEX view_flags_tier ON view_flags (tier);
CREATE TABLE view_flag_services (service TEXT NOT NULL, flag TEXT NOT NULL, PRIMARY KEY (service, flag)) WITHOUT ROWID;
CREATE INDEX view_flag_services_flag ON view_flag_services (flag);
CREATE TABLE view_prerequisites (prerequisite TEXT NOT NULL, flag TEXT NOT NULL, PRIMARY KEY (prerequisite, flag)) WITHOUT ROWID;
CREATE INDEX view_prerequisites_flag ON view_prerequisites (flag);
CREATE TABLE view_refs (kind INTEGER NOT NULL, ref TEXT NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (kind, ref, idx)) WITHOUT ROWID;
CREATE INDEX view_refs_idx ON view_refs (idx);
CREATE TABLE view_change_requests (id TEXT PRIMARY KEY, created_idx INTEGER NOT NULL, status TEXT NOT NULL);
CREATE INDEX view_change_requests_status ON view_change_requests (status, created_idx);
CREATE TABLE view_subtrees (chunk INTEGER PRIMARY KEY, hash BLOB NOT NULL CHECK (length(hash) = 32));
`;

const V2 = `
CREATE TABLE view_incidents (
  id TEXT PRIMARY KEY,
  service TEXT NOT NULL,
  title TEXT NOT NULL,
  severity TEXT NOT NULL,
  source TEXT NOT NULL,
  status TEXT NOT NULL,
  triggered_at TEXT NOT NULL,
  idx INTEGER NOT NULL
);
`;

const V3 = `
CREATE INDEX view_incidents_by_status ON view_incidents (status, triggered_at, idx);
`;

/**
 * Filter indexes of view_entries for the selective filters (a flag, an actor, an action). Dense filters (env,
 * changes only) and time windows (an idx range on a time-sorted ledger) need none. Catch-up drops them while it bulk
 * loads a large backlog (building them afterwards is many times faster than a million scattered inserts) and creates
 * them whenever the index is complete, so a crash in between only costs a rebuild.
 */
export const FILTER_INDEXES: readonly { name: string; sql: string }[] = [
  { name: 'view_entries_flag', sql: 'CREATE INDEX IF NOT EXISTS view_entries_flag ON view_entries (flag, idx)' },
  { name: 'view_entries_actor', sql: 'CREATE INDEX IF NOT EXISTS view_entries_actor ON view_entries (actor, idx)' },
  { name: 'view_entries_action', sql: 'CREATE INDEX IF NOT EXISTS view_entries_action ON view_entries (action, idx)' },
];

/** Created only once a ledger shows a timestamp going backwards (then time windows are not idx ranges). */
export const TIME_INDEX = 'CREATE INDEX IF NOT EXISTS view_entries_ts ON view_entries (ts_ms)';

/** Every view migration, in order. */
export const VIEW_MIGRATIONS: readonly ViewMigration[] = [
  {
    version: 1,
    description: 'entry filters, flag catalog and states, incident and change-request refs, subtree cache',
    sql: V1,
  },
  {
    version: 2,
    description: 'incidents as folded so far (listing them no longer refolds every incident entry)',
    sql: V2,
    populate: rebuildIncidents,
  },
  {
    version: 3,
    description: 'incidents by status and time (the screen reads the active ones and a page of the newest resolved)',
    sql: V3,
  },
];

/** The view schema version this code writes. */
export const READ_MODEL_SCHEMA_VERSION = VIEW_MIGRATIONS.length;

/** Kinds of interned names in view_names. */
export const NAME_KIND = { actor: 1, action: 2, flag: 3, env: 4 } as const;

/** A kind of interned name. */
export type NameKind = (typeof NAME_KIND)[keyof typeof NAME_KIND];

export { REF_KIND } from './ref-kind.ts';

function tableExists(db: Database.Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/** The view schema version of `db` (0 when it has no view index yet). */
export function readModelSchemaVersion(db: Database.Database): number {
  if (!tableExists(db, 'view_schema')) return 0;
  const row = db.prepare('SELECT version FROM view_schema WHERE id = 1').get() as { version: number } | undefined;
  return row?.version ?? 0;
}

/**
 * Creates or upgrades the view tables, one transaction per step. Throws E_VIEWS_TOO_NEW when a newer console wrote
 * them, so an old build never edits a layout it does not know.
 */
export function migrateReadModels(db: Database.Database): number {
  const current = readModelSchemaVersion(db);
  if (current > READ_MODEL_SCHEMA_VERSION) {
    throw new AppError(
      'E_VIEWS_TOO_NEW',
      `The replica's view index has version ${current}, newer than this console (${READ_MODEL_SCHEMA_VERSION}). Update the console.`,
    );
  }
  for (const m of VIEW_MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(
        'CREATE TABLE IF NOT EXISTS view_schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)',
      );
      db.exec(m.sql);
      if (m.version === 1) for (const i of FILTER_INDEXES) db.exec(i.sql);
      m.populate?.(db);
      db.prepare(
        'INSERT INTO view_schema (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version',
      ).run(m.version);
    })();
  }
  return readModelSchemaVersion(db);
}
