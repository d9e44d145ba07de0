/**
 * The control plane's PostgreSQL schema, as migrations tracked in `schema_version` (PostgreSQL's counterpart of
 * schema.ts, whose SQLite migrations it mirrors at their latest version). The same invariants live in the database as
 * triggers and constraints, with the same error texts, so no instance's code can break them: the ledger and
 * checkpoints are append-only and contiguous, one checkpoint per size (the primary key: two instances can never store
 * two roots for one size), a tombstoned key can never be inserted into flags again, tombstones are permanent, nobody
 * can approve their own request, and a break-glass token is used at most once.
 *
 * Integer columns are BIGINT (millisecond timestamps, ledger indexes); the seam (sql.ts) reads them back as numbers.
 */
import { schemaNewer } from './db-errors.ts';
import type { Sql } from './sql.ts';

const LEDGER = `
CREATE TABLE ledger (
  idx BIGINT PRIMARY KEY CHECK (idx >= 0),
  leaf TEXT NOT NULL,
  leaf_hash BYTEA NOT NULL CHECK (length(leaf_hash) = 32),
  action TEXT NOT NULL,
  flag TEXT,
  env TEXT,
  ts TEXT NOT NULL
);
CREATE INDEX ledger_by_flag ON ledger (flag, env, idx);
CREATE FUNCTION ledger_contiguous() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.idx <> COALESCE((SELECT MAX(idx) FROM ledger), -1) + 1 THEN
    RAISE EXCEPTION 'LEDGER_GAP: ledger entries are appended at the next index only';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER ledger_contiguous BEFORE INSERT ON ledger FOR EACH ROW EXECUTE FUNCTION ledger_contiguous();
CREATE FUNCTION reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%', TG_ARGV[0];
END $$;
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
  FOR EACH ROW EXECUTE FUNCTION reject_change('LEDGER_APPEND_ONLY: ledger entries are never updated');
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
  FOR EACH ROW EXECUTE FUNCTION reject_change('LEDGER_APPEND_ONLY: ledger entries are never deleted');
CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger
  FOR EACH STATEMENT EXECUTE FUNCTION reject_change('LEDGER_APPEND_ONLY: ledger entries are never deleted');

-- The sequence row: appenders lock it (SELECT … FOR UPDATE) for the rest of their transaction, so entries from every
-- instance get one order. The database keeps it naming the last entry (size, leaf hash): every insert into the ledger
-- advances it, and nothing else may change it.
CREATE TABLE ledger_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  size BIGINT NOT NULL,
  last_hash BYTEA CHECK (last_hash IS NULL OR length(last_hash) = 32)
);
INSERT INTO ledger_head (id, size, last_hash) VALUES (1, 0, NULL);
CREATE FUNCTION ledger_advance_head() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('tombstone.advancing_head', 'on', true);
  UPDATE ledger_head SET size = NEW.idx + 1, last_hash = NEW.leaf_hash WHERE id = 1;
  PERFORM set_config('tombstone.advancing_head', 'off', true);
  RETURN NULL;
END $$;
CREATE TRIGGER ledger_advance_head AFTER INSERT ON ledger FOR EACH ROW EXECUTE FUNCTION ledger_advance_head();
CREATE FUNCTION ledger_head_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('tombstone.advancing_head', true) IS DISTINCT FROM 'on' THEN
    RAISE EXCEPTION 'LEDGER_APPEND_ONLY: the sequence row follows the ledger and is never changed directly';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER ledger_head_guard BEFORE UPDATE OR DELETE ON ledger_head FOR EACH ROW EXECUTE FUNCTION ledger_head_guard();

CREATE TABLE checkpoints (
  size BIGINT PRIMARY KEY,
  root BYTEA NOT NULL CHECK (length(root) = 32),
  note TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE FUNCTION checkpoints_grow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.size <= COALESCE((SELECT MAX(size) FROM checkpoints), -1) THEN
    RAISE EXCEPTION 'CHECKPOINT_ORDER: checkpoints only grow';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER checkpoints_grow BEFORE INSERT ON checkpoints FOR EACH ROW EXECUTE FUNCTION checkpoints_grow();
CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
  FOR EACH ROW EXECUTE FUNCTION reject_change('LEDGER_APPEND_ONLY: checkpoints are never updated');
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
  FOR EACH ROW EXECUTE FUNCTION reject_change('LEDGER_APPEND_ONLY: checkpoints are never deleted');
CREATE TRIGGER checkpoints_no_truncate BEFORE TRUNCATE ON checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION reject_change('LEDGER_APPEND_ONLY: checkpoints are never deleted');

CREATE TABLE signing_keys (
  name TEXT PRIMARY KEY,
  public_key BYTEA NOT NULL CHECK (length(public_key) = 32),
  vkey TEXT NOT NULL,
  valid_from_size BIGINT NOT NULL,
  valid_until_size BIGINT,
  created_at BIGINT NOT NULL
);

CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE users (
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL CHECK (role IN ('viewer', 'responder', 'approver', 'admin')),
  created_at BIGINT NOT NULL
);
CREATE TABLE tokens (
  hash TEXT PRIMARY KEY,
  user_name TEXT NOT NULL REFERENCES users (name),
  created_at BIGINT NOT NULL
);
CREATE TABLE idempotency (
  user_name TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_name, key)
);

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
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  variants TEXT
);
CREATE TABLE flag_envs (
  flag_key TEXT NOT NULL REFERENCES flags (key) ON DELETE CASCADE,
  env TEXT NOT NULL,
  state TEXT NOT NULL,
  version BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (flag_key, env)
);
CREATE TABLE tombstones (
  flag_key TEXT PRIMARY KEY,
  archived_at BIGINT NOT NULL,
  archived_by TEXT NOT NULL,
  final_ledger_idx BIGINT NOT NULL,
  final_leaf_hash BYTEA NOT NULL,
  definition TEXT NOT NULL
);
CREATE FUNCTION flags_reject_tombstoned() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM tombstones WHERE flag_key = NEW.key) THEN
    RAISE EXCEPTION 'KEY_TOMBSTONED: this flag key was archived and can never be used again';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER flags_reject_tombstoned BEFORE INSERT OR UPDATE OF key ON flags
  FOR EACH ROW EXECUTE FUNCTION flags_reject_tombstoned();
CREATE TRIGGER tombstones_no_update BEFORE UPDATE ON tombstones
  FOR EACH ROW EXECUTE FUNCTION reject_change('TOMBSTONE_PERMANENT: tombstones are never changed');
CREATE TRIGGER tombstones_no_delete BEFORE DELETE ON tombstones
  FOR EACH ROW EXECUTE FUNCTION reject_change('TOMBSTONE_PERMANENT: tombstones are never removed');
CREATE TRIGGER tombstones_no_truncate BEFORE TRUNCATE ON tombstones
  FOR EACH STATEMENT EXECUTE FUNCTION reject_change('TOMBSTONE_PERMANENT: tombstones are never removed');

CREATE TABLE prerequisite_edges (
  prerequisite TEXT NOT NULL,
  env TEXT NOT NULL,
  flag_key TEXT NOT NULL,
  PRIMARY KEY (prerequisite, env, flag_key)
);
CREATE FUNCTION flag_envs_edges() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM prerequisite_edges WHERE flag_key = OLD.flag_key AND env = OLD.env;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO prerequisite_edges (prerequisite, env, flag_key)
      SELECT p, NEW.env, NEW.flag_key
      FROM jsonb_array_elements_text(COALESCE(NEW.state::jsonb -> 'prerequisites', '[]'::jsonb)) AS p
      ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER flag_envs_edges AFTER INSERT OR UPDATE OR DELETE ON flag_envs
  FOR EACH ROW EXECUTE FUNCTION flag_envs_edges();

CREATE TABLE change_requests (
  id TEXT PRIMARY KEY,
  flag_key TEXT NOT NULL,
  operation TEXT NOT NULL DEFAULT 'state' CHECK (operation IN ('state', 'definition', 'archive')),
  env TEXT CHECK ((operation = 'state') = (env IS NOT NULL)),
  requested_by TEXT NOT NULL,
  reason TEXT NOT NULL,
  before TEXT NOT NULL,
  after TEXT NOT NULL,
  scheduled_at BIGINT,
  payload_hash TEXT NOT NULL,
  required_approvals INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('PENDING', 'SCHEDULED', 'APPLIED', 'REJECTED', 'BLOCKED')),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  applied_idx BIGINT
);
CREATE INDEX change_requests_by_status ON change_requests (status, created_at);
CREATE TABLE approvals (
  change_request_id TEXT NOT NULL REFERENCES change_requests (id),
  approver TEXT NOT NULL,
  payload_hash TEXT NOT NULL,
  comment TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (change_request_id, approver, payload_hash)
);
CREATE FUNCTION approvals_not_self() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.approver = (SELECT requested_by FROM change_requests WHERE id = NEW.change_request_id) THEN
    RAISE EXCEPTION 'SELF_APPROVAL: the requester of a change cannot approve it';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER approvals_not_self BEFORE INSERT ON approvals FOR EACH ROW EXECUTE FUNCTION approvals_not_self();
CREATE TABLE schedules (
  id TEXT PRIMARY KEY,
  change_request_id TEXT NOT NULL UNIQUE REFERENCES change_requests (id),
  run_at BIGINT NOT NULL,
  approved_hash TEXT NOT NULL,
  approvers TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('PENDING', 'EXECUTED', 'BLOCKED', 'CANCELLED')),
  created_at BIGINT NOT NULL
);
CREATE INDEX schedules_due ON schedules (status, run_at);
CREATE TABLE break_glass_tokens (
  id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  issued_by TEXT NOT NULL,
  justification TEXT NOT NULL,
  scope TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT,
  used_idx BIGINT,
  created_at BIGINT NOT NULL
);
CREATE FUNCTION break_glass_single_use() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.used_at IS NOT NULL THEN
    RAISE EXCEPTION 'BREAK_GLASS_USED: break-glass tokens are single use';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER break_glass_single_use BEFORE UPDATE ON break_glass_tokens
  FOR EACH ROW EXECUTE FUNCTION break_glass_single_use();
CREATE TABLE incidents (
  id TEXT PRIMARY KEY,
  source TEXT NOT NULL CHECK (source IN ('pagerduty', 'manual')),
  service TEXT NOT NULL,
  title TEXT NOT NULL,
  severity TEXT NOT NULL,
  env TEXT,
  status TEXT NOT NULL CHECK (status IN ('triggered', 'acknowledged', 'resolved')),
  triggered_at TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  html_url TEXT
);
CREATE TABLE pagerduty_events (id TEXT PRIMARY KEY, received_at BIGINT NOT NULL);
CREATE TABLE sdk_keys (
  id TEXT PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  env TEXT NOT NULL,
  name TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
`;

/**
 * SQLite orders change requests, incidents, signing keys and SDK keys by insertion with its implicit `rowid`;
 * PostgreSQL has no such column, so these tables get an identity column of that name and the same statements mean
 * the same on both.
 */
const INSERTION_ORDER = `
ALTER TABLE change_requests ADD COLUMN rowid BIGINT GENERATED ALWAYS AS IDENTITY;
ALTER TABLE incidents ADD COLUMN rowid BIGINT GENERATED ALWAYS AS IDENTITY;
ALTER TABLE signing_keys ADD COLUMN rowid BIGINT GENERATED ALWAYS AS IDENTITY;
ALTER TABLE sdk_keys ADD COLUMN rowid BIGINT GENERATED ALWAYS AS IDENTITY;
`;

/**
 * A committed append wakes every instance (LISTEN tombstone_ledger; see ledger/writer.ts) without a statement of its
 * own: the trigger that advances the sequence row also queues the notification, which PostgreSQL delivers at COMMIT
 * (never for a rolled-back transaction). Its payload is the log's size after the entry, so an instance whose tree
 * already holds it (its own commit) skips the read.
 */
const NOTIFY_ON_APPEND = `
CREATE OR REPLACE FUNCTION ledger_advance_head() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('tombstone.advancing_head', 'on', true);
  UPDATE ledger_head SET size = NEW.idx + 1, last_hash = NEW.leaf_hash WHERE id = 1;
  PERFORM set_config('tombstone.advancing_head', 'off', true);
  PERFORM pg_notify('tombstone_ledger', (NEW.idx + 1)::text);
  RETURN NULL;
END $$;
`;

/**
 * The SDK fleet shared between instances (sdk-delivery/fleet-share.ts): each instance keeps the SDKs that reach it in
 * memory and publishes them here, so every instance answers for the whole fleet.
 *
 * `sdk_fleet_peers`: one row per running control-plane instance (`cp_id`, random per process start), its heartbeat
 * in ms on the database's clock (so instances' clocks may disagree) and whether it stopped cleanly. An instance whose
 * heartbeat is older than the disconnect window, or that stopped, is down: its SDKs count as disconnected.
 * `sdk_fleet`: one row per (publishing instance, environment, SDK instance id), the entry as JSON (fleet.ts
 * SharedFleetEntry), `rev` from one sequence on every write so readers fetch only the rows that changed since their
 * last read, `updated_at` (database clock) for operators. A stopped instance's rows stay (its SDKs show disconnected
 * until they come back elsewhere or age out); a peer silent past the age-out window is deleted with its rows.
 */
const SDK_FLEET = `
CREATE SEQUENCE sdk_fleet_rev;
CREATE TABLE sdk_fleet_peers (
  cp_id TEXT PRIMARY KEY,
  heartbeat_at BIGINT NOT NULL,
  stopped BOOLEAN NOT NULL DEFAULT false
);
CREATE TABLE sdk_fleet (
  cp_id TEXT NOT NULL,
  env TEXT NOT NULL,
  instance_id TEXT NOT NULL,
  entry JSONB NOT NULL,
  rev BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (cp_id, env, instance_id)
);
`;

/**
 * The telemetry metrics shared between instances (domain/telemetry-share.ts): each instance buckets the samples that
 * reach it in memory (domain/metrics-store.ts) and publishes the buckets it changed here about every second, so every
 * instance's charts count every instance's samples.
 *
 * `telemetry_buckets`: one row per (publishing instance `cp_id`, store — 'service' for the per-service metrics,
 * 'flag' for the per-flag-and-environment ones —, series, bucket start in ms on the business clock), holding that
 * instance's absolute counts for the bucket: requests, errors and the 64-bin latency histogram (`hist`, bin i counts
 * latencies up to 0.5 ms × 1.25^i). A bucket still filling is rewritten as it changes. `series` is the service name,
 * or the flag series key with its NUL separator escaped (`\0`, and `\` as `\\`: TEXT holds no NUL). `rev` comes
 * from one sequence (telemetry_buckets_rev_seq) on every write, so readers fetch only the rows changed since their
 * last read (index telemetry_buckets_by_rev); `updated_at` (database clock) is for operators. Rows outlive the
 * instance that wrote them (the requests happened: a restarted instance gets its history back) and are deleted past
 * the retention window by bucket start (index telemetry_buckets_by_start).
 */
const TELEMETRY_BUCKETS = `
CREATE SEQUENCE telemetry_buckets_rev_seq;
CREATE TABLE telemetry_buckets (
  cp_id TEXT NOT NULL,
  store TEXT NOT NULL CHECK (store IN ('service', 'flag')),
  series TEXT NOT NULL,
  bucket_start BIGINT NOT NULL,
  requests BIGINT NOT NULL,
  errors BIGINT NOT NULL,
  hist BIGINT[] NOT NULL,
  rev BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (cp_id, store, series, bucket_start)
);
CREATE INDEX telemetry_buckets_by_rev ON telemetry_buckets (rev);
CREATE INDEX telemetry_buckets_by_start ON telemetry_buckets (bucket_start);
`;

/** PostgreSQL migrations in order; migration i brings schema_version from i to i + 1. */
export const PG_MIGRATIONS: readonly string[] = [
  LEDGER,
  INSERTION_ORDER,
  NOTIFY_ON_APPEND,
  SDK_FLEET,
  TELEMETRY_BUCKETS,
];

/**
 * Applies pending migrations, each in its own transaction under an advisory lock, so several instances starting at
 * once on one database migrate it exactly once. A database at a version past the last migration throws
 * E_SCHEMA_NEWER and is left as it is.
 */
export async function migratePg(sql: Sql, migrations: readonly string[] = PG_MIGRATIONS): Promise<number> {
  for (;;) {
    const done = await sql.tx(async () => {
      await sql.lock('tombstone:migrate');
      await sql.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
      const row = await sql.get<{ version: number }>('SELECT version FROM schema_version');
      const version = row?.version ?? 0;
      if (version > migrations.length) throw schemaNewer('the database', version, migrations.length);
      const next = migrations[version];
      if (next === undefined) return true;
      await sql.exec(next);
      if (row === undefined) await sql.run('INSERT INTO schema_version (version) VALUES (?)', [version + 1]);
      else await sql.run('UPDATE schema_version SET version = ?', [version + 1]);
      return false;
    });
    if (done) break;
  }
  return (await sql.get<{ version: number }>('SELECT version FROM schema_version'))?.version ?? 0;
}
