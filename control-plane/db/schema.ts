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
CREATE TRIGGER approvals_not_self BEFORE INSERT ON approvals
  WHEN NEW.approver = (SELECT requested_by FROM change_requests WHERE id = NEW.change_request_id)
  BEGIN SELECT RAISE(ABORT, 'SELF_APPROVAL: the requester of a change cannot approve it'); END;
CREATE TABLE schedules (
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

/** Migrations in order; migration i brings user_version from i to i + 1. */
export const MIGRATIONS: readonly string[] = [LEDGER + PEOPLE + FLAGS + WORKFLOW];
