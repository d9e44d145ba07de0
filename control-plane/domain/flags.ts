/** Flag lifecycle: create (the database refuses tombstoned keys), metadata updates, and archive (= tombstone), gated. */
import type { JsonValue } from '../../shared/ledger/index.ts';
import type { Role } from '../db/users.ts';
import { DomainError } from './errors.ts';
import type { App, ActionContext } from './app.ts';
import {
  type EnvPatch,
  type EnvState,
  type FlagDefinition,
  type FlagType,
  type SafeDefault,
  type Stage,
  type Tier,
  tierRank,
} from '../../shared/protocol/index.ts';
import { applyPatch, canonicalText, defaultEnvState, sameState, stateJson } from './env-state.ts';
import { consumeBreakGlass } from './break-glass.ts';
import { type Authorisation, recordDefinition, recordTombstone, requireNoDependents } from './definition-change.ts';
import { requireFlag } from './lookups.ts';
import { definitionJson, type FlagRecord, lowersTier, requireAdminToLower } from './flag-def.ts';
import { requireVariants } from './variants.ts';
import { getFlag, insertFlag, writeEnv } from './flag-repo.ts';
import { approvalRequired, gateTier, isGated, quorumText } from './gate.ts';
import { checkPrerequisites } from './prerequisites.ts';

/** Input of createFlag (validated by the route). */
export interface CreateFlagInput {
  key: string;
  type: FlagType;
  owner: string;
  services: string[];
  tier: Tier;
  safe_default?: SafeDefault | undefined;
  description: string;
  stage?: Stage | undefined;
  expires_at?: number | null | undefined;
  variants?: Record<string, JsonValue> | undefined;
  environments?: Record<string, EnvPatch> | undefined;
}

/** Input of patchDefinition. */
export interface DefinitionPatch {
  owner?: string | undefined;
  services?: string[] | undefined;
  tier?: Tier | undefined;
  safe_default?: SafeDefault | undefined;
  description?: string | undefined;
  stage?: Stage | undefined;
  expires_at?: number | null | undefined;
  variants?: Record<string, JsonValue> | undefined;
  reason?: string | undefined;
}

const RELEASE_TTL_MS = 90 * 24 * 60 * 60 * 1000;

function expiry(input: CreateFlagInput, now: number): string | null {
  if (input.expires_at !== undefined)
    return input.expires_at === null ? null : new Date(input.expires_at).toISOString();
  return input.type === 'release' ? new Date(now + RELEASE_TTL_MS).toISOString() : null;
}

function initialStates(app: App, input: CreateFlagInput): Record<string, EnvState> {
  const patches = input.environments ?? {};
  for (const env of Object.keys(patches)) {
    if (!app.options.environments.includes(env)) {
      throw new DomainError(
        'UNKNOWN_ENVIRONMENT',
        `unknown environment ${env}; known: ${app.options.environments.join(', ')}`,
      );
    }
  }
  const states: Record<string, EnvState> = {};
  for (const env of app.options.environments) states[env] = applyPatch(defaultEnvState(), patches[env] ?? {});
  return states;
}

/** Creates a flag in every configured environment and records `flag.created`. */
export function createFlag(app: App, ctx: ActionContext, input: CreateFlagInput): FlagRecord {
  if (getFlag(app.db, input.key) !== null)
    throw new DomainError('FLAG_EXISTS', `${input.key} already exists; update it instead`);
  const def: FlagDefinition = {
    key: input.key,
    type: input.type,
    owner: input.owner,
    services: [...new Set(input.services)].sort(),
    tier: input.tier,
    safe_default: input.safe_default ?? { enabled: false, rollout_pct: 0 },
    description: input.description,
    stage: input.stage ?? 'DRAFT',
    expires_at: expiry(input, ctx.now),
    ...(input.variants === undefined ? {} : { variants: input.variants }),
  };
  const states = initialStates(app, input);
  for (const [env, state] of Object.entries(states)) requireVariants(def, env, state);
  if (tierRank(def.tier) >= tierRank('HIGH') && Object.values(states).some((s) => s.enabled)) {
    throw new DomainError(
      'APPROVAL_REQUIRED',
      `a ${def.tier} flag starts disabled; enable it through a change request`,
      { tier: def.tier },
    );
  }
  insertFlag(app.db, def, ctx.now);
  for (const [env, state] of Object.entries(states)) {
    if (state.prerequisites.length > 0) checkPrerequisites(app.db, def.key, env, state.prerequisites);
    writeEnv(app.db, def.key, env, state, ctx.now);
  }
  const environments: Record<string, JsonValue> = {};
  for (const [env, state] of Object.entries(states)) environments[env] = stateJson(state);
  app.ledger.append({
    ts: ctx.now,
    actor: ctx.actor,
    action: 'flag.created',
    flag: def.key,
    env: null,
    before: null,
    after: { ...(definitionJson(def) as Record<string, JsonValue>), environments },
    reason: `created ${def.key}`,
  });
  return requireFlag(app, def.key);
}

function mergeDefinition(before: FlagDefinition, patch: DefinitionPatch): FlagDefinition {
  return {
    ...before,
    owner: patch.owner ?? before.owner,
    services: patch.services === undefined ? before.services : [...new Set(patch.services)].sort(),
    tier: patch.tier ?? before.tier,
    safe_default: patch.safe_default ?? before.safe_default,
    description: patch.description ?? before.description,
    stage: patch.stage ?? before.stage,
    expires_at:
      patch.expires_at === undefined
        ? before.expires_at
        : patch.expires_at === null
          ? null
          : new Date(patch.expires_at).toISOString(),
    ...(patch.variants === undefined
      ? before.variants === undefined
        ? {}
        : { variants: before.variants }
      : { variants: patch.variants }),
  };
}

const DEFINITION_REQUEST = (tier: Tier): string =>
  `open a change request with "operation": "definition" (needs ${quorumText(tier)})`;

/**
 * Updates metadata (`flag.updated`, env null). On a flag gated HIGH or BLOCKED (gate.ts), changing the safe default —
 * what a kill and the circuit breaker restore — needs four-eyes: a `definition` change request, or a break-glass token
 * (then written as `break_glass.used`, refs.operation `flag.updated`). Lowering a HIGH or BLOCKED tier takes an admin
 * AND four-eyes: only through a change request (a break-glass token lets one change through; a lower tier would let
 * every later change through).
 */
export function patchDefinition(
  app: App,
  ctx: ActionContext,
  role: Role,
  key: string,
  patch: DefinitionPatch,
  breakGlass?: string,
): FlagRecord {
  const rec = requireFlag(app, key);
  const before = rec.definition;
  const after = mergeDefinition(before, patch);
  const lowering = lowersTier(before.tier, after.tier);
  if (lowering) requireAdminToLower(key, before.tier, after.tier, role);
  if (sameState(definitionJson(before), definitionJson(after)))
    throw new DomainError('NO_CHANGE', `${key} already has that metadata`);
  const reason = patch.reason ?? 'metadata updated';
  const gate = gateTier(app.db, rec.definition, null);
  if (lowering) {
    const how = `${DEFINITION_REQUEST(gate.tier)}; break-glass cannot lower a tier`;
    throw approvalRequired(key, gate, `lowering its tier to ${after.tier}`, how);
  }
  for (const [env, state] of Object.entries(rec.environments)) requireVariants(after, env, state);
  const safeDefaultChanges = canonicalText(before.safe_default) !== canonicalText(after.safe_default);
  // Variants are what every SDK serves: on a gated flag they change only through four-eyes, like the safe default.
  const variantsChange = canonicalText(before.variants ?? null) !== canonicalText(after.variants ?? null);
  if ((!safeDefaultChanges && !variantsChange) || !isGated(gate.tier)) {
    recordDefinition(app, ctx, rec, after, reason, { action: 'flag.updated', refs: {} });
    return requireFlag(app, key);
  }
  if (breakGlass === undefined) {
    const how = `${DEFINITION_REQUEST(gate.tier)} or send X-Break-Glass-Token`;
    throw approvalRequired(
      key,
      gate,
      safeDefaultChanges
        ? 'changing its safe default (what a kill and the circuit breaker restore)'
        : 'changing its variants (what every SDK serves)',
      how,
    );
  }
  const token = consumeBreakGlass(app, ctx, breakGlass, key, app.options.environments);
  const refs = { break_glass_token: token, operation: 'flag.updated' };
  recordDefinition(app, ctx, rec, after, reason, { action: 'break_glass.used', refs });
  return requireFlag(app, key);
}

/**
 * Archives a flag for ever (its key moves to the tombstones table). Every SDK then serves the code default for the
 * key, so on a flag gated HIGH or BLOCKED it needs four-eyes: an `archive` change request (the tombstone is written
 * when it applies), or a break-glass token covering the flag in every environment (`break_glass.used`, refs.operation
 * `flag.tombstoned`). Others depending on it → 409 FLAG_IN_USE first.
 */
export function archiveFlag(
  app: App,
  ctx: ActionContext,
  key: string,
  reason: string,
  breakGlass?: string,
): { idx: number; action: string } {
  const rec = requireFlag(app, key);
  requireNoDependents(app, key);
  const gate = gateTier(app.db, rec.definition, null);
  if (!isGated(gate.tier)) {
    const direct = { action: 'flag.tombstoned', refs: {} };
    return { idx: recordTombstone(app, ctx, rec, reason, () => direct), action: direct.action };
  }
  if (breakGlass === undefined) {
    const how = `open a change request with "operation": "archive" (needs ${quorumText(gate.tier)}) or send X-Break-Glass-Token`;
    throw approvalRequired(key, gate, 'archiving it', how);
  }
  const authorise = (): Authorisation => ({
    action: 'break_glass.used',
    refs: {
      break_glass_token: consumeBreakGlass(app, ctx, breakGlass, key, app.options.environments),
      operation: 'flag.tombstoned',
    },
  });
  return { idx: recordTombstone(app, ctx, rec, reason, authorise), action: 'break_glass.used' };
}
