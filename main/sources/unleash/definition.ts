/**
 * A flag's definition (the `flag.created` / `flag.updated` env-null payload the console's catalog folds) from what
 * Unleash knows: owner = the project; services and tier from tags, by this convention:
 * - services: every tag of type `service` (value = the service), and every tag of any type whose value is
 *   `service:<name>` (for instances that only have the built-in `simple` tag type);
 * - tier: a tag of type `tier` with value LOW, MEDIUM, HIGH or BLOCKED, or any tag whose value is `tier:<TIER>`
 *   (case-insensitive); with several, the strictest wins; with none, the tier is unknown (the console then treats the
 *   flag as BLOCKED, so nothing looks safer than it is).
 * Unleash's flag types map to ours (operational → ops); the safe default is "off", which is what a kill through
 * Unleash does (it turns the environment off).
 */
import type { JsonValue } from '../../../shared/ledger/leaf.ts';
import { TIERS, type Tier } from '../../../shared/protocol/tier.ts';
import type { UnleashTag } from './reads.ts';
import type { FlagMirror } from './state.ts';

const TYPES: Record<string, string> = {
  release: 'release',
  experiment: 'experiment',
  operational: 'ops',
  'kill-switch': 'kill-switch',
  permission: 'permission',
};

function tierOf(tag: UnleashTag): Tier | null {
  const text = tag.type === 'tier' ? tag.value : /^tier:(.+)$/i.exec(tag.value)?.[1];
  const upper = text?.trim().toUpperCase();
  return TIERS.find((t) => t === upper) ?? null;
}

function serviceOf(tag: UnleashTag): string | null {
  const text = tag.type === 'service' ? tag.value : /^service:(.+)$/i.exec(tag.value)?.[1];
  const name = text?.trim();
  return name === undefined || name === '' ? null : name;
}

/** Services named by the tags (sorted, unique). */
export function servicesFromTags(tags: readonly UnleashTag[]): string[] {
  const names = tags.map(serviceOf).filter((s): s is string => s !== null);
  return [...new Set(names)].sort();
}

/** The strictest tier named by the tags, or null. */
export function tierFromTags(tags: readonly UnleashTag[]): Tier | null {
  let best: Tier | null = null;
  for (const t of tags) {
    const tier = tierOf(t);
    if (tier !== null && (best === null || TIERS.indexOf(tier) > TIERS.indexOf(best))) best = tier;
  }
  return best;
}

/** Our name of an Unleash flag type (unknown types keep their name). */
export function flagType(type: string | null): string | null {
  return type === null ? null : (TYPES[type] ?? type);
}

function stageOf(flag: FlagMirror): string {
  if (flag.deleted) return 'DELETED';
  if (flag.archived) return 'ARCHIVED';
  return flag.stale ? 'CLEANUP' : 'ACTIVE';
}

/** The definition payload of a flag. */
export function definitionOf(flag: FlagMirror): { [key: string]: JsonValue } {
  return {
    key: flag.key,
    type: flagType(flag.type),
    owner: flag.project,
    services: servicesFromTags(flag.tags),
    tier: tierFromTags(flag.tags),
    description: flag.description,
    stage: stageOf(flag),
    stale: flag.stale,
    archived: flag.archived,
    safe_default: { enabled: false, rollout_pct: 0 },
    expires_at: null,
    tags: flag.tags.map((t) => `${t.type}:${t.value}`),
  };
}
