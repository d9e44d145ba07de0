/**
 * Flag metadata derived from the ledger itself: fold `flag.created`, `flag.updated` (env null, the definition),
 * `flag.tombstoned` (and the stand-ins that carry a definition change or a tombstone on someone's authority, env
 * null: `break_glass.used`, `change_request.applied`, `schedule.executed`), and every per-environment state that
 * changed prerequisites, into one record per flag key.
 * The console's UI and the correlation ranking both read this; nothing outside the ledger is trusted for it.
 */
import type { JsonValue, LedgerLeaf } from '../ledger/leaf.ts';
import { readEnvState, readPrerequisites, sameJson } from './env-state.ts';
import { TIERS } from '../protocol/tier.ts';
import type { ExposureState, FlagCatalog, FlagInfo } from './types.ts';

type Leaf = Pick<LedgerLeaf, 'idx' | 'action' | 'flag' | 'env' | 'before' | 'after'>;
type JsonObject = { [key: string]: JsonValue };

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: JsonValue | undefined): string | null {
  return typeof v === 'string' ? v : null;
}

function strings(v: JsonValue | undefined): readonly string[] | null {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : null;
}

function exposure(v: JsonValue | undefined): ExposureState | null {
  const s = readEnvState(v);
  return s === null ? null : { enabled: s.enabled, rollout_pct: s.rollout_pct };
}

function emptyInfo(key: string, idx: number): FlagInfo {
  return {
    key,
    type: null,
    owner: null,
    services: null,
    tier: null,
    stage: null,
    safe_default: null,
    description: null,
    expires_at: null,
    prerequisites: {},
    tombstoned: false,
    updated_idx: idx,
  };
}

/** Applies the definition fields present in `def`; fields it does not carry keep their previous value. */
function applyDefinition(info: FlagInfo, def: JsonObject, idx: number): FlagInfo {
  const tier = str(def['tier']);
  return {
    ...info,
    type: 'type' in def ? str(def['type']) : info.type,
    owner: 'owner' in def ? str(def['owner']) : info.owner,
    services: 'services' in def ? strings(def['services']) : info.services,
    tier: 'tier' in def ? (TIERS.find((t) => t === tier) ?? null) : info.tier,
    stage: 'stage' in def ? str(def['stage']) : info.stage,
    safe_default: 'safe_default' in def ? exposure(def['safe_default']) : info.safe_default,
    description: 'description' in def ? str(def['description']) : info.description,
    expires_at: 'expires_at' in def ? str(def['expires_at']) : info.expires_at,
    updated_idx: idx,
  };
}

function environmentsPrerequisites(after: JsonObject): Record<string, readonly string[]> {
  const envs = after['environments'];
  const out: Record<string, readonly string[]> = {};
  if (isObject(envs)) for (const [env, state] of Object.entries(envs)) out[env] = readPrerequisites(state);
  return out;
}

/**
 * Actions that carry out a change on someone's authority — break-glass, an approved or a scheduled change request.
 * With an environment they carry that environment's state; without one (env null) they carry the definition
 * change they let through (before → after definition), and an `after` of null means they tombstoned the flag.
 */
const STAND_INS: readonly string[] = ['break_glass.used', 'change_request.applied', 'schedule.executed'];

/** What an entry without an environment does to the flag's definition: change it, tombstone it, or nothing. */
export function definitionEffect(e: Leaf): 'definition' | 'tombstone' | null {
  if (e.flag === null || e.env !== null) return null;
  if (e.action === 'flag.updated') return 'definition';
  if (e.action === 'flag.tombstoned') return 'tombstone';
  if (STAND_INS.includes(e.action)) return e.after === null ? 'tombstone' : 'definition';
  return null;
}

/** True when an entry can change what the catalog says (the replica indexes exactly these for fast folding). */
export function isCatalogEntry(e: Leaf): boolean {
  if (e.flag === null) return false;
  if (e.action === 'flag.created' || e.action === 'flag.tombstoned') return true;
  if (e.env === null) return definitionEffect(e) !== null;
  return !sameJson([...readPrerequisites(e.before)], [...readPrerequisites(e.after)]);
}

/** Folds one entry into the catalog record of its flag (returns the record unchanged when the entry says nothing). */
export function foldCatalogEntry(prev: FlagInfo | undefined, e: Leaf): FlagInfo | undefined {
  if (e.flag === null || !isCatalogEntry(e)) return prev;
  const info = prev ?? emptyInfo(e.flag, e.idx);
  if (definitionEffect(e) === 'tombstone')
    return { ...info, tombstoned: true, stage: 'TOMBSTONED', updated_idx: e.idx };
  if (e.env !== null) {
    return {
      ...info,
      prerequisites: { ...info.prerequisites, [e.env]: readPrerequisites(e.after) },
      updated_idx: e.idx,
    };
  }
  if (!isObject(e.after)) return info;
  const next = applyDefinition(info, e.after, e.idx);
  if (e.action !== 'flag.created') return next;
  return { ...next, prerequisites: { ...next.prerequisites, ...environmentsPrerequisites(e.after) } };
}

/** Folds entries (any order; applied by idx) into the current definition of every flag they mention. */
export function deriveFlagCatalog(entries: readonly Leaf[]): FlagCatalog {
  const sorted = [...entries].filter(isCatalogEntry).sort((a, b) => a.idx - b.idx);
  const catalog = new Map<string, FlagInfo>();
  for (const e of sorted) {
    const next = foldCatalogEntry(catalog.get(e.flag ?? ''), e);
    if (next !== undefined && e.flag !== null) catalog.set(e.flag, next);
  }
  return catalog;
}

/** Reverse prerequisite edges: for an environment and a flag key, the flags that list it as a prerequisite. */
export type DependentsIndex = ReadonlyMap<string, readonly string[]>;

function edgeKey(env: string | null, key: string): string {
  return `${env ?? '*'}\u0000${key}`;
}

/** Builds the reverse prerequisite index of a catalog once, so each lookup is a map read (`*` = any environment). */
export function dependentsIndex(catalog: FlagCatalog): DependentsIndex {
  const index = new Map<string, string[]>();
  const add = (k: string, dependent: string): void => {
    const list = index.get(k);
    if (list === undefined) index.set(k, [dependent]);
    else if (!list.includes(dependent)) list.push(dependent);
  };
  for (const info of catalog.values()) {
    for (const [env, prereqs] of Object.entries(info.prerequisites)) {
      for (const p of prereqs) {
        add(edgeKey(env, p), info.key);
        add(edgeKey(null, p), info.key);
      }
    }
  }
  return index;
}

/** Flags whose prerequisites in `env` include `key`, directly or through up to `depth` links (cycle-safe). */
export function dependentsOf(index: DependentsIndex, key: string, env: string | null, depth = 3): string[] {
  const found: string[] = [];
  const seen = new Set<string>([key]);
  let frontier = [key];
  for (let level = 0; level < depth && frontier.length > 0; level++) {
    const next: string[] = [];
    for (const k of frontier) {
      for (const d of index.get(edgeKey(env, k)) ?? []) {
        if (seen.has(d)) continue;
        seen.add(d);
        found.push(d);
        next.push(d);
      }
    }
    frontier = next;
  }
  return found;
}
