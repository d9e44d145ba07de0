/**
 * The generator's own idea of which change caused the incident: a hazard per change (how likely it is to break enough
 * users to page) times the density of the lag to the alert. Deliberately a different functional form from the
 * model's weights (square roots, different constants, no discount for planned changes), so the evaluation measures
 * robustness to a world that is not the model.
 */
import type { ChangeRecord } from '../../shared/correlate/changes.ts';
import type { Tier } from '../../shared/correlate/types.ts';
import type { Mix } from './mixes.ts';

const BLAST: Readonly<Record<Tier, number>> = { LOW: 1, MEDIUM: 1.3, HIGH: 1.6, BLOCKED: 2 };

/** How likely a change is to break enough users to page: grows with √(share moved), doubled for first exposure. */
export function hazard(r: ChangeRecord, tier: Tier): number {
  const c = r.change;
  const base = (() => {
    switch (c.kind) {
      case 'increase':
        return Math.sqrt(c.to - c.from) * (c.from === 0 ? 2 : 1);
      case 'decrease':
        return 0.1 * Math.sqrt(c.from - c.to);
      case 'variation':
        return 0.8 * Math.sqrt(c.share);
      case 'targeting':
        return 0.2;
      case 'segment':
        return c.direction === 'on' ? 0.2 : 0.1 * Math.sqrt(0.1);
      case 'unreadable':
        return 0.2;
      case 'none':
        return 0;
    }
  })();
  return base * BLAST[tier];
}

/** Density of the lag from a change to the alert (log-normal, or uniform on [10 s, 29 min] for the adversarial mix). */
export function lagDensity(mix: Mix, lagSeconds: number): number {
  if (lagSeconds <= 0) return 0;
  if (mix.lag.uniform) return lagSeconds >= 10 && lagSeconds <= 1740 ? 1 : 0;
  const z = (Math.log(lagSeconds) - Math.log(mix.lag.median)) / mix.lag.sigma;
  return Math.exp(-0.5 * z * z) / (lagSeconds * mix.lag.sigma);
}
