/** Types shared by the evaluation modules. */
import type { CorrelationEntry, IncidentInput, Telemetry } from '../../shared/correlate/types.ts';

/** One generated scenario with its ground truth. */
export interface Scenario {
  id: string;
  mix: string;
  entries: CorrelationEntry[];
  incident: IncidentInput;
  /** idx of the entry that caused the incident. */
  truthIdx: number;
  /** Labels of the situations the scenario contains (for per-situation breakdowns). */
  tags: string[];
  /**
   * The generator's own probability that its most likely (top-3) candidates are the cause: what a ranker that knew
   * the generator, the true services and the true clock would score on average. An upper bound for any real ranker.
   */
  oracle: { p1: number; p3: number };
  /** Evaluator telemetry, in mixes that have it. */
  telemetry: Telemetry | null;
}
