/** Flags as the protocol carries them: per-environment state, the definition (metadata) and their vocabularies. */
import type { Tier } from './tier.ts';
import type { JsonValue } from '../ledger/index.ts';

/** Targeting rule operators. */
export const RULE_OPS = ['in', 'not_in', 'starts_with', 'ends_with', 'contains'] as const;

/** A targeting rule operator. */
export type RuleOp = (typeof RULE_OPS)[number];

/**
 * One targeting rule: first match wins. The control plane accepts only RULE_OPS; a ledger another source wrote (an
 * Unleash mirror records `matches`) may carry other operators, so a reader of any ledger uses `Rule<string>`.
 */
export type Rule<Op extends string = RuleOp> = {
  attribute: string;
  op: Op;
  values: string[];
  variation: string;
};

/** State of one flag in one environment (the `after` of a per-environment `flag.*` leaf). */
export type EnvState<Op extends string = RuleOp> = {
  enabled: boolean;
  rollout_pct: number;
  variation: string;
  rules: Rule<Op>[];
  prerequisites: string[];
};

/** Flag types. */
export const FLAG_TYPES = ['release', 'ops', 'experiment', 'permission', 'kill-switch'] as const;
/** Lifecycle stages a live flag can be in (TOMBSTONED is reached only by archiving). */
export const STAGES = ['DRAFT', 'ACTIVE', 'ROLLING_OUT', 'FULL_ROLLOUT', 'CLEANUP'] as const;

/** A flag type. */
export type FlagType = (typeof FLAG_TYPES)[number];
/** A live lifecycle stage. */
export type Stage = (typeof STAGES)[number];

/** What the kill switch and the circuit breaker restore. */
export interface SafeDefault {
  enabled: boolean;
  rollout_pct: number;
}

/** A flag's metadata, exactly as written to `flag.updated` (env null) entries. */
export interface FlagDefinition {
  key: string;
  type: FlagType;
  owner: string;
  services: string[];
  tier: Tier;
  safe_default: SafeDefault;
  description: string;
  stage: Stage | 'TOMBSTONED';
  expires_at: string | null;
  /**
   * What SDKs serve for each variation name (must include `off`). Absent: a boolean flag (`off` → false, any other
   * variation → true). Present only when set, so flags without variants keep their ledger form.
   */
  variants?: Record<string, JsonValue>;
}
