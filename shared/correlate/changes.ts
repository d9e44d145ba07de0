/**
 * Which ledger entries are candidate causes (changes to what users get), which are context (the circuit breaker's
 * automatic rollbacks: responses, never causes), and how each candidate is annotated (scheduled, pre-approved).
 */
import type { JsonValue } from '../ledger/leaf.ts';
import { exposureChange, type ExposureChange } from './env-state.ts';
import type { CorrelationEntry } from './types.ts';

/** One candidate change: a flag's state in one environment moved from `before` to `after`. */
export interface ChangeRecord {
  entry: CorrelationEntry;
  flag: string;
  env: string | null;
  before: JsonValue;
  after: JsonValue;
  tsMs: number;
  scheduled: boolean;
  pre_approved: boolean;
  change: ExposureChange;
}

/** Actions that change what users get in one environment (before/after are EnvState). */
export const CHANGE_ACTIONS: readonly string[] = [
  'flag.updated',
  'flag.killed',
  'flag.rolled_back',
  'break_glass.used',
  'change_request.applied',
  'schedule.executed',
];

/** `flag.*` actions that never change an environment's state directly (the rest of `flag.*` with an env counts). */
const NON_CHANGE_FLAG_ACTIONS: readonly string[] = ['flag.auto_rolled_back', 'flag.tombstoned', 'flag.created'];

/** The circuit breaker's actor id (seed: `triggered_by: system:evaluator`). */
export const EVALUATOR_ACTOR = 'system:evaluator';

/** The scheduler's actor id (scheduled changes are executed by it). */
export const SCHEDULER_ACTOR = 'system:scheduler';

/** True for an automatic rollback by the circuit breaker: a response to errors, shown as context. */
export function isEvaluatorResponse(e: CorrelationEntry): boolean {
  if (e.flag === null) return false;
  return (
    e.action === 'flag.auto_rolled_back' ||
    (e.actor.id === EVALUATOR_ACTOR && e.env !== null && e.action.startsWith('flag.'))
  );
}

/** Ids of change requests the entries show as approved. */
export function approvedChangeRequests(entries: readonly CorrelationEntry[]): Set<string> {
  const ids = new Set<string>();
  for (const e of entries) {
    const id = e.refs['change_request'];
    if (e.action === 'change_request.approved' && id !== undefined) ids.add(id);
  }
  return ids;
}

function isChangeAction(e: CorrelationEntry): boolean {
  if (e.env === null || e.flag === null || isEvaluatorResponse(e)) return false;
  if (CHANGE_ACTIONS.includes(e.action)) return true;
  return e.action.startsWith('flag.') && !NON_CHANGE_FLAG_ACTIONS.includes(e.action);
}

function isScheduled(e: CorrelationEntry): boolean {
  return e.action === 'schedule.executed' || e.refs['schedule'] !== undefined || e.actor.id === SCHEDULER_ACTOR;
}

function isPreApproved(e: CorrelationEntry, approved: ReadonlySet<string>): boolean {
  if (e.action === 'change_request.applied') return true;
  const cr = e.refs['change_request'];
  // A scheduled execution carries refs.change_request only when its change request was approved (leaf conventions).
  return cr !== undefined && (e.action === 'schedule.executed' || approved.has(cr));
}

function record(
  e: CorrelationEntry,
  env: string | null,
  before: JsonValue,
  after: JsonValue,
  approved: ReadonlySet<string>,
): ChangeRecord {
  return {
    entry: e,
    flag: e.flag ?? '',
    env,
    before,
    after,
    tsMs: Date.parse(e.ts),
    scheduled: isScheduled(e),
    pre_approved: isPreApproved(e, approved),
    change: exposureChange(before, after),
  };
}

function createdRecords(e: CorrelationEntry, approved: ReadonlySet<string>): ChangeRecord[] {
  const after = e.after;
  if (typeof after !== 'object' || after === null || Array.isArray(after)) return [];
  const envs = after['environments'];
  if (typeof envs !== 'object' || envs === null || Array.isArray(envs)) return [];
  return Object.keys(envs)
    .sort()
    .map((env) => record(e, env, null, envs[env] ?? null, approved));
}

/**
 * The candidate changes an entry makes: none, one, or (for `flag.created` with live environments) one per
 * environment. Changes that leave every user's experience as it was (`none`) are not candidates.
 */
export function changeRecords(e: CorrelationEntry, approved: ReadonlySet<string>): ChangeRecord[] {
  if (e.flag === null) return [];
  const records =
    e.action === 'flag.created' && e.env === null
      ? createdRecords(e, approved)
      : isChangeAction(e)
        ? [record(e, e.env, e.before, e.after, approved)]
        : [];
  return records.filter((r) => r.change.kind !== 'none');
}
