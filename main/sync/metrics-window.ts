/**
 * The metrics the timeline chart needs, kept in memory per service with a bounded window: samples are folded into
 * fixed buckets (the last sample of a bucket wins), older than the retention are dropped, and each service holds at
 * most `maxBuckets`. Reads aggregate buckets into the step the chart asks for.
 */
import type { MetricsSeries } from '../../shared/ipc/contract.ts';

/** One sample of one service. */
export interface MetricSample {
  service: string;
  /** Sample time, ms since the epoch. */
  t: number;
  errorRate: number;
  p95Ms: number;
  rps: number;
}

/** Window bounds. */
export interface WindowOptions {
  bucketMs: number;
  retentionMs: number;
  maxBuckets: number;
}

/** Defaults: 5 s buckets, 6 hours, so at most 4320 buckets per service. */
export const DEFAULT_WINDOW: WindowOptions = { bucketMs: 5000, retentionMs: 6 * 3600 * 1000, maxBuckets: 4320 };

/** Bounded in-memory metrics per service. */
export class MetricsWindow {
  private readonly opts: WindowOptions;
  private readonly series = new Map<string, Map<number, MetricSample>>();

  constructor(opts: WindowOptions = DEFAULT_WINDOW) {
    this.opts = opts;
  }

  /** Adds samples (any order); returns the ones that changed a bucket (for persistence). */
  add(samples: readonly MetricSample[]): MetricSample[] {
    const changed: MetricSample[] = [];
    for (const s of samples) {
      if (!Number.isFinite(s.t) || s.service === '') continue;
      let buckets = this.series.get(s.service);
      if (buckets === undefined) {
        buckets = new Map();
        this.series.set(s.service, buckets);
      }
      const key = Math.floor(s.t / this.opts.bucketMs) * this.opts.bucketMs;
      const prev = buckets.get(key);
      if (prev !== undefined && prev.t > s.t) continue;
      buckets.set(key, s);
      changed.push(s);
      this.trim(buckets);
    }
    return changed;
  }

  /** Known services, sorted. */
  services(): string[] {
    return [...this.series.keys()].sort();
  }

  /** Drops buckets older than `now - retention` everywhere. */
  prune(now: number): void {
    const cutoff = now - this.opts.retentionMs;
    for (const buckets of this.series.values()) for (const t of buckets.keys()) if (t < cutoff) buckets.delete(t);
  }

  /** The series of `service` in [from, to) aggregated per step: mean error rate and rps, max p95. */
  query(service: string, from: number, to: number, stepSeconds: number): MetricsSeries {
    const step = Math.max(this.opts.bucketMs, Math.round(stepSeconds * 1000));
    const buckets = this.series.get(service) ?? new Map<number, MetricSample>();
    const groups = new Map<number, MetricSample[]>();
    for (const s of buckets.values()) {
      if (s.t < from || s.t >= to) continue;
      const key = Math.floor(s.t / step) * step;
      const group = groups.get(key) ?? [];
      group.push(s);
      groups.set(key, group);
    }
    const points = [...groups.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([t, g]) => ({
        t: new Date(t).toISOString(),
        errorRate: round(g.reduce((a, s) => a + s.errorRate, 0) / g.length, 4),
        p95Ms: Math.max(...g.map((s) => s.p95Ms)),
        rps: round(g.reduce((a, s) => a + s.rps, 0) / g.length, 2),
      }));
    return { service, stepSeconds: step / 1000, points };
  }

  private trim(buckets: Map<number, MetricSample>): void {
    if (buckets.size <= this.opts.maxBuckets) return;
    const keys = [...buckets.keys()].sort((a, b) => a - b);
    for (const k of keys.slice(0, buckets.size - this.opts.maxBuckets)) buckets.delete(k);
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
