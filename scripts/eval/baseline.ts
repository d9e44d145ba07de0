/**
 * The seed baseline (public Tombstone): every flag state change in the 30 minutes before the alert, scored
 * exp(-0.1 × minutes_before), no annotations, no skew tolerance. Same candidate set as ours, so only scoring differs.
 */
import { approvedChangeRequests, changeRecords } from '../../shared/correlate/changes.ts';
import { parseInstant } from '../../shared/correlate/time.ts';
import type { CorrelationEntry, IncidentInput } from '../../shared/correlate/types.ts';

/** One baseline-ranked change. */
export interface BaselineRanked {
  ledger_idx: number;
  score: number;
}

/** Ranks like the seed design: window [T − 30 min, T], score exp(−0.1 × minutes before), later change wins ties. */
export function rankBaseline(
  entries: readonly CorrelationEntry[],
  incident: IncidentInput,
  windowSeconds = 1800,
): BaselineRanked[] {
  const t = parseInstant(incident.at);
  const approved = approvedChangeRequests(entries);
  const ranked = entries
    .filter((e) => {
      const ms = Date.parse(e.ts);
      return ms <= t && ms >= t - windowSeconds * 1000;
    })
    .flatMap((e) => changeRecords(e, approved))
    .map((r) => ({ r, score: Math.exp(-0.1 * ((t - r.tsMs) / 60_000)) }));
  ranked.sort((a, b) => b.score - a.score || b.r.tsMs - a.r.tsMs || b.r.entry.idx - a.r.entry.idx);
  return ranked.map((x) => ({ ledger_idx: x.r.entry.idx, score: x.score }));
}
