/** Options of startControlPlane, their defaults, and validation. */
import type { WebhookTarget } from './domain/notifier.ts';

/** The live demo scenario's knobs. */
export interface DemoOptions {
  seed: number;
  /** Delay from boot to the payments ramp that starts the live incident. */
  incidentAfterMs: number;
  /** "Now" of the generated history (default: boot time); the same seed and anchor give a byte-identical ledger. */
  anchor?: number;
  /** Generate background telemetry (default true). */
  telemetry?: boolean;
  /** Telemetry tick (default 1000 ms; tests shorten it). */
  tickMs?: number;
  /** Window of the demo's error-rate monitor that fires the PagerDuty incident (default 10 s). */
  monitorWindowMs?: number;
}

/** Everything startControlPlane accepts. Only dataDir is required. */
export interface ControlPlaneOptions {
  /**
   * `postgres://user@host:port/db`: keep the ledger and every table in this PostgreSQL database, which any number of
   * instances may share (null: SQLite in the data dir). The data dir then holds only this instance's lock, signing
   * keys and secret, which every instance of one database must share (docs/deploy.md).
   */
  database?: string | null;
  dataDir: string;
  port?: number;
  host?: string;
  /** Log origin written into every leaf and checkpoint (fixed at first start of a data dir). */
  origin?: string;
  environments?: string[];
  checkpointEvery?: number;
  checkpointIntervalMs?: number;
  heartbeatMs?: number;
  streamStallMs?: number;
  maxStreamClients?: number;
  metricsIntervalMs?: number;
  schedulerIntervalMs?: number;
  /** An SDK resuming further back than this many ledger entries gets a snapshot instead of a catch-up delta. */
  sdkMaxResumeEntries?: number;
  /** Most SDK streams open at once (503 TOO_MANY_STREAMS beyond). */
  sdkMaxStreams?: number;
  /**
   * SDK fleet registry windows (docs/protocol.md "SDK fleet"): disconnected after `disconnectAfterMs` (15 s) without
   * stream or report, dropped after `ageOutMs` (10 min); `maxInstances`, `historyPerInstance`, `sweepMs`, `coalesceMs`.
   */
  sdkFleet?: {
    disconnectAfterMs?: number;
    ageOutMs?: number;
    maxInstances?: number;
    historyPerInstance?: number;
    sweepMs?: number;
    coalesceMs?: number;
  };
  /** Largest page of GET /api/v1/ledger/entries. */
  pageSize?: number;
  breakerWindow?: number;
  breakerThreshold?: number;
  /** Shared secret for X-PagerDuty-Signature; null disables the webhook (503). */
  pagerdutySecret?: string | null;
  webhooks?: WebhookTarget[];
  /** Business clock (ledger timestamps, expiries); tests inject one. */
  clock?: () => number;
  demo?: DemoOptions | null;
  /** Diagnostics sink (stderr by default). */
  log?: (line: string) => void;
}

/** Options with every default filled in. */
export type ResolvedOptions = Required<Omit<ControlPlaneOptions, 'demo' | 'origin' | 'database'>> & {
  database: string | null;
  demo: DemoOptions | null;
  origin: string | null;
};

/** The demo's log origin. */
export const DEMO_ORIGIN = 'demo.tombstone.local/ledger';
/** The demo's PagerDuty webhook secret (the demo signs its own incident with it). */
export const DEMO_PAGERDUTY_SECRET = 'tombstone-demo-pagerduty-secret';
/** The default log origin of a new data dir. */
export const DEFAULT_ORIGIN = 'tombstone.local/ledger';

/** Fills in defaults and checks ranges (throws RangeError with a sentence). */
export function resolveOptions(o: ControlPlaneOptions): ResolvedOptions {
  const r: ResolvedOptions = {
    dataDir: o.dataDir,
    database: o.database ?? null,
    port: o.port ?? 0,
    host: o.host ?? '127.0.0.1',
    origin: o.origin ?? null,
    environments: o.environments ?? ['production', 'staging'],
    checkpointEvery: o.checkpointEvery ?? 1000,
    checkpointIntervalMs: o.checkpointIntervalMs ?? 1000,
    heartbeatMs: o.heartbeatMs ?? 15_000,
    streamStallMs: o.streamStallMs ?? 30_000,
    maxStreamClients: o.maxStreamClients ?? 500,
    metricsIntervalMs: o.metricsIntervalMs ?? 1000,
    schedulerIntervalMs: o.schedulerIntervalMs ?? 1000,
    pageSize: o.pageSize ?? 5000,
    sdkMaxResumeEntries: o.sdkMaxResumeEntries ?? 100_000,
    sdkMaxStreams: o.sdkMaxStreams ?? 10_000,
    sdkFleet: o.sdkFleet ?? {},
    breakerWindow: o.breakerWindow ?? 100,
    breakerThreshold: o.breakerThreshold ?? 0.05,
    pagerdutySecret: o.pagerdutySecret ?? (o.demo != null ? DEMO_PAGERDUTY_SECRET : null),
    webhooks: o.webhooks ?? [],
    clock: o.clock ?? Date.now,
    demo: o.demo ?? null,
    log: o.log ?? ((line) => process.stderr.write(`${line}\n`)),
  };
  if (!Number.isInteger(r.port) || r.port < 0 || r.port > 65535) throw new RangeError(`port ${r.port} is not 0-65535`);
  if (r.environments.length === 0 || r.environments.some((e) => !/^[a-z][a-z0-9-]{0,39}$/.test(e))) {
    throw new RangeError('environments must be non-empty lowercase names');
  }
  for (const [name, v] of [
    ['checkpointEvery', r.checkpointEvery],
    ['checkpointIntervalMs', r.checkpointIntervalMs],
    ['heartbeatMs', r.heartbeatMs],
    ['pageSize', r.pageSize],
    ['breakerWindow', r.breakerWindow],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer`);
  }
  if (r.origin !== null && !/^[^\s+\u2014]+$/u.test(r.origin))
    throw new RangeError('origin must be one word without spaces or +');
  return r;
}
