/**
 * A synthetic organisation for the evaluation: teams, the services they run, and the flags they own, with the
 * metadata the ledger's `flag.created` entries would carry (owner, services, tier, prerequisites, safe default).
 */
import type { Tier } from '../../shared/correlate/types.ts';
import type { EnvState } from '../../shared/ipc/types/domain.ts';
import type { Rng } from './rng.ts';

/** Per-environment state, as the leaf conventions define it. */
export type { EnvState } from '../../shared/ipc/types/domain.ts';

/** One flag of the synthetic world. */
export interface WorldFlag {
  key: string;
  team: string;
  type: 'release' | 'ops' | 'experiment' | 'permission' | 'kill-switch';
  /** Services that really evaluate the flag (the ground truth). */
  evaluatedBy: string[];
  /** Services the ledger metadata lists (may be stale: missing one that really evaluates it). */
  registered: string[];
  tier: Tier;
  prerequisites: string[];
  state: Record<string, EnvState>;
}

/** The organisation: services by team and every flag. */
export interface World {
  teams: readonly string[];
  servicesOf: ReadonlyMap<string, readonly string[]>;
  services: readonly string[];
  flags: WorldFlag[];
}

const TEAMS: readonly (readonly [string, readonly string[]])[] = [
  ['payments', ['payments-api', 'payments-ledger']],
  ['checkout', ['checkout-web', 'checkout-api']],
  ['search', ['search-api', 'search-indexer']],
  ['identity', ['auth-service', 'identity-api']],
  ['catalog', ['catalog-api']],
  ['shipping', ['shipping-api', 'shipping-worker']],
  ['notifications', ['notify-worker']],
  ['growth', ['growth-web', 'experiments-api']],
  ['platform', ['edge-gateway', 'config-service']],
  ['mobile', ['mobile-bff']],
];
const DOMAINS = [
  'cart',
  'pricing',
  'engine',
  'cache',
  'ui',
  'api',
  'queue',
  'sync',
  'ranking',
  'login',
  'feed',
  'rates',
];
const PURPOSES = [
  'v2',
  'new_flow',
  'fast_path',
  'rewrite',
  'batching',
  'retry_policy',
  'dark_launch',
  'beta',
  'limits',
  'fallback',
];
/** Environments every generated flag has. */
export const ENVIRONMENTS = ['production', 'staging'] as const;

function initialState(rng: Rng): EnvState {
  const roll = rng.next();
  const [enabled, pct] = roll < 0.35 ? [false, 0] : roll < 0.65 ? [true, rng.pick([5, 10, 25, 50])] : [true, 100];
  return { enabled, rollout_pct: pct, variation: 'on', rules: [], prerequisites: [] };
}

function makeFlag(
  rng: Rng,
  team: string,
  own: readonly string[],
  all: readonly string[],
  used: Set<string>,
): WorldFlag {
  let key = '';
  for (let i = 0; i < 50 && (key === '' || used.has(key)); i++)
    key = `${team}.${rng.pick(DOMAINS)}.${rng.pick(PURPOSES)}`;
  if (used.has(key)) key = `${key}_${used.size}`;
  used.add(key);
  const evaluatedBy = [rng.pick(own)];
  if (rng.chance(0.25)) evaluatedBy.push(rng.pick(all.filter((s) => !evaluatedBy.includes(s))));
  const tier = rng.weighted<Tier>([
    ['LOW', 35],
    ['MEDIUM', 35],
    ['HIGH', 20],
    ['BLOCKED', 10],
  ]);
  const type = rng.weighted<WorldFlag['type']>([
    ['release', 50],
    ['experiment', 20],
    ['ops', 20],
    ['kill-switch', 5],
    ['permission', 5],
  ]);
  const state = Object.fromEntries(ENVIRONMENTS.map((env) => [env, initialState(rng)]));
  return { key, team, type, evaluatedBy, registered: [...evaluatedBy], tier, prerequisites: [], state };
}

function linkPrerequisites(rng: Rng, flags: WorldFlag[]): void {
  for (const f of flags) {
    if (!rng.chance(0.12)) continue;
    const other = rng.pick(flags.filter((g) => g.key !== f.key && g.prerequisites.length === 0));
    f.prerequisites = [other.key];
    for (const s of Object.values(f.state)) s.prerequisites = [other.key];
  }
}

/** Generates an organisation of 10 teams, 18 services and 60–120 flags. */
export function generateWorld(rng: Rng): World {
  const services = TEAMS.flatMap(([, s]) => s);
  const used = new Set<string>();
  const flags: WorldFlag[] = [];
  for (const [team, own] of TEAMS) {
    const count = rng.int(6, 12);
    for (let i = 0; i < count; i++) flags.push(makeFlag(rng, team, own, services, used));
  }
  linkPrerequisites(rng, flags);
  return { teams: TEAMS.map(([t]) => t), servicesOf: new Map(TEAMS), services, flags };
}

/** Flags that really run in `service` (ground truth, not the possibly stale metadata). */
export function flagsEvaluatedBy(world: World, service: string): WorldFlag[] {
  return world.flags.filter((f) => f.evaluatedBy.includes(service));
}
