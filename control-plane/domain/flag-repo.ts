/** SQL access for flags, their environment states and tombstones. */
import type { Db } from '../db/db.ts';
import { stmt } from '../db/stmt.ts';
import type { EnvState, FlagDefinition } from '../../shared/protocol/index.ts';
import { parseState } from './env-state.ts';
import type { FlagRecord } from './flag-def.ts';

interface FlagRow {
  key: string;
  type: FlagDefinition['type'];
  owner: string;
  description: string;
  tier: FlagDefinition['tier'];
  stage: FlagDefinition['stage'];
  safe_default: string;
  services: string;
  expires_at: string | null;
  variants: string | null;
  created_at: number;
  updated_at: number;
}

/** A tombstone as served by the API. */
export interface Tombstone {
  flag_key: string;
  archived_at: string;
  archived_by: string;
  final_ledger_idx: number;
  definition: unknown;
}

function definitionOf(row: FlagRow): FlagDefinition {
  return {
    key: row.key,
    type: row.type,
    owner: row.owner,
    services: JSON.parse(row.services) as string[],
    tier: row.tier,
    safe_default: JSON.parse(row.safe_default) as FlagDefinition['safe_default'],
    description: row.description,
    stage: row.stage,
    expires_at: row.expires_at,
    ...(row.variants === null ? {} : { variants: JSON.parse(row.variants) as NonNullable<FlagDefinition['variants']> }),
  };
}

function variantsText(def: FlagDefinition): string | null {
  return def.variants === undefined ? null : JSON.stringify(def.variants);
}

function recordOf(db: Db, row: FlagRow): FlagRecord {
  const environments: Record<string, EnvState> = {};
  const versions: Record<string, number> = {};
  const envs = stmt(db, 'SELECT env, state, version, updated_at FROM flag_envs WHERE flag_key = ? ORDER BY env').all(
    row.key,
  ) as { env: string; state: string; version: number; updated_at: number }[];
  let updated = row.updated_at;
  for (const e of envs) {
    environments[e.env] = parseState(e.state);
    versions[e.env] = e.version;
    updated = Math.max(updated, e.updated_at);
  }
  return { definition: definitionOf(row), environments, versions, created_at: row.created_at, updated_at: updated };
}

/** A live flag, or null. */
export function getFlag(db: Db, key: string): FlagRecord | null {
  const row = stmt(db, 'SELECT * FROM flags WHERE key = ?').get(key) as FlagRow | undefined;
  return row === undefined ? null : recordOf(db, row);
}

/** Live flags, optionally filtered by owner or evaluating service, ordered by key. */
export function listFlags(db: Db, filter: { owner?: string; service?: string }): FlagRecord[] {
  const rows = stmt(db, 'SELECT * FROM flags ORDER BY key').all() as FlagRow[];
  return rows
    .filter((r) => filter.owner === undefined || r.owner === filter.owner)
    .filter((r) => filter.service === undefined || (JSON.parse(r.services) as string[]).includes(filter.service))
    .map((r) => recordOf(db, r));
}

/** Inserts a flag (the tombstone trigger rejects archived keys). */
export function insertFlag(db: Db, def: FlagDefinition, now: number): void {
  stmt(
    db,
    `INSERT INTO flags (key, type, owner, description, tier, stage, safe_default, services, expires_at, variants, created_at, updated_at)
    VALUES (@key, @type, @owner, @description, @tier, @stage, @safe_default, @services, @expires_at, @variants, @now, @now)`,
  ).run({
    ...def,
    safe_default: JSON.stringify(def.safe_default),
    services: JSON.stringify(def.services),
    variants: variantsText(def),
    now,
  });
}

/** Rewrites a flag's metadata. */
export function updateDefinition(db: Db, def: FlagDefinition, now: number): void {
  stmt(
    db,
    `UPDATE flags SET owner = @owner, description = @description, tier = @tier, stage = @stage, safe_default = @safe_default,
    services = @services, expires_at = @expires_at, variants = @variants, updated_at = @now WHERE key = @key`,
  ).run({
    ...def,
    safe_default: JSON.stringify(def.safe_default),
    services: JSON.stringify(def.services),
    variants: variantsText(def),
    now,
  });
}

/** Writes one environment's state and bumps its version; returns the new version (the flag's updated_at derives from it). */
export function writeEnv(db: Db, key: string, env: string, state: EnvState, now: number): number {
  const row = stmt(
    db,
    `INSERT INTO flag_envs (flag_key, env, state, version, updated_at) VALUES (?, ?, ?, 1, ?)
    ON CONFLICT (flag_key, env) DO UPDATE SET state = excluded.state, version = flag_envs.version + 1, updated_at = excluded.updated_at
    RETURNING version`,
  ).get(key, env, JSON.stringify(state), now) as { version: number };
  return row.version;
}

/** All states of one environment (for the prerequisite graph). */
export function envGraph(db: Db, env: string): Map<string, string[]> {
  const rows = stmt(db, 'SELECT flag_key, state FROM flag_envs WHERE env = ?').all(env) as {
    flag_key: string;
    state: string;
  }[];
  return new Map(rows.map((r) => [r.flag_key, parseState(r.state).prerequisites]));
}

/** Moves a flag to the tombstones table (its live rows are removed; the ledger keeps its history). */
export function tombstoneFlag(
  db: Db,
  def: FlagDefinition,
  by: string,
  idx: number,
  leafHash: Uint8Array,
  now: number,
): void {
  stmt(db, 'DELETE FROM flags WHERE key = ?').run(def.key);
  stmt(
    db,
    'INSERT INTO tombstones (flag_key, archived_at, archived_by, final_ledger_idx, final_leaf_hash, definition) VALUES (?, ?, ?, ?, ?, ?)',
  ).run(def.key, now, by, idx, leafHash, JSON.stringify(def));
}

/** The tombstone of a key, or null. */
export function getTombstone(db: Db, key: string): Tombstone | null {
  const row = stmt(db, 'SELECT * FROM tombstones WHERE flag_key = ?').get(key) as
    | { flag_key: string; archived_at: number; archived_by: string; final_ledger_idx: number; definition: string }
    | undefined;
  if (row === undefined) return null;
  return {
    flag_key: row.flag_key,
    archived_at: new Date(row.archived_at).toISOString(),
    archived_by: row.archived_by,
    final_ledger_idx: row.final_ledger_idx,
    definition: JSON.parse(row.definition) as unknown,
  };
}

/** Every tombstone, oldest first. */
export function listTombstones(db: Db): Tombstone[] {
  const keys = stmt(db, 'SELECT flag_key FROM tombstones ORDER BY archived_at, flag_key').pluck().all() as string[];
  return keys.map((k) => getTombstone(db, k)).filter((t): t is Tombstone => t !== null);
}
