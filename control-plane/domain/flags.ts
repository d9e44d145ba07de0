/** Flag lifecycle: create (the database refuses tombstoned keys), metadata updates, and archive (= tombstone). */
import type { JsonValue } from '../../shared/ledger/index.ts';
import { stmt } from '../db/stmt.ts';
import type { Role } from '../db/users.ts';
import { HttpError } from '../http/errors.ts';
import type { App, ActionContext } from './app.ts';
import type { EnvPatch, EnvState } from './env-state.ts';
import { applyPatch, defaultEnvState, sameState, stateJson } from './env-state.ts';
import { requireFlag } from './env-change.ts';
import type { FlagDefinition, FlagRecord, FlagType, SafeDefault, Stage, Tier } from './flag-def.ts';
import { definitionJson, tierRank } from './flag-def.ts';
import { getFlag, insertFlag, tombstoneFlag, updateDefinition, writeEnv } from './flag-repo.ts';
import { checkPrerequisites, dependentsOf } from './prerequisites.ts';
import { rejectChangeRequest } from './change-requests.ts';

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
      throw new HttpError(
        404,
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
    throw new HttpError(409, 'FLAG_EXISTS', `${input.key} already exists; update it instead`);
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
  };
  const states = initialStates(app, input);
  if (tierRank(def.tier) >= tierRank('HIGH') && Object.values(states).some((s) => s.enabled)) {
    throw new HttpError(
      403,
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

/** Updates metadata (env null `flag.updated`); lowering a HIGH/BLOCKED tier needs an admin. */
export function patchDefinition(
  app: App,
  ctx: ActionContext,
  role: Role,
  key: string,
  patch: DefinitionPatch,
): FlagRecord {
  const rec = requireFlag(app, key);
  const before = rec.definition;
  const after: FlagDefinition = {
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
  };
  if (tierRank(after.tier) < tierRank(before.tier) && tierRank(before.tier) >= tierRank('HIGH') && role !== 'admin') {
    throw new HttpError(
      403,
      'TIER_CHANGE_REQUIRES_ADMIN',
      `lowering ${key} from ${before.tier} to ${after.tier} would bypass four-eyes; ask an admin`,
    );
  }
  if (sameState(definitionJson(before), definitionJson(after)))
    throw new HttpError(409, 'NO_CHANGE', `${key} already has that metadata`);
  updateDefinition(app.db, after, ctx.now);
  app.ledger.append({
    ts: ctx.now,
    actor: ctx.actor,
    action: 'flag.updated',
    flag: key,
    env: null,
    before: definitionJson(before),
    after: definitionJson(after),
    reason: patch.reason ?? 'metadata updated',
  });
  return requireFlag(app, key);
}

/** Archives a flag for ever: `flag.tombstoned`, then the key moves to the tombstones table. */
export function archiveFlag(app: App, ctx: ActionContext, key: string, reason: string): { idx: number } {
  const rec = requireFlag(app, key);
  const dependents = dependentsOf(app.db, key);
  if (dependents.length > 0) {
    throw new HttpError(
      409,
      'FLAG_IN_USE',
      `${key} is a prerequisite of ${dependents.join(', ')}; remove those first`,
      { dependents },
    );
  }
  const open = stmt(
    app.db,
    "SELECT id FROM change_requests WHERE flag_key = ? AND status IN ('PENDING', 'SCHEDULED') ORDER BY rowid",
  )
    .pluck()
    .all(key) as string[];
  for (const id of open) rejectChangeRequest(app, ctx, id, `flag ${key} was archived`);
  const entry = app.ledger.append({
    ts: ctx.now,
    actor: ctx.actor,
    action: 'flag.tombstoned',
    flag: key,
    env: null,
    before: definitionJson(rec.definition),
    after: null,
    reason,
  });
  tombstoneFlag(app.db, { ...rec.definition, stage: 'TOMBSTONED' }, ctx.actor.id, entry.idx, entry.hash, ctx.now);
  return { idx: entry.idx };
}
