/**
 * Per-environment flag state as the UI shows it, read from leaf values. The control plane writes full EnvStates
 * (control-plane/domain/env-state.ts); fields a leaf lacks read as that module's defaults (variation "on", no rules,
 * no prerequisites), so older or hand-written leaves still display.
 */
import type { EnvState } from '../ipc/types/domain.ts';

/** Actions whose entry (env set) carries before/after EnvState: every write through the control plane's applyEnvChange. */
export const STATE_ACTIONS: readonly string[] = [
  'flag.updated',
  'flag.killed',
  'flag.rolled_back',
  'flag.auto_rolled_back',
  'break_glass.used',
  'change_request.applied',
  'schedule.executed',
];

type Rule = EnvState['rules'][number];

/** True for a plain JSON object. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

function rule(v: unknown): Rule | null {
  if (!isObject(v)) return null;
  const { attribute, op, variation } = v;
  if (typeof attribute !== 'string' || typeof op !== 'string' || typeof variation !== 'string') return null;
  return { attribute, op, values: strings(v['values']), variation };
}

/** True when `v` reads as an EnvState: an object with a boolean `enabled` and a finite `rollout_pct`. */
export function isEnvStateLike(v: unknown): v is Record<string, unknown> {
  return (
    isObject(v) &&
    typeof v['enabled'] === 'boolean' &&
    typeof v['rollout_pct'] === 'number' &&
    Number.isFinite(v['rollout_pct'])
  );
}

/** Reads an EnvState; null unless isEnvStateLike. */
export function toEnvState(v: unknown): EnvState | null {
  if (!isEnvStateLike(v)) return null;
  const { enabled, rollout_pct: pct, variation } = v as { enabled: boolean; rollout_pct: number; variation: unknown };
  const rules = Array.isArray(v['rules']) ? v['rules'].map(rule).filter((r): r is Rule => r !== null) : [];
  return {
    enabled,
    rollout_pct: pct,
    variation: typeof variation === 'string' ? variation : 'on',
    rules,
    prerequisites: strings(v['prerequisites']),
  };
}

/** The fields of a leaf the state fold reads. */
export interface StateLeaf {
  action: string;
  flag: string | null;
  env: string | null;
  after: unknown;
}

/** True when the entry sets the flag's state in one environment (or, for `flag.created`, in all of them). */
export function setsEnvState(leaf: StateLeaf): boolean {
  if (leaf.flag === null) return false;
  if (leaf.action === 'flag.created') return leaf.env === null;
  return leaf.env !== null && STATE_ACTIONS.includes(leaf.action);
}

/** The environment states an entry sets: one for a state action, every configured one for `flag.created`. */
export function statesSetBy(leaf: StateLeaf): Record<string, EnvState> {
  if (!setsEnvState(leaf)) return {};
  if (leaf.env !== null) {
    const s = toEnvState(leaf.after);
    return s === null ? {} : { [leaf.env]: s };
  }
  const envs = isObject(leaf.after) ? leaf.after['environments'] : null;
  const out: Record<string, EnvState> = {};
  if (isObject(envs)) {
    for (const [env, value] of Object.entries(envs)) {
      const s = toEnvState(value);
      if (s !== null) out[env] = s;
    }
  }
  return out;
}

/** Folds entries (idx order) into the current state of each environment of one flag. */
export function foldEnvStates(
  leaves: Iterable<StateLeaf>,
  initial: Record<string, EnvState> = {},
): Record<string, EnvState> {
  const out = { ...initial };
  for (const leaf of leaves) Object.assign(out, statesSetBy(leaf));
  return out;
}
