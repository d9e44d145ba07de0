/** Builds one scenario's ledger: events are scheduled at times, then applied in time order to assign idx and states. */
import type { LedgerLeaf } from '../../shared/ledger/leaf.ts';
import type { CorrelationEntry } from '../../shared/correlate/types.ts';

/** The fields of an entry an event supplies; idx, ts, log, prev and verified are filled in by the builder. */
export type EntryDraft = Pick<LedgerLeaf, 'actor' | 'action' | 'flag' | 'env' | 'before' | 'after' | 'reason' | 'refs'>;

/** A scheduled event: at `ms` (ledger clock) it emits entries via the builder. */
export interface ScheduledEvent {
  ms: number;
  run(b: LedgerBuilder): void;
}

/** Appends entries with consecutive idx and the scenario's timestamps. */
export class LedgerBuilder {
  readonly entries: CorrelationEntry[] = [];
  readonly log: string;
  private now = 0;

  constructor(log: string) {
    this.log = log;
  }

  /** Appends one entry at the current event time; returns its idx. */
  push(d: EntryDraft): number {
    const idx = this.entries.length;
    const ts = new Date(this.now).toISOString();
    // prev is a placeholder: the scorer never reads it; exports recompute the real chain.
    this.entries.push({ v: 1, log: this.log, idx, ts, prev: idx === 0 ? '' : '0'.repeat(64), verified: true, ...d });
    return idx;
  }

  /** Runs events in time order (stable for equal times). */
  runAll(events: readonly ScheduledEvent[]): void {
    const order = events.map((e, i) => ({ e, i })).sort((a, b) => a.e.ms - b.e.ms || a.i - b.i);
    for (const { e } of order) {
      // The ledger's clock only moves forward, with millisecond resolution.
      this.now = Math.max(this.now + 1, Math.round(e.ms));
      e.run(this);
    }
  }
}
