/**
 * In-memory service metrics for the incident chart: per service, fixed time buckets (default 5 s) with request and
 * error counts and a log-scale latency histogram (p95 from the histogram). Retention is bounded (default 6 h).
 *
 * Several instances on one PostgreSQL database (telemetry-share.ts): each records the samples that reach it, exports
 * the buckets it changed, and is handed the buckets the other instances published. Buckets merge by summation, so
 * every read answers from the local bucket plus each other instance's bucket of the same start. An instance's
 * published bucket carries its absolute counts, so a newer copy replaces the older one rather than adding to it.
 */

const BIN_BASE = 1.25;
const BINS = 64;
/** Latency bins per bucket (the length of a shared bucket's histogram). */
export const LATENCY_BINS = BINS;
// Upper bound (ms) of each latency bin: 0.5 ms × 1.25^i, so bin 63 ends above 600 s.
const BOUNDS = Array.from({ length: BINS }, (_, i) => 0.5 * BIN_BASE ** i);

interface Bucket {
  requests: number;
  errors: number;
  hist: Uint32Array;
}

/** One bucket as exported to, or received from, another instance: absolute counts, `hist` of LATENCY_BINS counts. */
export interface SharedBucket {
  series: string;
  /** Bucket start, ms (a multiple of bucketMs). */
  start: number;
  requests: number;
  errors: number;
  hist: number[];
}

/** One chart point. */
export interface MetricPoint {
  ts: string;
  requests: number;
  errors: number;
  error_rate: number;
  p95_latency_ms: number;
  request_rate: number;
}

function binOf(latencyMs: number): number {
  if (latencyMs <= 0.5) return 0;
  return Math.min(BINS - 1, Math.ceil(Math.log(latencyMs / 0.5) / Math.log(BIN_BASE)));
}

function p95(hist: Uint32Array, total: number): number {
  if (total === 0) return 0;
  const target = Math.ceil(total * 0.95);
  let acc = 0;
  for (let i = 0; i < BINS; i++) {
    acc += hist[i] ?? 0;
    if (acc >= target) return Math.round((BOUNDS[i] ?? 0) * 10) / 10;
  }
  return Math.round((BOUNDS[BINS - 1] ?? 0) * 10) / 10;
}

/** The flag-metrics key of one flag in one environment. */
export function flagSeriesKey(flag: string, environment: string): string {
  return `${environment}\u0000${flag}`;
}

/** Bucketed metrics per service (or per flag and environment, keyed by `flagSeriesKey`). */
export class MetricsStore {
  readonly bucketMs: number;
  readonly retentionMs: number;
  private readonly data = new Map<string, Map<number, Bucket>>();
  /** Other instances' buckets: series → bucket start → source instance → its latest copy. */
  private readonly remote = new Map<string, Map<number, Map<string, Bucket>>>();
  /**
   * Local buckets changed since the last export: null until the first export, so a store nobody exports from (SQLite,
   * one instance) keeps no change log.
   */
  private dirty: Map<string, Set<number>> | null = null;

  constructor(bucketMs = 5000, retentionMs = 6 * 60 * 60 * 1000) {
    this.bucketMs = bucketMs;
    this.retentionMs = retentionMs;
  }

  /** Records `count` requests with the same outcome and latency at time ts (ms). */
  record(service: string, error: boolean, latencyMs: number, ts: number, count = 1): void {
    let series = this.data.get(service);
    if (series === undefined) {
      series = new Map();
      this.data.set(service, series);
    }
    const start = Math.floor(ts / this.bucketMs) * this.bucketMs;
    let b = series.get(start);
    if (b === undefined) {
      b = { requests: 0, errors: 0, hist: new Uint32Array(BINS) };
      series.set(start, b);
    }
    b.requests += count;
    if (error) b.errors += count;
    const bin = binOf(latencyMs);
    b.hist[bin] = (b.hist[bin] ?? 0) + count;
    if (this.dirty !== null) {
      let starts = this.dirty.get(service);
      if (starts === undefined) {
        starts = new Set();
        this.dirty.set(service, starts);
      }
      starts.add(start);
    }
  }

  /**
   * The local buckets changed since the last export, with their absolute counts (a bucket still filling comes again
   * each time it changes). The first export, and any with `full` (the previous export was lost, e.g. the database
   * failed), returns every local bucket; from the first export on, changes are tracked.
   */
  exportChanges(full = false): SharedBucket[] {
    const out: SharedBucket[] = [];
    const push = (series: string, start: number, b: Bucket): void => {
      out.push({ series, start, requests: b.requests, errors: b.errors, hist: Array.from(b.hist) });
    };
    if (full || this.dirty === null) {
      for (const [series, buckets] of this.data) for (const [start, b] of buckets) push(series, start, b);
    } else {
      for (const [series, starts] of this.dirty) {
        const buckets = this.data.get(series);
        for (const start of starts) {
          const b = buckets?.get(start);
          // Pruned since it changed: past retention, nobody reads it any more.
          if (b !== undefined) push(series, start, b);
        }
      }
    }
    this.dirty = new Map();
    return out;
  }

  /**
   * Sets buckets another instance (`source`) published; each replaces that instance's earlier copy of the same series
   * and start. A bucket not aligned on this store's bucketMs (an instance configured differently) is left out: it
   * would fall between the buckets every read walks.
   */
  setRemote(source: string, buckets: readonly SharedBucket[]): void {
    for (const s of buckets) {
      if (s.start % this.bucketMs !== 0) continue;
      let series = this.remote.get(s.series);
      if (series === undefined) {
        series = new Map();
        this.remote.set(s.series, series);
      }
      let sources = series.get(s.start);
      if (sources === undefined) {
        sources = new Map();
        series.set(s.start, sources);
      }
      const hist = new Uint32Array(BINS);
      for (let i = 0; i < BINS; i++) hist[i] = s.hist[i] ?? 0;
      sources.set(source, { requests: s.requests, errors: s.errors, hist });
    }
  }

  /** Known services (this instance's and the others'), sorted. */
  services(): string[] {
    return [...new Set([...this.data.keys(), ...this.remote.keys()])].sort();
  }

  /** Points every `stepMs` in [from, to) for one service (or all services summed when null). */
  query(service: string | null, from: number, to: number, stepMs: number): MetricPoint[] {
    const step = Math.max(this.bucketMs, Math.ceil(stepMs / this.bucketMs) * this.bucketMs);
    const start = Math.floor(from / step) * step;
    const points: MetricPoint[] = [];
    for (let t = start; t < to; t += step) points.push(this.window(service, t, t + step));
    return points;
  }

  /** One aggregated point over [from, to). */
  window(service: string | null, from: number, to: number): MetricPoint {
    const hist = new Uint32Array(BINS);
    let requests = 0;
    let errors = 0;
    const names = service === null ? this.services() : [service];
    const add = (b: Bucket): void => {
      requests += b.requests;
      errors += b.errors;
      for (let i = 0; i < BINS; i++) hist[i] = (hist[i] ?? 0) + (b.hist[i] ?? 0);
    };
    for (const name of names) {
      const series = this.data.get(name);
      const others = this.remote.get(name);
      if (series === undefined && others === undefined) continue;
      for (let t = Math.floor(from / this.bucketMs) * this.bucketMs; t < to; t += this.bucketMs) {
        const b = series?.get(t);
        if (b !== undefined) add(b);
        const sources = others?.get(t);
        if (sources !== undefined) for (const r of sources.values()) add(r);
      }
    }
    const seconds = Math.max(1, (to - from) / 1000);
    return {
      ts: new Date(from).toISOString(),
      requests,
      errors,
      error_rate: requests === 0 ? 0 : Math.round((errors / requests) * 1e4) / 1e4,
      p95_latency_ms: p95(hist, requests),
      request_rate: Math.round((requests / seconds) * 100) / 100,
    };
  }

  /** Drops buckets older than the retention window, the other instances' too. */
  prune(now: number): void {
    const cutoff = now - this.retentionMs;
    for (const series of this.data.values()) for (const t of series.keys()) if (t < cutoff) series.delete(t);
    for (const [name, series] of this.remote) {
      for (const t of series.keys()) if (t < cutoff) series.delete(t);
      // A series only other instances reported, all of it past retention, is no longer listed by services().
      if (series.size === 0) this.remote.delete(name);
    }
  }
}
