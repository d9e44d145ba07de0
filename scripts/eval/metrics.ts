/** Ranking quality: precision@1, precision@3 and mean reciprocal rank over scenarios with one known cause. */

/** Summary metrics of a tally. */
export interface Metrics {
  n: number;
  p1: number;
  p3: number;
  mrr: number;
}

/** 1-based rank of `truth` in a ranked list of ledger indices; 0 when absent. */
export function rankOf(ranked: readonly number[], truth: number): number {
  const i = ranked.indexOf(truth);
  return i < 0 ? 0 : i + 1;
}

/** Precision@1, precision@3 and MRR of a list of ranks. */
export function summarize(ranks: readonly number[]): Metrics {
  const n = ranks.length;
  if (n === 0) return { n: 0, p1: 0, p3: 0, mrr: 0 };
  const p1 = ranks.filter((r) => r === 1).length / n;
  const p3 = ranks.filter((r) => r >= 1 && r <= 3).length / n;
  const mrr = ranks.reduce((s, r) => s + (r > 0 ? 1 / r : 0), 0) / n;
  return { n, p1, p3, mrr };
}
