/** Runs one mix: generates its scenarios, ranks each with ours and the seed baseline, and tallies the ranks. */
import { rankCandidates } from '../../shared/correlate/rank.ts';
import type { Candidate, Confidence } from '../../shared/correlate/types.ts';
import { rankBaseline } from './baseline.ts';
import { rankOf, summarize, type Metrics } from './metrics.ts';
import type { Mix } from './mixes.ts';
import { generateScenario } from './scenario.ts';
import type { Scenario } from './types.ts';

/** The outcome of one mix. */
export interface MixResult {
  mix: string;
  ours: Metrics;
  baseline: Metrics;
  /** Of the scenarios whose top candidate had this confidence: how many there were and how often it was right. */
  calibration: Record<Confidence, { n: number; correct: number }>;
  /** p@1 of ours and the baseline per scenario tag. */
  byTag: Record<string, { n: number; ours: number; baseline: number }>;
  /**
   * Misses where our top candidate is at least as suspicious as the true cause on every factor (recency, service,
   * environment, tier, exposure, telemetry, plan, after-alert): no ranking that respects those orderings can put the
   * cause first, so 1 − dominated/n bounds p@1 for any such model on this mix.
   */
  dominatedMisses: number;
  /** Mean oracle p@1 / p@3 (see Scenario.oracle): the ceiling of this mix. */
  oracle: { p1: number; p3: number };
  /** Mean time to rank one scenario with ours, milliseconds. */
  msPerRanking: number;
}

/** The seed of scenario `n` of mix number `m` under the run's seed. */
export function scenarioSeed(seed: number, m: number, n: number): number {
  return (seed + m * 1_000_003 + n * 7919) >>> 0;
}

/** True when `a` is at least as suspicious as `b` on every factor. */
export function dominates(a: Candidate, b: Candidate): boolean {
  return b.explanation.every(
    (fb) => (a.explanation.find((fa) => fa.factor === fb.factor)?.multiplier ?? 0) >= fb.multiplier,
  );
}

/** Ranks of the true cause under ours (full ranking) and under the baseline, our top confidence, and dominance. */
export function rankScenario(s: Scenario): {
  ours: number;
  baseline: number;
  confidence: Confidence | null;
  dominated: boolean;
} {
  const result = rankCandidates({
    entries: s.entries,
    incident: s.incident,
    telemetry: s.telemetry,
    options: { limit: 1_000_000 },
  });
  const ours = rankOf(
    result.candidates.map((c) => c.ledger_idx),
    s.truthIdx,
  );
  const baseline = rankOf(
    rankBaseline(s.entries, s.incident).map((r) => r.ledger_idx),
    s.truthIdx,
  );
  const top = result.candidates[0];
  const truth = result.candidates[ours - 1];
  const dominated = ours > 1 && top !== undefined && truth !== undefined && dominates(top, truth);
  return { ours, baseline, confidence: top?.confidence ?? null, dominated };
}

/** Generates and evaluates `count` scenarios of a mix. */
export function evaluateMix(mix: Mix, m: number, count: number, seed: number): MixResult {
  const ours: number[] = [];
  const base: number[] = [];
  const calibration: MixResult['calibration'] = {
    HIGH: { n: 0, correct: 0 },
    MEDIUM: { n: 0, correct: 0 },
    LOW: { n: 0, correct: 0 },
  };
  const byTag: MixResult['byTag'] = {};
  let rankMs = 0;
  let dominatedMisses = 0;
  const oracle = { p1: 0, p3: 0 };
  for (let n = 0; n < count; n++) {
    const s = generateScenario(mix, scenarioSeed(seed, m, n), n);
    const started = performance.now();
    const r = rankScenario(s);
    rankMs += performance.now() - started;
    ours.push(r.ours);
    if (r.dominated) dominatedMisses++;
    oracle.p1 += s.oracle.p1 / count;
    oracle.p3 += s.oracle.p3 / count;
    base.push(r.baseline);
    if (r.confidence !== null) {
      calibration[r.confidence].n++;
      if (r.ours === 1) calibration[r.confidence].correct++;
    }
    for (const tag of s.tags) {
      const t = (byTag[tag] ??= { n: 0, ours: 0, baseline: 0 });
      t.n++;
      if (r.ours === 1) t.ours++;
      if (r.baseline === 1) t.baseline++;
    }
  }
  return {
    mix: mix.name,
    ours: summarize(ours),
    baseline: summarize(base),
    calibration,
    byTag,
    dominatedMisses,
    oracle,
    msPerRanking: rankMs / Math.max(1, count),
  };
}
