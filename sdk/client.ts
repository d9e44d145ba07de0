/**
 * The Tombstone SDK for Node services. Evaluation is local (the in-process cache), never touches the network and
 * never throws. The cache is filled from the control plane's SSE stream (snapshot, then deltas; resume with
 * Last-Event-ID; reconnect with jittered exponential backoff), or — when the control plane cannot be reached at
 * start — from the last-known-good file (the client then reports itself stale). With nothing known, callers get their
 * code defaults. Evaluation counts and request outcomes go to POST /api/v1/telemetry in batches, where they feed the
 * circuit breaker. Each applied config version (and each switch between live and last-known-good) is acknowledged at
 * once with POST /api/v1/sdk/ack, so the control plane knows which instances serve which version (its fleet view).
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type { JsonValue } from '../shared/ledger/index.ts';
import type { EvalContext, EvalResult } from '../shared/eval/index.ts';
import type { SdkAckBody } from '../shared/protocol/fleet.ts';
import type { SdkRequestSample, SdkTelemetryBody } from '../shared/protocol/sdk.ts';
import type { Applied } from './cache.ts';
import { ConfigCache, FrameError } from './cache.ts';
import { readLkg, writeLkg } from './lkg.ts';
import type { SseConnection } from './sse.ts';
import { openStream } from './sse.ts';
import { SDK_VERSION } from './version.ts';

/** Options of a client. */
export interface TombstoneClientOptions {
  /** Control plane base URL, e.g. http://127.0.0.1:8080. */
  url: string;
  /** An SDK key (`tsdk_…`) of the environment to serve. */
  sdkKey: string;
  /** This service's name (lowercase), reported with telemetry. */
  service: string;
  /** Where to keep the last-known-good config (none when omitted). */
  lkgPath?: string;
  /** Telemetry flush interval (default 10 s; 0 disables telemetry). */
  telemetryIntervalMs?: number;
  /** Reconnect backoff bounds (default 250 ms … 30 s). */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** Reconnect when the stream is silent this long (default 45 s; the control plane sends heartbeats). */
  idleTimeoutMs?: number;
  /** Largest event accepted from the stream (default 16 MiB). */
  maxFrameBytes?: number;
  /** Instance id (default a random UUID) and host name (default os.hostname()). */
  instanceId?: string;
  host?: string;
  /** Acknowledge applied versions with POST /api/v1/sdk/ack (default true). */
  ack?: boolean;
  /**
   * Once live, report itself STALE (serving what it last applied, its last-known-good) when the stream has been down
   * this long; live again at the next `ready` (default: never — only a last-known-good start is STALE).
   */
  staleAfterMs?: number;
}

/** What the client is serving from. */
export type ClientStatus = 'NOT_READY' | 'READY' | 'STALE' | 'CLOSED';

/** An error reported on the `error` event (the client keeps serving what it had). */
export interface ClientError {
  code: string;
  message: string;
}

/** Result of evaluate(): the shared evaluator's result, or the caller's default before any config. */
export type Evaluation = Omit<EvalResult, 'errorCode'> & {
  errorCode?: EvalResult['errorCode'] | 'PROVIDER_NOT_READY';
};

const MAX_SAMPLES = 10_000;

/** The SDK client. Events: `ready` (live), `stale` (serving last-known-good), `changed` (keys), `error`. */
export class TombstoneClient extends EventEmitter {
  readonly instanceId: string;
  readonly host: string;
  private readonly opts: Required<
    Omit<TombstoneClientOptions, 'lkgPath' | 'instanceId' | 'host' | 'ack' | 'staleAfterMs'>
  > & {
    lkgPath: string | null;
  };
  private readonly cache: ConfigCache;
  private state: ClientStatus = 'NOT_READY';
  private conn: SseConnection | null = null;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private telemetryTimer: NodeJS.Timeout | null = null;
  private lkgTimer: NodeJS.Timeout | null = null;
  private readonly counts = new Map<string, Map<string, number>>();
  private samples: SdkRequestSample[] = [];
  private droppedSamples = 0;
  private lastError: ClientError | null = null;
  /** An error was reported since the last `ready` (listeners such as the OpenFeature provider are told when it ends). */
  private degraded = false;
  /** Resume from the cache's version (false: ask for a snapshot — the cache came from elsewhere or went astray). */
  private resumable = true;
  /** Acks: one in flight at most; `ackAgain` when the state changed meanwhile (the next one carries the latest). */
  private acking = false;
  private ackAgain = false;
  private ackEnabled: boolean;
  private readonly staleAfterMs: number | null;
  private staleTimer: NodeJS.Timeout | null = null;
  private readonly started: Promise<void>;
  private resolveReady: (() => void) | null = null;

  constructor(options: TombstoneClientOptions) {
    super();
    this.opts = {
      url: options.url.replace(/\/+$/, ''),
      sdkKey: options.sdkKey,
      service: options.service,
      lkgPath: options.lkgPath ?? null,
      telemetryIntervalMs: options.telemetryIntervalMs ?? 10_000,
      backoffMinMs: options.backoffMinMs ?? 250,
      backoffMaxMs: options.backoffMaxMs ?? 30_000,
      idleTimeoutMs: options.idleTimeoutMs ?? 45_000,
      maxFrameBytes: options.maxFrameBytes ?? 16 * 1024 * 1024,
    };
    this.ackEnabled = options.ack ?? true;
    this.staleAfterMs = options.staleAfterMs ?? null;
    this.instanceId = options.instanceId ?? randomUUID();
    this.host = options.host ?? hostname();
    this.cache = new ConfigCache({ maxFrameBytes: this.opts.maxFrameBytes });
    this.started = new Promise((resolve) => {
      this.resolveReady = resolve;
    });
    // Errors are reported as events; without a listener they must not crash the service.
    this.on('error', () => undefined);
    this.loadLkg();
    this.connect();
    if (this.opts.telemetryIntervalMs > 0) {
      this.telemetryTimer = setInterval(() => void this.flush(), this.opts.telemetryIntervalMs);
      this.telemetryTimer.unref();
    }
  }

  /** NOT_READY (nothing known), READY (live), STALE (last-known-good), CLOSED. */
  get status(): ClientStatus {
    return this.state;
  }

  /** The config version applied to the cache (null before any). */
  get version(): number | null {
    return this.cache.version;
  }

  /** The last error reported (null when none). */
  get error(): ClientError | null {
    return this.lastError;
  }

  /** Keys of the flags in the cache. */
  keys(): string[] {
    return this.cache.current?.keys() ?? [];
  }

  /**
   * Resolves once the client serves a config (live, or last-known-good); rejects with E_SDK_NOT_READY after
   * `timeoutMs` with nothing to serve (evaluations then return code defaults).
   */
  async ready(timeoutMs = 10_000): Promise<void> {
    if (this.state === 'READY' || this.state === 'STALE') return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const why = this.lastError === null ? '' : ` (last error ${this.lastError.code}: ${this.lastError.message})`;
        reject(
          Object.assign(new Error(`E_SDK_NOT_READY: no config from ${this.opts.url} within ${timeoutMs} ms${why}`), {
            code: 'E_SDK_NOT_READY',
          }),
        );
      }, timeoutMs);
    });
    try {
      await Promise.race([this.started, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Evaluates a flag locally. Never throws; before any config, returns `defaultValue` with PROVIDER_NOT_READY. */
  evaluate(key: string, context: EvalContext, defaultValue: JsonValue): Evaluation {
    const ev = this.cache.current;
    if (ev === null) {
      return {
        value: defaultValue,
        variant: undefined,
        reason: 'ERROR',
        errorCode: 'PROVIDER_NOT_READY',
        message: 'the SDK has no config yet (control plane unreachable and no last-known-good file); code default',
        version: 0,
      };
    }
    let r: EvalResult;
    try {
      r = ev.evaluate(key, context, defaultValue);
    } catch (err) {
      return {
        value: defaultValue,
        variant: undefined,
        reason: 'ERROR',
        errorCode: 'GENERAL',
        message: `evaluation failed: ${String(err)}`,
        version: ev.version,
      };
    }
    if (r.variant !== undefined) this.count(key, r.variant);
    return r;
  }

  /** A boolean flag's value (the default when the flag is unknown or not boolean). */
  boolean(key: string, context: EvalContext, defaultValue: boolean): boolean {
    const v = this.evaluate(key, context, defaultValue).value;
    return typeof v === 'boolean' ? v : defaultValue;
  }

  /** Records one request outcome for a flag (what the circuit breaker counts). */
  recordOutcome(flagKey: string, outcome: { error: boolean; latencyMs: number }): void {
    this.recordRequest(outcome, { guard: flagKey });
  }

  /**
   * Records one request of this service: its outcome counts for the service's metrics, for the breaker window of
   * `guard` (when given), and for the per-flag error rate of every flag in `flags` (the flags the request evaluated;
   * at most 200 are sent).
   */
  recordRequest(
    outcome: { error: boolean; latencyMs: number },
    opts: { guard?: string; flags?: readonly string[] } = {},
  ): void {
    if (this.samples.length >= MAX_SAMPLES) {
      this.droppedSamples++;
      return;
    }
    const sample: SdkRequestSample = {
      service: this.opts.service,
      environment: this.cache.environment ?? '',
      error: outcome.error,
      latency_ms: Math.max(0, outcome.latencyMs),
      ts: new Date().toISOString(),
    };
    if (opts.guard !== undefined) sample.flag_key = opts.guard;
    if (opts.flags !== undefined && opts.flags.length > 0) sample.flags = opts.flags.slice(0, 200);
    this.samples.push(sample);
  }

  /** Sends the batched counts and outcomes now (also done every telemetryIntervalMs and on close). */
  async flush(): Promise<void> {
    // Sent even when empty: the report is also the instance's heartbeat (id, versions, stale) for the fleet view.
    const env = this.cache.environment;
    const samples = this.samples.map((s) => ({ ...s, environment: env ?? s.environment }));
    const evaluations: SdkTelemetryBody['evaluations'] = [];
    for (const [flag_key, variants] of this.counts)
      for (const [variant, count] of variants) evaluations.push({ flag_key, variant, count });
    this.samples = [];
    this.counts.clear();
    const body: SdkTelemetryBody = {
      samples: samples.filter((s) => s.environment !== ''),
      evaluations: evaluations.slice(0, 10_000),
      sdk: this.identity(),
    };
    try {
      const res = await fetch(`${this.opts.url}/api/v1/telemetry`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${this.opts.sdkKey}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      if (res.status !== 202)
        this.fail(
          'E_SDK_TELEMETRY_REFUSED',
          `telemetry refused: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`,
        );
      else await res.arrayBuffer();
    } catch (err) {
      this.fail('E_SDK_TELEMETRY_UNREACHABLE', `telemetry not sent: ${String(err)}`);
    }
  }

  /** Stops streaming and timers, flushes telemetry, writes the last-known-good file. Idempotent. */
  async close(): Promise<void> {
    if (this.state === 'CLOSED') return;
    this.state = 'CLOSED';
    this.conn?.close();
    this.conn = null;
    for (const t of [this.retryTimer, this.idleTimer, this.lkgTimer, this.staleTimer]) if (t !== null) clearTimeout(t);
    if (this.telemetryTimer !== null) clearInterval(this.telemetryTimer);
    this.saveLkg();
    await this.flush();
    this.removeAllListeners();
  }

  /** This instance, its applied version and whether it serves last-known-good (an ack's body, a report's `sdk`). */
  private identity(): SdkAckBody {
    return {
      instance_id: this.instanceId,
      service: this.opts.service,
      host: this.host,
      sdk_version: SDK_VERSION,
      applied_version: this.cache.version,
      stale: this.state === 'STALE',
    };
  }

  /**
   * Acknowledges the applied version now (POST /api/v1/sdk/ack): at most one in flight; a change meanwhile sends one
   * more with the latest state when it returns. Failures are reported as `error` events and never affect evaluation;
   * a control plane without the endpoint (404 NOT_FOUND) gets no more acks from this client.
   */
  private ack(): void {
    if (!this.ackEnabled || this.state === 'CLOSED') return;
    if (this.acking) {
      this.ackAgain = true;
      return;
    }
    this.acking = true;
    this.ackAgain = false;
    void this.sendAck(this.identity()).finally(() => {
      this.acking = false;
      if (this.ackAgain) this.ack();
    });
  }

  private async sendAck(body: SdkAckBody): Promise<void> {
    try {
      const res = await fetch(`${this.opts.url}/api/v1/sdk/ack`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${this.opts.sdkKey}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      const text = res.status === 204 ? '' : await res.text();
      if (res.status === 204) return;
      let code = `HTTP_${res.status}`;
      try {
        code = (JSON.parse(text) as { error: { code: string } }).error.code;
      } catch {
        // not a control-plane error body
      }
      if (res.status === 404 && code === 'NOT_FOUND') {
        this.ackEnabled = false;
        this.fail('E_SDK_ACK_UNSUPPORTED', 'the control plane has no /api/v1/sdk/ack; this client stops sending acks');
        return;
      }
      this.fail('E_SDK_ACK_REFUSED', `ack refused: HTTP ${res.status} ${code}`);
    } catch (err) {
      this.fail('E_SDK_ACK_UNREACHABLE', `ack not sent: ${String(err)}`);
    }
  }

  private count(key: string, variant: string): void {
    let m = this.counts.get(key);
    if (m === undefined) this.counts.set(key, (m = new Map()));
    m.set(variant, (m.get(variant) ?? 0) + 1);
  }

  private fail(code: string, message: string): void {
    this.lastError = { code, message };
    if (!code.startsWith('E_SDK_TELEMETRY') && !code.startsWith('E_SDK_LKG') && !code.startsWith('E_SDK_ACK'))
      this.degraded = true;
    // After close() there are no listeners, and a late telemetry or ack failure must not throw.
    if (this.listenerCount('error') > 0) this.emit('error', this.lastError);
  }

  private loadLkg(): void {
    if (this.opts.lkgPath === null) return;
    try {
      const lkg = readLkg(this.opts.lkgPath);
      if (lkg === null) return;
      this.cache.applySnapshot(lkg.config);
      // Versions are ledger sizes of one control plane: a file from another one cannot be resumed from.
      this.resumable = lkg.url === this.opts.url;
      this.state = 'STALE';
      this.resolveReady?.();
      queueMicrotask(() => this.emit('stale', { version: this.cache.version, saved_at: lkg.saved_at }));
      this.ack();
    } catch (err) {
      this.fail(
        'E_SDK_LKG_UNREADABLE',
        `last-known-good ${this.opts.lkgPath} not used: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  private saveLkg(): void {
    const config = this.cache.snapshot;
    if (this.opts.lkgPath === null || config === null || this.state === 'STALE') return;
    try {
      writeLkg(this.opts.lkgPath, this.opts.url, config);
    } catch (err) {
      this.fail('E_SDK_LKG_WRITE', `last-known-good not written: ${String(err)}`);
    }
  }

  private scheduleLkg(): void {
    if (this.opts.lkgPath === null || this.lkgTimer !== null) return;
    this.lkgTimer = setTimeout(() => {
      this.lkgTimer = null;
      this.saveLkg();
    }, 200);
    this.lkgTimer.unref();
  }

  private connect(): void {
    if (this.state === 'CLOSED') return;
    const headers: Record<string, string> = { Authorization: `Bearer ${this.opts.sdkKey}` };
    const v = this.cache.version;
    if (v !== null && this.resumable) headers['Last-Event-ID'] = String(v);
    const url = new URL(`${this.opts.url}/api/v1/sdk/stream`);
    // Who is streaming, so the control plane's fleet view shows this instance as connected.
    url.searchParams.set('instance_id', this.instanceId);
    url.searchParams.set('service', this.opts.service);
    url.searchParams.set('host', this.host);
    url.searchParams.set('sdk_version', SDK_VERSION);
    this.conn = openStream(url, headers, this.opts.maxFrameBytes, {
      onOpen: (status, body) => {
        if (status === 200) {
          this.touch();
          return;
        }
        let code = `HTTP_${status}`;
        try {
          code = (JSON.parse(body) as { error: { code: string } }).error.code;
        } catch {
          // not a control-plane error body
        }
        this.fail(`E_SDK_STREAM_REFUSED`, `the control plane refused the stream: ${status} ${code}`);
      },
      onEvent: (ev) => {
        this.touch();
        try {
          if (ev.event === 'snapshot') {
            this.changed(this.cache.applySnapshot(ev.data));
            this.resumable = true;
          } else if (ev.event === 'delta') this.changed(this.cache.applyDelta(ev.data));
          else if (ev.event === 'ready') {
            this.attempt = 0;
            if (this.staleTimer !== null) clearTimeout(this.staleTimer);
            this.staleTimer = null;
            if (this.state !== 'READY' || this.degraded) {
              const wasStale = this.state === 'STALE';
              this.state = 'READY';
              this.degraded = false;
              this.resolveReady?.();
              this.emit('ready', { version: this.cache.version });
              if (wasStale) this.ack();
            }
          }
        } catch (err) {
          if (!(err instanceof FrameError)) throw err;
          this.fail(err.code, err.message);
          // Out of order: reconnect so the control plane sends what was missed (resume from our version); another
          // environment's delta: our cache is not this key's, so start over from a snapshot.
          if (err.code === 'E_SDK_WRONG_ENVIRONMENT') this.resumable = false;
          if (err.code !== 'E_SDK_CONFIG_INVALID') this.reconnect();
        }
      },
      onEnd: (err, tooLarge) => {
        if (this.state === 'CLOSED') return;
        this.degraded = true;
        if (tooLarge)
          this.fail('E_SDK_FRAME_TOO_LARGE', `a stream event exceeded ${this.opts.maxFrameBytes} bytes; reconnecting`);
        else if (err !== null && !/^HTTP /.test(err.message))
          this.fail('E_SDK_STREAM_UNREACHABLE', `the stream failed: ${err.message}; retrying`);
        this.scheduleRetry();
      },
    });
  }

  private changed(applied: Applied): void {
    if (applied.duplicate) return;
    this.ack();
    this.scheduleLkg();
    if (applied.changed.length > 0) this.emit('changed', { keys: applied.changed, version: applied.version });
    // A good change after a refused one: serving live again.
    if (this.degraded && this.state === 'READY') {
      this.degraded = false;
      this.emit('ready', { version: applied.version });
    }
  }

  private touch(): void {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.fail('E_SDK_STREAM_IDLE', `no data from the stream for ${this.opts.idleTimeoutMs} ms; reconnecting`);
      this.reconnect();
    }, this.opts.idleTimeoutMs);
    this.idleTimer.unref();
  }

  private reconnect(): void {
    const c = this.conn;
    this.conn = null;
    c?.close();
    this.scheduleRetry();
  }

  /** The stream is down: once live, go STALE if it stays down `staleAfterMs`. */
  private scheduleStale(): void {
    if (this.staleAfterMs === null || this.staleTimer !== null || this.state !== 'READY') return;
    this.staleTimer = setTimeout(() => {
      this.staleTimer = null;
      if (this.state !== 'READY') return;
      this.state = 'STALE';
      this.emit('stale', { version: this.cache.version, saved_at: null });
      this.ack();
    }, this.staleAfterMs);
    this.staleTimer.unref();
  }

  private scheduleRetry(): void {
    if (this.state === 'CLOSED' || this.retryTimer !== null) return;
    this.scheduleStale();
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    const base = Math.min(this.opts.backoffMaxMs, this.opts.backoffMinMs * 2 ** Math.min(this.attempt, 16));
    this.attempt++;
    const delay = Math.round(base / 2 + Math.random() * (base / 2));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }
}
