/** Flag definitions (metadata: owner, services, tier, stage …) and their validation. */
import type { JsonValue } from '../../shared/ledger/index.ts';
import type { Role } from '../db/users.ts';
import { HttpError } from '../http/errors.ts';
import type { Check } from '../http/validate.ts';
import { arr, bool, int, isRecord, nullable, obj, oneOf, optional, str, timestamp } from '../http/validate.ts';
import { invalid } from '../http/errors.ts';
import type { EnvState } from './env-state.ts';
import { flagKeyCheck } from './env-state.ts';

/** Flag types. */
export const FLAG_TYPES = ['release', 'ops', 'experiment', 'permission', 'kill-switch'] as const;
/** Risk tiers, lowest first. */
export const TIERS = ['LOW', 'MEDIUM', 'HIGH', 'BLOCKED'] as const;
/** Lifecycle stages a live flag can be in (TOMBSTONED is reached only by archiving). */
export const STAGES = ['DRAFT', 'ACTIVE', 'ROLLING_OUT', 'FULL_ROLLOUT', 'CLEANUP'] as const;

/** A risk tier. */
export type Tier = (typeof TIERS)[number];
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

/** A live flag: definition plus per-environment state and versions. */
export interface FlagRecord {
  definition: FlagDefinition;
  environments: Record<string, EnvState>;
  versions: Record<string, number>;
  created_at: number;
  updated_at: number;
}

const TEAM_RE = /^[a-z][a-z0-9-]{0,39}$/;

/** Validates a team / owner name. */
export const ownerCheck = str({ min: 1, max: 40, pattern: TEAM_RE, hint: 'must be a lowercase team name' });
/** Validates a list of service names. */
export const servicesCheck = arr(
  str({ min: 1, max: 40, pattern: TEAM_RE, hint: 'must be a lowercase service name' }),
  20,
);
/** Validates a safe default. */
export const safeDefaultCheck = obj({ enabled: bool(), rollout_pct: int(0, 100) });

const VARIANT_NAME_RE = /^[a-z][a-z0-9_-]{0,39}$/;

/** Validates variants: 1–20 lowercase names → JSON values, `off` among them. */
export const variantsCheck: Check<Record<string, JsonValue>> = (v, path) => {
  if (!isRecord(v)) throw invalid(path, 'expected an object of variant name → value');
  const keys = Object.keys(v);
  if (keys.length > 20) throw invalid(path, 'must have at most 20 variants');
  if (!keys.includes('off')) throw invalid(path, 'must include "off" (what a disabled or out-of-rollout context gets)');
  for (const k of keys) {
    if (!VARIANT_NAME_RE.test(k)) throw invalid(`${path}.${k}`, 'must be a lowercase identifier');
    if (v[k] === null) throw invalid(`${path}.${k}`, 'must not be null');
  }
  return v as Record<string, JsonValue>;
};

/** The variation names a state uses that `variants` lacks (empty when it has no variants: boolean flags). */
export function missingVariants(
  variants: Record<string, JsonValue> | undefined,
  state: { variation: string; rules: { variation: string }[] },
): string[] {
  if (variants === undefined) return [];
  const used = [state.variation, ...state.rules.map((r) => r.variation)];
  return [...new Set(used.filter((u) => !Object.hasOwn(variants, u)))];
}

/** Fields accepted when creating a flag (environments handled separately). */
export const createShape = {
  key: flagKeyCheck,
  type: oneOf(FLAG_TYPES),
  owner: ownerCheck,
  services: servicesCheck,
  tier: oneOf(TIERS),
  safe_default: optional(safeDefaultCheck),
  description: str({ max: 2000 }),
  stage: optional(oneOf(STAGES)),
  expires_at: optional(nullable(timestamp())),
  variants: optional(variantsCheck),
};

/** Fields accepted when updating metadata. */
export const definitionPatchShape = {
  owner: optional(ownerCheck),
  services: optional(servicesCheck),
  tier: optional(oneOf(TIERS)),
  safe_default: optional(safeDefaultCheck),
  description: optional(str({ max: 2000 })),
  stage: optional(oneOf(STAGES)),
  expires_at: optional(nullable(timestamp())),
  variants: optional(variantsCheck),
  reason: optional(str({ max: 1000 })),
};

/** Numeric rank of a tier (LOW 0 … BLOCKED 3). */
export function tierRank(tier: Tier): number {
  return TIERS.indexOf(tier);
}

/** True when going from `from` to `to` lowers a HIGH or BLOCKED tier (that removes four-eyes from later changes). */
export function lowersTier(from: Tier, to: Tier): boolean {
  return tierRank(to) < tierRank(from) && tierRank(from) >= tierRank('HIGH');
}

/** Throws 403 TIER_CHANGE_REQUIRES_ADMIN unless an admin asks to lower a HIGH or BLOCKED tier. */
export function requireAdminToLower(key: string, from: Tier, to: Tier, role: Role): void {
  if (role !== 'admin') {
    throw new HttpError(
      403,
      'TIER_CHANGE_REQUIRES_ADMIN',
      `lowering ${key} from ${from} to ${to} would bypass four-eyes; ask an admin`,
    );
  }
}

/** Approvals a change needs by tier: BLOCKED 2 distinct non-requesters, HIGH 1, MEDIUM/LOW none. */
export function requiredApprovals(tier: Tier): number {
  switch (tier) {
    case 'BLOCKED':
      return 2;
    case 'HIGH':
      return 1;
    case 'MEDIUM':
    case 'LOW':
      return 0;
  }
}

/** The definition as a ledger JSON value. */
export function definitionJson(def: FlagDefinition): JsonValue {
  return def as unknown as JsonValue;
}

/** The API view of a flag. */
export function flagView(rec: FlagRecord): Record<string, unknown> {
  return {
    ...rec.definition,
    environments: rec.environments,
    versions: rec.versions,
    created_at: new Date(rec.created_at).toISOString(),
    updated_at: new Date(rec.updated_at).toISOString(),
  };
}
