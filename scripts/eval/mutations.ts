/** The kinds of flag changes the generator makes, when each applies, and how each changes an environment's state. */
import type { Rng } from './rng.ts';
import type { EnvState } from './world.ts';

/** A kind of change to one environment's state. */
export type ChangeKind = 'first_exposure' | 'canary' | 'ramp' | 'decrease' | 'variation' | 'targeting';

const STEPS = [1, 5, 10, 25, 50, 100];

function exposure(s: EnvState): number {
  return s.enabled ? s.rollout_pct : 0;
}

/** Whether a kind of change can be applied to a state (you cannot ramp a flag that is off, or first-expose one at 100 %). */
export function applicable(kind: ChangeKind, s: EnvState): boolean {
  const e = exposure(s);
  switch (kind) {
    case 'first_exposure':
      return e === 0;
    case 'canary':
      return e === 0;
    case 'ramp':
      return e > 0 && e < 100;
    case 'decrease':
      return e > 0;
    case 'variation':
      return e > 0;
    case 'targeting':
      return true;
  }
}

/**
 * Picks a new rollout percentage. Routine changes pick uniformly; a causal change (`hazard`) picks with weight
 * √(newly exposed points): a change that moves more users is more likely to break enough of them to page.
 */
function target(rng: Rng, options: readonly number[], from: number, hazard: boolean): number {
  return hazard ? rng.weighted(options.map((p) => [p, Math.sqrt(p - from)] as const)) : rng.pick(options);
}

/** Applies a change kind to a copy of the state (`hazard`: size drawn as for a change that caused an incident). */
export function mutate(kind: ChangeKind, s: EnvState, rng: Rng, hazard = false): EnvState {
  const next: EnvState = { ...s, rules: [...s.rules], prerequisites: [...s.prerequisites] };
  const e = exposure(s);
  switch (kind) {
    case 'first_exposure':
      return { ...next, enabled: true, rollout_pct: target(rng, [5, 10, 25, 50, 100], 0, hazard) };
    case 'canary':
      return { ...next, enabled: true, rollout_pct: 1 };
    case 'ramp':
      return {
        ...next,
        rollout_pct: target(
          rng,
          STEPS.filter((p) => p > e),
          e,
          hazard,
        ),
      };
    case 'decrease':
      return rng.chance(0.6) || e <= 1
        ? { ...next, enabled: false }
        : { ...next, rollout_pct: rng.pick(STEPS.filter((p) => p < e)) };
    case 'variation':
      return { ...next, variation: s.variation === 'on' ? rng.pick(['v2', 'treatment_b', 'fast']) : 'on' };
    case 'targeting':
      if (s.rules.length > 0 && rng.chance(0.5)) return { ...next, rules: s.rules.slice(1) };
      return {
        ...next,
        rules: [
          ...s.rules,
          {
            attribute: rng.pick(['country', 'plan', 'app_version', 'tenant']),
            op: 'in',
            values: [rng.pick(['DE', 'US', 'pro', 'beta', '7.2'])],
            variation: s.variation,
          },
        ],
      };
  }
}

/** Picks an applicable kind by weight; null when none applies. */
export function pickKind(rng: Rng, weights: Readonly<Record<ChangeKind, number>>, s: EnvState): ChangeKind | null {
  const options = (Object.entries(weights) as [ChangeKind, number][]).filter(([k, w]) => w > 0 && applicable(k, s));
  return options.length === 0 ? null : rng.weighted(options);
}

/** What background changes look like: people ramp, roll back, retarget and launch all day. */
export const NOISE_KINDS: Readonly<Record<ChangeKind, number>> = {
  first_exposure: 15,
  canary: 5,
  ramp: 25,
  decrease: 25,
  variation: 10,
  targeting: 20,
};

/** What a deploy does to flags: code ships dark (seed lifecycle: ACTIVE at 0 %), then internal-tester rules and 1 % canaries. */
export const DEPLOY_KINDS: Readonly<Record<ChangeKind, number>> = {
  first_exposure: 0,
  canary: 30,
  ramp: 20,
  decrease: 0,
  variation: 0,
  targeting: 50,
};
