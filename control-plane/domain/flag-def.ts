/** Flag definitions (metadata: owner, services, tier, stage …) and their validation. */
import type { JsonValue } from '../../shared/ledger/index.ts';
import type { Role } from '../db/users.ts';
import { HttpError } from '../http/errors.ts';
import { arr, bool, int, nullable, obj, oneOf, optional, str, timestamp } from '../http/validate.ts';
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
