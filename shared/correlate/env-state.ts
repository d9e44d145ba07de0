/** Reading per-environment flag states out of leaf `before`/`after` values, and what a change did to exposure. */
import type { JsonValue } from '../ledger/leaf.ts';
import type { ExposureState } from './types.ts';

/** The fields of an EnvState that correlation compares; absent optional fields read as empty. */
export interface EnvStateView extends ExposureState {
  variation: string | null;
  rules: JsonValue;
  prerequisites: readonly string[];
}

/** What a change did to who gets what, from the most to the least user-visible. */
export type ExposureChange =
  | { kind: 'increase'; from: number; to: number }
  | { kind: 'decrease'; from: number; to: number }
  | { kind: 'variation'; share: number; from: string | null; to: string | null }
  | { kind: 'targeting'; what: 'rules' | 'prerequisites' | 'rules and prerequisites'; narrowed: boolean }
  /** Turned on or off at 0 % rollout: exactly the users its rules target gain or lose the treatment. */
  | { kind: 'segment'; direction: 'on' | 'off' }
  | { kind: 'unreadable' }
  | { kind: 'none' };

function isObject(v: JsonValue | undefined): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True when two JSON values are structurally equal (object key order ignored). */
export function sameJson(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && sameJson(a[k], b[k]));
  }
  return false;
}

/** Reads the prerequisite keys of an EnvState-like value (non-string items are ignored). */
export function readPrerequisites(v: JsonValue | undefined): readonly string[] {
  if (!isObject(v) || !Array.isArray(v['prerequisites'])) return [];
  return v['prerequisites'].filter((p): p is string => typeof p === 'string');
}

/** Reads an EnvState from a leaf value; null unless it has a boolean `enabled` and a numeric `rollout_pct`. */
export function readEnvState(v: JsonValue | undefined): EnvStateView | null {
  if (!isObject(v)) return null;
  const enabled = v['enabled'];
  const pct = v['rollout_pct'];
  if (typeof enabled !== 'boolean' || typeof pct !== 'number' || !Number.isFinite(pct)) return null;
  const variation = v['variation'];
  return {
    enabled,
    rollout_pct: Math.min(100, Math.max(0, pct)),
    variation: typeof variation === 'string' ? variation : null,
    rules: v['rules'] ?? [],
    prerequisites: readPrerequisites(v),
  };
}

/** Share of users (0..1) a state exposes to the flag's treatment: 0 when disabled. */
export function exposureOf(s: ExposureState | null): number {
  return s !== null && s.enabled ? s.rollout_pct / 100 : 0;
}

/** Rule operators under which fewer values match fewer users (`not_in` is the opposite). */
const POSITIVE_OPS: readonly string[] = ['in', 'starts_with', 'ends_with', 'contains'];

/**
 * The (attribute, op, value) atoms of rules that all serve `treatment` with a positive operator; null when any rule
 * is unreadable, negative or serves another variation (then removing one can move users onto a different path).
 */
function treatmentAtoms(rules: JsonValue, treatment: string | null): Set<string> | null {
  if (!Array.isArray(rules)) return null;
  const atoms = new Set<string>();
  for (const rule of rules) {
    if (
      !isObject(rule) ||
      typeof rule['attribute'] !== 'string' ||
      typeof rule['op'] !== 'string' ||
      !Array.isArray(rule['values'])
    )
      return null;
    if (!POSITIVE_OPS.includes(rule['op']) || (rule['variation'] ?? treatment) !== treatment) return null;
    for (const v of rule['values']) atoms.add(JSON.stringify([rule['attribute'], rule['op'], v]));
  }
  return atoms;
}

/**
 * True when the change can only take users out of the treatment: rules that serve it lost values or rules (and no
 * atom was added), and/or prerequisites were only added (more conditions to pass).
 */
function onlyNarrows(before: EnvStateView, after: EnvStateView, rules: boolean, prereqs: boolean): boolean {
  if (before.variation !== after.variation) return false;
  if (rules) {
    const [b, a] = [treatmentAtoms(before.rules, before.variation), treatmentAtoms(after.rules, after.variation)];
    if (b === null || a === null || [...a].some((x) => !b.has(x))) return false;
  }
  return !prereqs || before.prerequisites.every((p) => after.prerequisites.includes(p));
}

function targetingDelta(before: EnvStateView, after: EnvStateView): ExposureChange {
  const rules = !sameJson(before.rules, after.rules);
  const prereqs = !sameJson([...before.prerequisites], [...after.prerequisites]);
  if (!rules && !prereqs) return { kind: 'none' };
  const what = rules && prereqs ? 'rules and prerequisites' : rules ? 'rules' : 'prerequisites';
  return { kind: 'targeting', what, narrowed: onlyNarrows(before, after, rules, prereqs) };
}

/**
 * Classifies a state change. `before` null means the flag had no state in that environment (nobody exposed).
 * An unreadable `after` (not an EnvState) is `unreadable`: still a change, but of unknown size.
 */
export function exposureChange(beforeValue: JsonValue, afterValue: JsonValue): ExposureChange {
  const after = readEnvState(afterValue);
  const before = readEnvState(beforeValue);
  if (after === null || (before === null && beforeValue !== null)) {
    return sameJson(beforeValue, afterValue) ? { kind: 'none' } : { kind: 'unreadable' };
  }
  const from = exposureOf(before);
  const to = exposureOf(after);
  if (to > from) return { kind: 'increase', from, to };
  if (to < from) return { kind: 'decrease', from, to };
  if (before !== null && to > 0 && before.variation !== after.variation) {
    return { kind: 'variation', share: to, from: before.variation, to: after.variation };
  }
  if (before === null) return { kind: 'none' };
  // Off means off: a disabled flag serves no one its rollout, rules or prerequisites, so editing them moves nobody
  // (the same reason a rollout change on a disabled flag is no change), while switching one on or off at 0 % moves
  // exactly the users its rules target.
  if (!before.enabled && !after.enabled) return { kind: 'none' };
  if (before.enabled !== after.enabled) {
    const rules = after.enabled ? after.rules : before.rules;
    return Array.isArray(rules) && rules.length > 0
      ? { kind: 'segment', direction: after.enabled ? 'on' : 'off' }
      : { kind: 'none' };
  }
  return targetingDelta(before, after);
}
