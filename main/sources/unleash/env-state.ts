/**
 * One flag's state in one Unleash environment, expressed as the ledger's EnvState (what the console's read models and
 * the correlation ranking read) plus the exact Unleash configuration under `unleash`:
 * - `enabled`: the environment toggle.
 * - `rollout_pct`: the share of all users a strategy without constraints or segments serves (default 100, flexible
 *   and gradual rollouts their percentage; the largest if several). No strategy at all serves everyone (100), as
 *   Unleash's SDKs do; strategies that are all disabled serve no one (0).
 * - `rules`: strategies that target someone. One constraint with an operator our rules have (IN, NOT_IN,
 *   STR_STARTS_WITH, STR_ENDS_WITH, STR_CONTAINS; case-sensitive) at 100 % becomes that rule, `userWithId` becomes
 *   `userId in …`; anything else (several constraints, a partial rollout, segments, other operators or strategies)
 *   becomes one `unleash.strategy matches <canonical JSON>` rule, so every change to it still shows as a targeting
 *   change, never as "no change".
 * - `variation`: the variants served (`blue 50%, green 50%`), else `on`.
 */
import canonicalize from 'canonicalize';
import type { JsonValue } from '../../../shared/ledger/leaf.ts';
import { sortStrategies, type UnleashConstraint, type UnleashStrategy, type UnleashVariant } from './model.ts';

/** The Unleash configuration of a flag in one environment. */
export interface UnleashEnvConfig {
  enabled: boolean;
  strategies: UnleashStrategy[];
  /** Environment-level variants (deprecated in Unleash 5+, still in older histories). */
  variants: UnleashVariant[];
}

/** A rule as the ledger's EnvState has it. */
export interface MappedRule {
  attribute: string;
  op: string;
  values: string[];
  variation: string;
}

/** The environment of a flag nobody touched: off, no strategies, no variants. */
export function emptyEnvConfig(): UnleashEnvConfig {
  return { enabled: false, strategies: [], variants: [] };
}

const RULE_OPS: Record<string, string> = {
  IN: 'in',
  NOT_IN: 'not_in',
  STR_STARTS_WITH: 'starts_with',
  STR_ENDS_WITH: 'ends_with',
  STR_CONTAINS: 'contains',
};

const ROLLOUT_PARAM: Record<string, string | null> = {
  default: null,
  flexibleRollout: 'rollout',
  gradualRolloutRandom: 'percentage',
  gradualRolloutUserId: 'percentage',
  gradualRolloutSessionId: 'percentage',
};

/** Share (0..100) a rollout strategy serves, or null for a strategy that is not a plain rollout. */
export function rolloutOf(s: UnleashStrategy): number | null {
  if (!(s.name in ROLLOUT_PARAM)) return null;
  const param = ROLLOUT_PARAM[s.name];
  if (param === null || param === undefined) return 100;
  const pct = Number(s.parameters[param] ?? '100');
  return Number.isFinite(pct) ? Math.min(100, Math.max(0, pct)) : null;
}

function isGeneral(s: UnleashStrategy): boolean {
  return s.constraints.length === 0 && s.segments.length === 0 && rolloutOf(s) !== null;
}

/** `blue 50%, green 50%` (weights are out of 1000), or null without variants. */
export function variantsLabel(variants: readonly UnleashVariant[]): string | null {
  if (variants.length === 0) return null;
  return variants.map((v) => `${v.name} ${Math.round(v.weight) / 10}%`).join(', ');
}

/** The rule op of a constraint, or null when our rules cannot say it. */
export function ruleOp(c: UnleashConstraint): string | null {
  const op = RULE_OPS[c.operator];
  if (op === undefined) return null;
  if (c.inverted) return op === 'in' ? 'not_in' : op === 'not_in' ? 'in' : null;
  if (c.caseInsensitive && op !== 'in' && op !== 'not_in') return null;
  return op;
}

function strategyJson(s: UnleashStrategy): JsonValue {
  return {
    constraints: s.constraints as unknown as JsonValue,
    name: s.name,
    parameters: s.parameters,
    segments: s.segments,
  };
}

function ruleOf(s: UnleashStrategy, variation: string): MappedRule {
  const only = s.constraints.length === 1 ? s.constraints[0] : undefined;
  if (only !== undefined && s.segments.length === 0 && rolloutOf(s) === 100) {
    const op = ruleOp(only);
    if (op !== null) return { attribute: only.contextName, op, values: [...only.values], variation };
  }
  if (s.name === 'userWithId' && s.constraints.length === 0 && s.segments.length === 0) {
    const ids = (s.parameters['userIds'] ?? '').split(',').map((x) => x.trim());
    return { attribute: 'userId', op: 'in', values: ids.filter((x) => x !== ''), variation };
  }
  return { attribute: 'unleash.strategy', op: 'matches', values: [canonicalize(strategyJson(s)) ?? ''], variation };
}

function strategyDetail(s: UnleashStrategy): JsonValue {
  return { ...(s as unknown as Record<string, JsonValue>) };
}

/** The ledger EnvState of an Unleash environment configuration. */
export function envStateOf(config: UnleashEnvConfig): JsonValue {
  const ordered = sortStrategies(config.strategies);
  const active = ordered.filter((s) => !s.disabled);
  const general = active.filter(isGeneral);
  const envVariation = variantsLabel(config.variants) ?? 'on';
  let top: UnleashStrategy | undefined;
  for (const s of general) if (top === undefined || (rolloutOf(s) ?? 0) > (rolloutOf(top) ?? 0)) top = s;
  const rollout = ordered.length === 0 ? 100 : top === undefined ? 0 : (rolloutOf(top) ?? 0);
  const variation = (top === undefined ? null : variantsLabel(top.variants)) ?? envVariation;
  const rules = active.filter((s) => !isGeneral(s)).map((s) => ruleOf(s, variantsLabel(s.variants) ?? envVariation));
  return {
    enabled: config.enabled,
    rollout_pct: rollout,
    variation,
    rules: rules as unknown as JsonValue,
    prerequisites: [],
    unleash: {
      strategies: ordered.map(strategyDetail),
      variants: config.variants as unknown as JsonValue,
    },
  };
}
