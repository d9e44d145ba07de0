/**
 * In-memory service metrics for the incident chart: per service, fixed time buckets (default 5 s) with request and
 * error counts and a log-scale latency histogram (p95 from the histogram). Retention is bounded (default 6 h).
 */

const BIN_BASE = 1.25;
const BINS = 64;
// Upper bound (ms) of each latency bin: 0.5 ms × 1.25^i, so bin 63 ends above 600 s.
const BOUNDS = Array.from({ length: BINS }, (_, i) => 0.5 * BIN_BASE ** i);

interface Bucket {
  requests: number;
  errors: number;
  hist: Uint32Array;
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
  private readonly retentionMs: number;
  private readonly data = new Map<string, Map<number, Bucket>>();

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
  }

  /** Known services, sorted. */
  services(): string[] {
    return [...this.data.keys()].sort();
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
    for (const name of names) {
      const series = this.data.get(name);
      if (series === undefined) continue;
      for (let t = Math.floor(from / this.bucketMs) * this.bucketMs; t < to; t += this.bucketMs) {
        const b = series.get(t);
        if (b === undefined) continue;
        requests += b.requests;
        errors += b.errors;
        for (let i = 0; i < BINS; i++) hist[i] = (hist[i] ?? 0) + (b.hist[i] ?? 0);
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

  /** Drops buckets older than the retention window. */
  prune(now: number): void {
    const cutoff = now - this.retentionMs;
    for (const series of this.data.values()) for (const t of series.keys()) if (t < cutoff) series.delete(t);
  }
}
