/**
 * The control plane's schema, as migrations tracked with PRAGMA user_version. Invariants live here as triggers, so a
 * bug in the service code cannot break them: the ledger and checkpoints are append-only and contiguous, a tombstoned
 * key can never be inserted into flags again, tombstones are permanent, and nobody can approve their own request.
 */

const LEDGER = `
CREATE TABLE ledger (
  idx INTEGER PRIMARY KEY,
  leaf TEXT NOT NULL,
  leaf_hash BLOB NOT NULL CHECK (length(leaf_hash) = 32),
  action TEXT NOT NULL,
  flag TEXT,
  env TEXT,
  ts TEXT NOT NULL
);
CREATE INDEX ledger_by_flag ON ledger (flag, env, idx);
CREATE TRIGGER ledger_contiguous BEFORE INSERT ON ledger
  WHEN NEW.idx IS NOT COALESCE((SELECT MAX(idx) FROM ledger), -1) + 1
  BEGIN SELECT RAISE(ABORT, 'LEDGER_GAP: ledger entries are appended at the next index only'); END;
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
  BEGIN SELECT RAISE(ABORT, 'LEDGER_APPEND_ONLY: ledger entries are never updated'); END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
  BEGIN SELECT RAISE(ABORT, 'LEDGER_APPEND_ONLY: ledger entries are never deleted'); END;

CREATE TABLE checkpoints (
  size INTEGER PRIMARY KEY,
  root BLOB NOT NULL CHECK (length(root) = 32),
  note TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TRIGGER checkpoints_grow BEFORE INSERT ON checkpoints
  WHEN NEW.size <= COALESCE((SELECT MAX(size) FROM checkpoints), -1)
  BEGIN SELECT RAISE(ABORT, 'CHECKPOINT_ORDER: checkpoints only grow'); END;
CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
  BEGIN SELECT RAISE(ABORT, 'LEDGER_APPEND_ONLY: checkpoints are never updated'); END;
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
  BEGIN SELECT RAISE(ABORT, 'LEDGER_APPEND_ONLY: checkpoints are never deleted'); END;

CREATE TABLE signing_keys (
  name TEXT PRIMARY KEY,
  public_key BLOB NOT NULL CHECK (length(public_key) = 32),
  vkey TEXT NOT NULL,
  valid_from_size INTEGER NOT NULL,
  valid_until_size INTEGER,
  created_at INTEGER NOT NULL
);
`;

const PEOPLE = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE users (
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL CHECK (role IN ('viewer', 'responder', 'approver', 'admin')),
  created_at INTEGER NOT NULL
);
CREATE TABLE tokens (
  hash TEXT PRIMARY KEY,
  user_name TEXT NOT NULL REFERENCES users (name),
  created_at INTEGER NOT NULL
);
CREATE TABLE idempotency (
  user_name TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user_name, key)
);
`;

const FLAGS = `
CREATE TABLE flags (
  key TEXT PRIMARY KEY,
  type TEXT NOT NULL CHECK (type IN ('release', 'ops', 'experiment', 'permission', 'kill-switch')),
  owner TEXT NOT NULL,
  description TEXT NOT NULL,
  tier TEXT NOT NULL CHECK (tier IN ('LOW', 'MEDIUM', 'HIGH', 'BLOCKED')),
  stage TEXT NOT NULL CHECK (stage IN ('DRAFT', 'ACTIVE', 'ROLLING_OUT', 'FULL_ROLLOUT', 'CLEANUP')),
  safe_default TEXT NOT NULL,
  services TEXT NOT NULL,
  expires_at TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE flag_envs (
  flag_key TEXT NOT NULL REFERENCES flags (key) ON DELETE CASCADE,
  env TEXT NOT NULL,
  state TEXT NOT NULL,
  version INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (flag_key, env)
);
CREATE TABLE tombstones (
  flag_key TEXT PRIMARY KEY,
  archived_at INTEGER NOT NULL,
  archived_by TEXT NOT NULL,
  final_ledger_idx INTEGER NOT NULL,
  final_leaf_hash BLOB NOT NULL,
  definition TEXT NOT NULL
);
CREATE TRIGGER flags_reject_tombstoned BEFORE INSERT ON flags
  WHEN EXISTS (SELECT 1 FROM tombstones WHERE flag_key = NEW.key)
  BEGIN SELECT RAISE(ABORT, 'KEY_TOMBSTONED: this flag key was archived and can never be used again'); END;
CREATE TRIGGER flags_reject_tombstoned_rename BEFORE UPDATE OF key ON flags
  WHEN EXISTS (SELECT 1 FROM tombstones WHERE flag_key = NEW.key)
  BEGIN SELECT RAISE(ABORT, 'KEY_TOMBSTONED: this flag key was archived and can never be used again'); END;
CREATE TRIGGER tombstones_no_update BEFORE UPDATE ON tombstones
  BEGIN SELECT RAISE(ABORT, 'TOMBSTONE_PERMANENT: tombstones are never changed'); END;
CREATE TRIGGER tombstones_no_delete BEFORE DELETE ON tombstones
  BEGIN SELECT RAISE(ABORT, 'TOMBSTONE_PERMANENT: tombstones are never removed'); END;
`;

const SELF_APPROVAL = `CREATE TRIGGER approvals_not_self BEFORE INSERT ON approvals
  WHEN NEW.approver = (SELECT requested_by FROM change_requests WHERE id = NEW.change_request_id)
  BEGIN SELECT RAISE(ABORT, 'SELF_APPROVAL: the requester of a change cannot approve it'); END;
`;

const EDGES = `
CREATE TABLE prerequisite_edges (
  prerequisite TEXT NOT NULL,
  env TEXT NOT NULL,
  flag_key TEXT NOT NULL,
  PRIMARY KEY (prerequisite, env, flag_key)
) WITHOUT ROWID;
INSERT OR IGNORE INTO prerequisite_edges (prerequisite, env, flag_key)
  SELECT p.value, fe.env, fe.flag_key FROM flag_envs fe, json_each(fe.state, '$.prerequisites') p;
CREATE TRIGGER flag_envs_edges_insert AFTER INSERT ON flag_envs
  WHEN json_array_length(NEW.state, '$.prerequisites') > 0 BEGIN
  INSERT OR IGNORE INTO prerequisite_edges (prerequisite, env, flag_key)
    SELECT p.value, NEW.env, NEW.flag_key FROM json_each(NEW.state, '$.prerequisites') p;
END;
CREATE TRIGGER flag_envs_edges_update AFTER UPDATE ON flag_envs
  WHEN OLD.flag_key IS NOT NEW.flag_key OR OLD.env IS NOT NEW.env
    OR json_extract(OLD.state, '$.prerequisites') IS NOT json_extract(NEW.state, '$.prerequisites') BEGIN
  DELETE FROM prerequisite_edges WHERE flag_key = OLD.flag_key AND env = OLD.env;
  INSERT OR IGNORE INTO prerequisite_edges (prerequisite, env, flag_key)
    SELECT p.value, NEW.env, NEW.flag_key FROM json_each(NEW.state, '$.prerequisites') p;
END;
CREATE TRIGGER flag_envs_edges_delete AFTER DELETE ON flag_envs BEGIN
  DELETE FROM prerequisite_edges WHERE flag_key = OLD.flag_key AND env = OLD.env;
END;
`;

const WORKFLOW = `
CREATE TABLE change_requests (
  id TEXT PRIMARY KEY,
  flag_key TEXT NOT NULL,
  env TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  reason TEXT NOT NULL,
  before TEXT NOT NULL,
  after TEXT NOT NULL,
  scheduled_at INTEGER,
  payload_hash TEXT NOT NULL,
  required_approvals INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('PENDING', 'SCHEDULED', 'APPLIED', 'REJECTED', 'BLOCKED')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  applied_idx INTEGER
);
CREATE INDEX change_requests_by_status ON change_requests (status, created_at);
CREATE TABLE approvals (
  change_request_id TEXT NOT NULL REFERENCES change_requests (id),
  approver TEXT NOT NULL,
  payload_hash TEXT NOT NULL,
  comment TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (change_request_id, approver, payload_hash)
);
${SELF_APPROVAL}CREATE TABLE schedules (
  id TEXT PRIMARY KEY,
  change_request_id TEXT NOT NULL UNIQUE REFERENCES change_requests (id),
  run_at INTEGER NOT NULL,
  approved_hash TEXT NOT NULL,
  approvers TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('PENDING', 'EXECUTED', 'BLOCKED', 'CANCELLED')),
  created_at INTEGER NOT NULL
);
CREATE INDEX schedules_due ON schedules (status, run_at);
CREATE TABLE break_glass_tokens (
  id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  issued_by TEXT NOT NULL,
  justification TEXT NOT NULL,
  scope TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER,
  used_idx INTEGER,
  created_at INTEGER NOT NULL
);
CREATE TABLE incidents (
  id TEXT PRIMARY KEY,
  source TEXT NOT NULL CHECK (source IN ('pagerduty', 'manual')),
  service TEXT NOT NULL,
  title TEXT NOT NULL,
  severity TEXT NOT NULL,
  env TEXT,
  status TEXT NOT NULL CHECK (status IN ('triggered', 'acknowledged', 'resolved')),
  triggered_at TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  html_url TEXT
);
CREATE TABLE pagerduty_events (id TEXT PRIMARY KEY, received_at INTEGER NOT NULL);
`;

// Change requests gain an operation: `state` (one environment's EnvState, as before), `definition` (safe default,
// tier) or `archive` (tombstone the flag); the last two concern every environment, so `env` becomes nullable. SQLite
// cannot relax NOT NULL in place: the table is rebuilt (open-db.ts runs migrations with foreign keys off and checks
// them afterwards; the self-approval trigger names the table, so it is dropped and created again around the rename).
// Existing rows become `state` requests, unchanged.
//
// The four-eyes gate asks, on every change, which flags depend on this one (a prerequisite of a stricter flag follows
// the stricter tier): `prerequisite_edges` answers that with an index seek. Triggers on flag_envs keep it equal to
// the prerequisites in the states, whatever writes them.
const CR_OPERATIONS = `
DROP TRIGGER approvals_not_self;
CREATE TABLE change_requests_v2 (
  id TEXT PRIMARY KEY,
  flag_key TEXT NOT NULL,
  operation TEXT NOT NULL DEFAULT 'state' CHECK (operation IN ('state', 'definition', 'archive')),
  env TEXT CHECK ((operation = 'state') = (env IS NOT NULL)),
  requested_by TEXT NOT NULL,
  reason TEXT NOT NULL,
  before TEXT NOT NULL,
  after TEXT NOT NULL,
  scheduled_at INTEGER,
  payload_hash TEXT NOT NULL,
  required_approvals INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('PENDING', 'SCHEDULED', 'APPLIED', 'REJECTED', 'BLOCKED')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  applied_idx INTEGER
);
INSERT INTO change_requests_v2 (id, flag_key, operation, env, requested_by, reason, before, after, scheduled_at,
  payload_hash, required_approvals, status, created_at, updated_at, applied_idx)
  SELECT id, flag_key, 'state', env, requested_by, reason, before, after, scheduled_at, payload_hash, required_approvals,
  status, created_at, updated_at, applied_idx FROM change_requests;
DROP TABLE change_requests;
ALTER TABLE change_requests_v2 RENAME TO change_requests;
CREATE INDEX change_requests_by_status ON change_requests (status, created_at);
${SELF_APPROVAL}`;

// SDK keys: read-only credentials of one environment for services that evaluate flags (only a SHA-256 is stored).
// Flags gain optional variants (name → JSON value served by SDKs; null: a boolean flag).
const SDK_KEYS = `
CREATE TABLE sdk_keys (
  id TEXT PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  env TEXT NOT NULL,
  name TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
ALTER TABLE flags ADD COLUMN variants TEXT;
`;

// A break-glass token is used at most once, whatever the service code does: once used_at is set the row is frozen.
const BREAK_GLASS_SINGLE_USE = `
CREATE TRIGGER break_glass_single_use BEFORE UPDATE ON break_glass_tokens
  WHEN OLD.used_at IS NOT NULL
  BEGIN SELECT RAISE(ABORT, 'BREAK_GLASS_USED: break-glass tokens are single use'); END;
`;

/** Migrations in order; migration i brings user_version from i to i + 1. */
export const MIGRATIONS: readonly string[] = [
  LEDGER + PEOPLE + FLAGS + WORKFLOW,
  CR_OPERATIONS + EDGES,
  SDK_KEYS,
  BREAK_GLASS_SINGLE_USE,
];
