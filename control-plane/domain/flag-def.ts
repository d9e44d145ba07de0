/** Flag definitions (metadata: owner, services, tier, stage …; the types are shared/protocol/flags.ts) and their validation. */
import type { JsonValue } from '../../shared/ledger/index.ts';
import type { Role } from '../db/users.ts';
import { DomainError } from './errors.ts';
import {
  arr,
  bool,
  int,
  isRecord,
  nullable,
  obj,
  oneOf,
  optional,
  SchemaError,
  str,
  timestamp,
  type Check,
} from '../../shared/validation/schema.ts';
import {
  FLAG_TYPES,
  STAGES,
  TIERS,
  tierRank,
  type EnvState,
  type FlagDefinition,
  type Tier,
} from '../../shared/protocol/index.ts';
import { flagKeyCheck } from './env-state.ts';

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
export const ownerCheck = str({ min: 1, max: 40, pattern: TEAM_RE, what: 'a lowercase team name' });
/** Validates a list of service names. */
export const servicesCheck = arr(str({ min: 1, max: 40, pattern: TEAM_RE, what: 'a lowercase service name' }), 20);
/** Validates a safe default. */
export const safeDefaultCheck = obj({ enabled: bool(), rollout_pct: int(0, 100) });

const VARIANT_NAME_RE = /^[a-z][a-z0-9_-]{0,39}$/;

/** Validates variants: 1–20 lowercase names → JSON values, `off` among them. */
export const variantsCheck: Check<Record<string, JsonValue>> = (v, path) => {
  if (!isRecord(v)) throw new SchemaError(path, 'expected an object of variant name → value');
  const keys = Object.keys(v);
  if (keys.length > 20) throw new SchemaError(path, 'must have at most 20 variants');
  if (!keys.includes('off'))
    throw new SchemaError(path, 'must include "off" (what a disabled or out-of-rollout context gets)');
  for (const k of keys) {
    if (!VARIANT_NAME_RE.test(k)) throw new SchemaError(`${path}.${k}`, 'must be a lowercase identifier');
    if (v[k] === null) throw new SchemaError(`${path}.${k}`, 'must not be null');
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

/** True when going from `from` to `to` lowers a HIGH or BLOCKED tier (that removes four-eyes from later changes). */
export function lowersTier(from: Tier, to: Tier): boolean {
  return tierRank(to) < tierRank(from) && tierRank(from) >= tierRank('HIGH');
}

/** Throws 403 TIER_CHANGE_REQUIRES_ADMIN unless an admin asks to lower a HIGH or BLOCKED tier. */
export function requireAdminToLower(key: string, from: Tier, to: Tier, role: Role): void {
  if (role !== 'admin') {
    throw new DomainError(
      'TIER_CHANGE_REQUIRES_ADMIN',
      `lowering ${key} from ${from} to ${to} would bypass four-eyes; ask an admin`,
    );
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
