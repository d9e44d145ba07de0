/**
 * Shapes of Unleash's admin reads (projects, environments, flags, tags) and their parsers. Each parser returns the
 * value or a sentence saying what is missing, which the client turns into E_UNLEASH_PROTOCOL.
 */
import type { JsonValue } from '../../../shared/ledger/leaf.ts';
import { isRec, parseStrategy, parseVariants, type UnleashStrategy, type UnleashVariant } from './model.ts';

/** An environment. */
export interface UnleashEnvironment {
  name: string;
  type: string | null;
  enabled: boolean;
}

/** A flag as listed in its project. */
export interface UnleashFeatureSummary {
  name: string;
  type: string | null;
  stale: boolean;
}

/** A flag's state in one environment. */
export interface UnleashFeatureEnvironment {
  name: string;
  enabled: boolean;
  strategies: UnleashStrategy[];
  variants: UnleashVariant[];
}

/** A flag in full. */
export interface UnleashFeature {
  name: string;
  project: string;
  type: string | null;
  description: string;
  stale: boolean;
  archived: boolean;
  environments: UnleashFeatureEnvironment[];
}

/** A tag. */
export interface UnleashTag {
  type: string;
  value: string;
}

function list(body: unknown, key: string): JsonValue[] | string {
  const b = body as JsonValue;
  if (!isRec(b) || !Array.isArray(b[key])) return `no "${key}" list`;
  return b[key];
}

function named(v: JsonValue): string | null {
  return isRec(v) && typeof v['name'] === 'string' ? v['name'] : null;
}

/** Parses `{projects: [{id}]}`. */
export function parseProjects(body: unknown): string[] | string {
  const items = list(body, 'projects');
  if (typeof items === 'string') return items;
  const ids = items.map((p) => (isRec(p) && typeof p['id'] === 'string' ? p['id'] : null));
  return ids.every((id): id is string => id !== null) ? ids : 'a project without an id';
}

/** Parses `{environments: [{name, type, enabled}]}`. */
export function parseEnvironments(body: unknown): UnleashEnvironment[] | string {
  const items = list(body, 'environments');
  if (typeof items === 'string') return items;
  const out: UnleashEnvironment[] = [];
  for (const e of items) {
    const name = named(e);
    if (name === null || !isRec(e)) return 'an environment without a name';
    out.push({ name, type: typeof e['type'] === 'string' ? e['type'] : null, enabled: e['enabled'] !== false });
  }
  return out;
}

/** Parses `{features: [{name, type, stale}]}`. */
export function parseFeatureList(body: unknown): UnleashFeatureSummary[] | string {
  const items = list(body, 'features');
  if (typeof items === 'string') return items;
  const out: UnleashFeatureSummary[] = [];
  for (const f of items) {
    const name = named(f);
    if (name === null || !isRec(f)) return 'a flag without a name';
    out.push({ name, type: typeof f['type'] === 'string' ? f['type'] : null, stale: f['stale'] === true });
  }
  return out;
}

function featureEnvironment(v: JsonValue): UnleashFeatureEnvironment | null {
  const name = named(v);
  if (name === null || !isRec(v) || typeof v['enabled'] !== 'boolean') return null;
  const raw = Array.isArray(v['strategies']) ? v['strategies'] : [];
  const strategies = raw.map((s) => parseStrategy(s));
  if (strategies.some((s) => s === null)) return null;
  return {
    name,
    enabled: v['enabled'],
    strategies: strategies as UnleashStrategy[],
    variants: parseVariants(v['variants']),
  };
}

/** Parses one flag with its environments and strategies. */
export function parseFeature(body: unknown): UnleashFeature | string {
  const b = body as JsonValue;
  const name = named(b);
  if (name === null || !isRec(b) || typeof b['project'] !== 'string') return 'a flag without a name or project';
  const envs = Array.isArray(b['environments']) ? b['environments'].map(featureEnvironment) : null;
  if (envs === null || envs.some((e) => e === null)) return `flag ${name} has an unreadable environment`;
  return {
    name,
    project: b['project'],
    type: typeof b['type'] === 'string' ? b['type'] : null,
    description: typeof b['description'] === 'string' ? b['description'] : '',
    stale: b['stale'] === true,
    archived: b['archived'] === true,
    environments: envs as UnleashFeatureEnvironment[],
  };
}

/** Parses `{tags: [{type, value}]}`. */
export function parseTags(body: unknown): UnleashTag[] | string {
  const items = list(body, 'tags');
  if (typeof items === 'string') return items;
  const out: UnleashTag[] = [];
  for (const t of items) {
    if (!isRec(t) || typeof t['type'] !== 'string' || typeof t['value'] !== 'string')
      return 'a tag without type or value';
    out.push({ type: t['type'], value: t['value'] });
  }
  return out;
}
