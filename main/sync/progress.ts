/** Progress of a sync for the UI: entries done / total, the recent rate (sliding window) and the ETA it implies. */
import type { SyncProgress } from '../../shared/ipc/contract.ts';

interface Sample {
  t: number;
  done: number;
}

/** Minimum span of samples before a rate is reported (shorter spans give wild numbers). */
const MIN_SPAN_MS = 200;

/** Computes rate and ETA from successive (done, total) observations. */
export class ProgressMeter {
  private samples: Sample[] = [];
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(windowMs = 5000, now: () => number = () => performance.now()) {
    this.windowMs = windowMs;
    this.now = now;
  }

  /** Forgets the history (a new sync run starts). */
  reset(): void {
    this.samples = [];
  }

  /** Records `done` of `total` now and returns the progress to report. */
  update(done: number, total: number): SyncProgress {
    const t = this.now();
    const last = this.samples[this.samples.length - 1];
    if (last !== undefined && done < last.done) this.samples = [];
    this.samples.push({ t, done });
    while (this.samples.length > 2 && t - (this.samples[1] as Sample).t >= this.windowMs) this.samples.shift();
    const first = this.samples[0] as Sample;
    const span = t - first.t;
    const rate = span >= MIN_SPAN_MS ? ((done - first.done) * 1000) / span : 0;
    const remaining = Math.max(total - done, 0);
    const etaSeconds = remaining === 0 ? 0 : rate > 0 ? Math.ceil(remaining / rate) : null;
    return { done, total, ratePerSecond: Math.round(rate), etaSeconds };
  }
}
