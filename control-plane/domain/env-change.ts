/**
 * The one path every environment-state change takes (update, kill, rollback, change request, schedule, circuit
 * breaker, break-glass): resolve the flag, check prerequisites, write the state and append the ledger entry in the
 * caller's transaction. The tier gate (gate.ts) decides when a change needs four-eyes or a break-glass token.
 */
import type { App, ActionContext } from './app.ts';
import { DomainError } from './errors.ts';
import type { EnvState, Tier } from '../../shared/protocol/index.ts';
import { defaultEnvState, sameState, stateJson } from './env-state.ts';
import type { FlagRecord } from './flag-def.ts';
import { writeEnv } from './flag-repo.ts';
import { requireEnv, requireFlag } from './lookups.ts';
import { checkPrerequisites } from './prerequisites.ts';
import { requireVariants } from './variants.ts';
import { consumeBreakGlass } from './break-glass.ts';
import { approvalRequired, type GateKind, gateTier, needsFourEyes, quorumText } from './gate.ts';

/** A state change to record. */
export interface EnvChange {
  key: string;
  env: string;
  action: string;
  reason: string;
  refs?: Record<string, string>;
  /** Record the entry even when the state does not change (approved change requests, schedules). */
  allowNoop?: boolean;
  /** Computes the new state from the current one. */
  next: (before: EnvState, rec: FlagRecord) => EnvState;
}

/** What a change did. */
export interface EnvChangeResult {
  flag: FlagRecord;
  before: EnvState;
  after: EnvState;
  idx: number;
  version: number;
  action: string;
}

/** The current state of a flag in an environment (the default state if never written). */
export function currentState(rec: FlagRecord, env: string): EnvState {
  return rec.environments[env] ?? defaultEnvState();
}

/** Records one environment change (no tier gate); throws 409 NO_CHANGE when the state would not change. */
export function applyEnvChange(app: App, ctx: ActionContext, change: EnvChange, loaded?: FlagRecord): EnvChangeResult {
  requireEnv(app, change.env);
  const flag = loaded ?? requireFlag(app, change.key);
  const before = currentState(flag, change.env);
  const after = change.next(before, flag);
  if (change.allowNoop !== true && sameState(before, after)) {
    throw new DomainError('NO_CHANGE', `${change.key} in ${change.env} is already in that state; nothing was written`, {
      current: before,
    });
  }
  if (!sameState(before.prerequisites, after.prerequisites))
    checkPrerequisites(app.db, change.key, change.env, after.prerequisites);
  requireVariants(flag.definition, change.env, after);
  const version = writeEnv(app.db, change.key, change.env, after, ctx.now);
  const entry = app.ledger.append({
    ts: ctx.now,
    actor: ctx.actor,
    action: change.action,
    flag: change.key,
    env: change.env,
    before: stateJson(before),
    after: stateJson(after),
    reason: change.reason,
    refs: change.refs ?? {},
  });
  return { flag, before, after, idx: entry.idx, version, action: change.action };
}

const HOW: Record<GateKind, { what: string; how: (tier: Tier) => string }> = {
  update: {
    what: 'changing its state',
    how: (tier) => `open a change request (needs ${quorumText(tier)}) or send X-Break-Glass-Token`,
  },
  kill: {
    what: 'this kill',
    how: (tier) =>
      tier === 'BLOCKED'
        ? `open a change request to the safe default (needs ${quorumText(tier)}) or send X-Break-Glass-Token`
        : `the safe default serves more users than the current state, so it is an update: open a change request (needs ${quorumText(tier)}) or send X-Break-Glass-Token`,
  },
  rollback: {
    what: 'this rollback',
    how: (tier) =>
      tier === 'BLOCKED'
        ? `open a change request for that state (needs ${quorumText(tier)}) or send X-Break-Glass-Token`
        : `the restored state serves users the current one does not, so it is an update: open a change request for that state (needs ${quorumText(tier)}) or send X-Break-Glass-Token`,
  },
};

/**
 * A direct change by a person, gated by the tier of the flag in that environment (gate.ts): when four-eyes is
 * required, only a valid break-glass token lets it through (recorded as `break_glass.used` with refs.operation = the
 * original action); otherwise 403 APPROVAL_REQUIRED.
 */
export function gatedEnvChange(
  app: App,
  ctx: ActionContext,
  kind: GateKind,
  change: EnvChange,
  breakGlass: string | undefined,
  loaded?: FlagRecord,
): EnvChangeResult {
  const flag = loaded ?? requireFlag(app, change.key);
  requireEnv(app, change.env);
  const before = currentState(flag, change.env);
  const gate = gateTier(app.db, flag.definition, change.env);
  if (!needsFourEyes(kind, gate.tier, before, change.next(before, flag))) return applyEnvChange(app, ctx, change, flag);
  if (breakGlass === undefined) throw approvalRequired(change.key, gate, HOW[kind].what, HOW[kind].how(gate.tier));
  const tokenId = consumeBreakGlass(app, ctx, breakGlass, change.key, [change.env]);
  return applyEnvChange(
    app,
    ctx,
    {
      ...change,
      action: 'break_glass.used',
      refs: { ...change.refs, break_glass_token: tokenId, operation: change.action },
    },
    flag,
  );
}
