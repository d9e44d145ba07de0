/**
 * The four-eyes gate: which operation on which tier needs an approved change request (or a break-glass token) instead
 * of a direct write (the table is in docs/protocol.md, "Four-eyes gates"). A flag that is a prerequisite, directly or
 * through other flags, of a stricter flag in an environment follows the stricter tier there: switching it changes
 * what the stricter flag serves.
 */
import type { Db } from '../db/db.ts';
import { stmt } from '../db/stmt.ts';
import { DomainError } from './errors.ts';
import { type EnvState, type FlagDefinition, type Tier, tierRank } from '../../shared/protocol/index.ts';
import { servesNoMoreThan } from './env-state.ts';

/** The tier whose rules a change follows, and the dependent flag it comes from (null: the flag's own tier). */
export interface GateTier {
  tier: Tier;
  via: string | null;
}

/** Which environment-state operation is being gated. */
export type GateKind = 'update' | 'kill' | 'rollback';

// Flags that list `key` as a prerequisite in an environment, and the flags that list those, per environment
// (prerequisite_edges is kept equal to the states' prerequisites by triggers; see db/schema.ts).
const DEPENDENTS = `WITH RECURSIVE deps(k, env) AS (
  SELECT flag_key, env FROM prerequisite_edges WHERE prerequisite = @key AND (CAST(@env AS TEXT) IS NULL OR env = @env)
  UNION
  SELECT e.flag_key, e.env FROM deps JOIN prerequisite_edges e ON e.prerequisite = deps.k AND e.env = deps.env
) SELECT DISTINCT f.key AS key, f.tier AS tier FROM deps JOIN flags f ON f.key = deps.k ORDER BY f.key`;

/** The tier a change of `flag` in `env` (null: any environment, for definition changes) is gated by. */
export function gateTier(db: Db, flag: Pick<FlagDefinition, 'key' | 'tier'>, env: string | null): GateTier {
  let gate: GateTier = { tier: flag.tier, via: null };
  if (gate.tier === 'BLOCKED') return gate;
  // Most flags are nobody's prerequisite: one index probe settles them.
  if (stmt(db, 'SELECT 1 FROM prerequisite_edges WHERE prerequisite = ? LIMIT 1').get(flag.key) === undefined)
    return gate;
  const rows = stmt(db, DEPENDENTS).all({ key: flag.key, env }) as { key: string; tier: Tier }[];
  for (const r of rows) if (tierRank(r.tier) > tierRank(gate.tier)) gate = { tier: r.tier, via: r.key };
  return gate;
}

/** True when the tier's changes need four-eyes at all (HIGH, BLOCKED). */
export function isGated(tier: Tier): boolean {
  return tierRank(tier) >= tierRank('HIGH');
}

/**
 * True when this state change needs four-eyes (or break-glass) instead of a direct write: any update of a HIGH or
 * BLOCKED flag; a kill or rollback of a BLOCKED flag; a kill or rollback of a HIGH flag unless it narrows who is
 * served (servesNoMoreThan) — a kill to a safe default that exposes more users is an update like any other.
 */
export function needsFourEyes(kind: GateKind, tier: Tier, before: EnvState, after: EnvState): boolean {
  if (!isGated(tier)) return false;
  switch (kind) {
    case 'update':
      return true;
    case 'kill':
    case 'rollback':
      return tier === 'BLOCKED' || !servesNoMoreThan(before, after);
  }
}

/** "one other approver" / "two other approvers" for a gated tier. */
export function quorumText(tier: Tier): string {
  return tier === 'BLOCKED' ? 'two other approvers' : 'one other approver';
}

/**
 * 403 APPROVAL_REQUIRED: `what` (e.g. "changing its safe default") needs four-eyes; `how` says the way forward.
 * Carries `tier` (the gate's) and, when the tier comes from a dependent flag, `gated_by`.
 */
export function approvalRequired(key: string, gate: GateTier, what: string, how: string): DomainError {
  const subject =
    gate.via === null ? `${key} is ${gate.tier} tier` : `${key} is a prerequisite of ${gate.via} (${gate.tier} tier)`;
  return new DomainError('APPROVAL_REQUIRED', `${subject}: ${what} needs four-eyes; ${how}`, {
    tier: gate.tier,
    ...(gate.via === null ? {} : { gated_by: gate.via }),
  });
}
