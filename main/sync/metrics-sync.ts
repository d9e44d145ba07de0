/**
 * Non-ledger stream: service metrics for the timeline chart. On start the persisted window is loaded (offline viewing
 * works at once), history is fetched from `/api/v1/metrics` per service, then `/api/v1/metrics/stream` keeps the
 * window current. Failures back off with jitter and retry; metrics are samples, so nothing is replayed.
 */
import { EventSource } from 'eventsource';
import type { MetricsSeries } from '../../shared/ipc/contract.ts';
import { METRICS_EVENTS } from '../../shared/protocol/events.ts';
import { DEFAULT_BACKOFF, backoffDelay } from './backoff.ts';
import { abortableBody, getJson, type SyncTarget } from './http.ts';
import type { MetricsStore } from './metrics-store.ts';
import { DEFAULT_WINDOW, MetricsWindow, type MetricSample } from './metrics-window.ts';

/** Options of the metrics sync. */
export interface MetricsSyncOptions {
  target: SyncTarget;
  store?: MetricsStore | null;
  /** How far back history is fetched and kept. */
  retentionMs?: number;
  flushMs?: number;
  now?: () => number;
  log?: (code: string, message: string) => void;
  /** Where the stream's `fleet` events go (the SDK fleet; see main/fleet/fleet-store.ts). */
  fleet?: FleetSink;
}

/** A receiver of the metrics stream's `fleet` events. */
export interface FleetSink {
  /** The data of one `fleet` event; false when it was malformed (dropped). */
  apply(data: string): boolean;
  /** True once fleet events flow on an open stream; false when the stream ends. */
  setLive(live: boolean): void;
}

/** A running metrics sync. */
export interface MetricsSync {
  /** The chart series of one service. */
  series(service: string, from: string, to: string, stepSeconds: number): MetricsSeries;
  services(): string[];
  stop(): Promise<void>;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null;
}

/** Converts one protocol point (`ts`, `error_rate`, `p95_latency_ms`, `request_rate`) to a sample; null if malformed. */
export function sampleOf(service: string, point: unknown): MetricSample | null {
  if (typeof point !== 'object' || point === null) return null;
  const p = point as Record<string, unknown>;
  const t = typeof p['ts'] === 'string' ? Date.parse(p['ts']) : NaN;
  const errorRate = num(p['error_rate']);
  const p95Ms = num(p['p95_latency_ms']);
  const rps = num(p['request_rate']);
  if (Number.isNaN(t) || errorRate === null || p95Ms === null || rps === null) return null;
  return { service, t, errorRate, p95Ms, rps };
}

/** Samples of one `metrics` stream frame: `{ts, services: [{service, ...point}]}`. */
export function samplesOfFrame(data: string): MetricSample[] {
  let body: unknown;
  try {
    body = JSON.parse(data);
  } catch {
    return [];
  }
  const services = (body as { services?: unknown }).services;
  const ts = (body as { ts?: unknown }).ts;
  if (!Array.isArray(services)) return [];
  return services
    .map((s: unknown) => {
      const service = (s as { service?: unknown }).service;
      return typeof service === 'string' ? sampleOf(service, { ...(s as object), ts }) : null;
    })
    .filter((s): s is MetricSample => s !== null);
}

async function fetchHistory(target: SyncTarget, from: number, to: number): Promise<MetricSample[]> {
  const list = (await getJson(target, '/api/v1/services'))['services'];
  const names = Array.isArray(list) ? list.filter((s): s is string => typeof s === 'string') : [];
  const out: MetricSample[] = [];
  for (const service of names) {
    const body = await getJson(
      target,
      `/api/v1/metrics?service=${encodeURIComponent(service)}&from=${from}&to=${to}&step=10`,
    );
    const points = Array.isArray(body['points']) ? body['points'] : [];
    for (const p of points) {
      const s = sampleOf(service, p);
      if (s !== null && (p as { requests?: unknown }).requests !== 0) out.push(s);
    }
  }
  return out;
}

/** One metrics sync: window, persistence, and the stream connection with its retry timer. */
class MetricsSyncer implements MetricsSync {
  private readonly opts: MetricsSyncOptions;
  private readonly now: () => number;
  private readonly retentionMs: number;
  private readonly window: MetricsWindow;
  private readonly flusher: ReturnType<typeof setInterval>;
  private pending: MetricSample[] = [];
  private stopped = false;
  private es: EventSource | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  /** Aborts the history reads in flight when the sync stops. */
  private readonly abort = new AbortController();
  private attempt = 0;
  private lastSample: number;

  constructor(opts: MetricsSyncOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.retentionMs = opts.retentionMs ?? DEFAULT_WINDOW.retentionMs;
    this.window = new MetricsWindow({
      ...DEFAULT_WINDOW,
      retentionMs: this.retentionMs,
      maxBuckets: Math.ceil(this.retentionMs / DEFAULT_WINDOW.bucketMs),
    });
    this.lastSample = this.now() - this.retentionMs;
    if (opts.store) this.window.add(opts.store.load(this.now() - this.retentionMs));
    this.flusher = setInterval(() => this.flush(), opts.flushMs ?? 2000);
    this.flusher.unref();
    void this.connect();
  }

  series(service: string, from: string, to: string, stepSeconds: number): MetricsSeries {
    return this.window.query(service, Date.parse(from), Date.parse(to), stepSeconds);
  }

  services(): string[] {
    return this.window.services();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.es?.close();
    this.opts.fleet?.setLive(false);
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    clearInterval(this.flusher);
    this.flush();
  }

  private take(samples: MetricSample[]): void {
    this.pending.push(...this.window.add(samples));
    for (const s of samples) this.lastSample = Math.max(this.lastSample, s.t);
  }

  private flush(): void {
    this.window.prune(this.now());
    if (this.opts.store && this.pending.length > 0) {
      this.opts.store.save(this.pending);
      this.opts.store.prune(this.now() - this.retentionMs);
    }
    this.pending = [];
  }

  private retry(why: string): void {
    this.es?.close();
    this.es = null;
    this.opts.fleet?.setLive(false);
    if (this.stopped) return;
    this.attempt++;
    this.opts.log?.('E_METRICS_STREAM', `metrics stream failed (${why}); retrying`);
    this.retryTimer = setTimeout(() => void this.connect(), backoffDelay(this.attempt, DEFAULT_BACKOFF, null));
    this.retryTimer.unref();
  }

  private async connect(): Promise<void> {
    const own = this.opts.target.signal;
    const target = { ...this.opts.target, signal: own ? AbortSignal.any([own, this.abort.signal]) : this.abort.signal };
    try {
      this.take(await fetchHistory(target, Math.max(this.lastSample, this.now() - this.retentionMs), this.now()));
    } catch (err) {
      if (this.stopped) return;
      this.retry(err instanceof Error ? err.message : String(err));
      return;
    }
    if (this.stopped) return;
    const headers: Record<string, string> = target.token === null ? {} : { Authorization: `Bearer ${target.token}` };
    const base = target.fetch ?? fetch;
    const es = new EventSource(new URL('/api/v1/metrics/stream', target.baseUrl), {
      fetch: async (url, init) => {
        const signal = init.signal as AbortSignal | undefined;
        const res = await base(url, { ...init, signal, headers: { ...init.headers, ...headers } });
        // close() aborts `signal`; the pipe ends the stream on it even when fetch no longer forwards it (after a GC).
        const body = abortableBody(res.body, signal);
        return { body, url: res.url, status: res.status, redirected: res.redirected, headers: res.headers };
      },
      maxBufferSize: 1024 * 1024,
    });
    es.addEventListener('open', () => {
      this.attempt = 0;
    });
    es.addEventListener('metrics', (ev) => this.take(samplesOfFrame(typeof ev.data === 'string' ? ev.data : '')));
    es.addEventListener(METRICS_EVENTS.fleet, (ev) => {
      const fleet = this.opts.fleet;
      if (!fleet) return;
      if (fleet.apply(typeof ev.data === 'string' ? ev.data : '')) fleet.setLive(true);
      else this.opts.log?.('E_FLEET_EVENT', 'a fleet event of the metrics stream was malformed and was dropped');
    });
    es.addEventListener('error', (ev) => this.retry(ev.message ?? 'stream ended'));
    this.es = es;
  }
}

/** Starts the metrics sync. */
export function startMetricsSync(opts: MetricsSyncOptions): MetricsSync {
  return new MetricsSyncer(opts);
}
