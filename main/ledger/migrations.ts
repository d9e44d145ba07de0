/**
 * Replica schema, versioned with PRAGMA user_version. Each migration runs in its own transaction; tests migrate an
 * in-memory database to every version in turn. Never edit a shipped migration: add a new one.
 */
import type Database from 'better-sqlite3';

/** One schema step: brings a database from version `version - 1` to `version`. */
export interface Migration {
  version: number;
  description: string;
  up(db: Database.Database): void;
}

const TABLES = `
CREATE TABLE entries (
  idx INTEGER PRIMARY KEY CHECK (idx >= 0),
  leaf BLOB NOT NULL,
  leaf_hash BLOB NOT NULL CHECK (length(leaf_hash) = 32)
);
CREATE TABLE held_entries (
  idx INTEGER PRIMARY KEY CHECK (idx >= 0),
  leaf BLOB NOT NULL,
  received_at INTEGER NOT NULL
);
CREATE TABLE checkpoints (
  size INTEGER PRIMARY KEY CHECK (size >= 0),
  root BLOB NOT NULL CHECK (length(root) = 32),
  note TEXT NOT NULL,
  peaks BLOB NOT NULL,
  received_at INTEGER NOT NULL
);
CREATE TABLE verification_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  origin TEXT NOT NULL,
  verified_size INTEGER NOT NULL CHECK (verified_size >= 0),
  root BLOB NOT NULL CHECK (length(root) = 32),
  peaks BLOB NOT NULL,
  latest_note TEXT,
  awaiting_note TEXT,
  halted TEXT,
  updated_at INTEGER NOT NULL
);
CREATE TABLE trusted_keys (
  name TEXT NOT NULL,
  key_id TEXT NOT NULL,
  public_key BLOB NOT NULL CHECK (length(public_key) = 32),
  valid_from_size INTEGER NOT NULL DEFAULT 0,
  valid_until_size INTEGER,
  revoked INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
  added_at INTEGER NOT NULL,
  PRIMARY KEY (name, key_id)
);
CREATE TABLE evidence (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  idx INTEGER,
  note_a TEXT,
  note_b TEXT,
  leaf_a BLOB,
  leaf_b BLOB,
  proof BLOB,
  detail TEXT NOT NULL,
  detected_at INTEGER NOT NULL
);
`;

// Triggers guard against bugs, not attackers (anyone who can write the file can drop them; signatures guard that).
const GUARDS = `
CREATE INDEX entries_idx_hash ON entries (idx, leaf_hash);
CREATE VIEW pending_entries AS
  SELECT idx, leaf, leaf_hash FROM entries WHERE idx >= (SELECT verified_size FROM verification_state WHERE id = 1);
CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
  BEGIN SELECT RAISE(ABORT, 'LEDGER_APPEND_ONLY: ledger entries are never updated'); END;
CREATE TRIGGER entries_no_delete_verified BEFORE DELETE ON entries
  WHEN OLD.idx < (SELECT verified_size FROM verification_state WHERE id = 1)
  BEGIN SELECT RAISE(ABORT, 'LEDGER_APPEND_ONLY: verified entries are never deleted'); END;
CREATE TRIGGER entries_contiguous BEFORE INSERT ON entries
  WHEN NEW.idx <> (SELECT coalesce(max(idx) + 1, 0) FROM entries)
  BEGIN SELECT RAISE(ABORT, 'LEDGER_GAP: entries are appended at the next index only'); END;
CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
  BEGIN SELECT RAISE(ABORT, 'LEDGER_APPEND_ONLY: checkpoints are never updated'); END;
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
  BEGIN SELECT RAISE(ABORT, 'LEDGER_APPEND_ONLY: checkpoints are never deleted'); END;
CREATE TRIGGER evidence_no_update BEFORE UPDATE ON evidence
  BEGIN SELECT RAISE(ABORT, 'LEDGER_APPEND_ONLY: evidence is never updated'); END;
CREATE TRIGGER evidence_no_delete BEFORE DELETE ON evidence
  BEGIN SELECT RAISE(ABORT, 'LEDGER_APPEND_ONLY: evidence is never deleted'); END;
CREATE TRIGGER state_no_shrink BEFORE UPDATE OF verified_size ON verification_state
  WHEN NEW.verified_size < OLD.verified_size
  BEGIN SELECT RAISE(ABORT, 'LEDGER_APPEND_ONLY: the verified size never shrinks'); END;
`;

/** Every migration, in order; the last version is the current schema. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, description: 'ledger tables', up: (db) => db.exec(TABLES) },
  { version: 2, description: 'covering hash index, pending view, append-only triggers', up: (db) => db.exec(GUARDS) },
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** The database's schema version (PRAGMA user_version). */
export function schemaVersion(db: Database.Database): number {
  return Number(db.pragma('user_version', { simple: true }));
}

/**
 * Migrates `db` up to `target` (default: current), one transaction per step. Throws E_SCHEMA_TOO_NEW if the file was
 * written by a newer version of the console, so an old build never edits a schema it does not know.
 */
export function migrate(db: Database.Database, target = SCHEMA_VERSION): number {
  const current = schemaVersion(db);
  if (current > SCHEMA_VERSION) {
    throw new Error(
      `E_SCHEMA_TOO_NEW: the replica has schema version ${current}, newer than this console (${SCHEMA_VERSION}). Update the console.`,
    );
  }
  for (const m of MIGRATIONS) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return schemaVersion(db);
}
