/**
 * The SDK fleet (docs/protocol.md "SDK fleet"): every SDK instance of every environment as the control plane last saw
 * it — from its telemetry reports, its acks (`POST /api/v1/sdk/ack`) and its stream opening and closing — with the
 * config version it applied, when that ack arrived, whether it serves from its last-known-good file, and its state
 * against the environment's latest version. In memory only (instances re-announce themselves within seconds).
 *
 * Bounded: at most `maxInstances` instances (the least recently seen is dropped first) and `historyPerInstance`
 * (version, received_at) pairs each — enough to answer "when did this instance first reach version ≥ V" for the
 * recent changes a responder asks about.
 */
import type {
  FleetAppliedInstance,
  FleetAppliedReport,
  FleetEventData,
  FleetInstance,
  FleetSnapshot,
  FleetState,
} from '../../shared/protocol/fleet.ts';
import type { SdkInstanceInfo } from '../../shared/protocol/sdk.ts';

/** Tuning of the registry (tests shorten the windows). */
export interface FleetOptions {
  /** No stream and no report or ack for this long → `disconnected` (default 15 s). */
  disconnectAfterMs: number;
  /** Disconnected for this long (since last seen) → dropped (default 10 min). */
  ageOutMs: number;
  /** Most instances kept over all environments (default 10,000). */
  maxInstances: number;
  /** (version, received_at) pairs kept per instance (default 32). */
  historyPerInstance: number;
  /** How often disconnects and age-outs are checked (default 1 s). */
  sweepMs: number;
  /** Changes are sent to listeners at most this often (default 100 ms). */
  coalesceMs: number;
}

/** Defaults of FleetOptions. */
export const FLEET_DEFAULTS: FleetOptions = {
  disconnectAfterMs: 15_000,
  ageOutMs: 10 * 60_000,
  maxInstances: 10_000,
  historyPerInstance: 32,
  sweepMs: 1000,
  coalesceMs: 100,
};

/** An instance as last seen (the /api/v1/sdk/stats view: the SDK's last report plus evaluations counted). */
export interface SdkInstanceView extends SdkInstanceInfo {
  environment: string;
  key_name: string;
  last_seen: string;
  evaluations: number;
}

interface Entry {
  id: string;
  env: string;
  service: string;
  host: string;
  sdkVersion: string;
  keyName: string;
  streams: number;
  connectedSince: number | null;
  lastSeen: number;
  appliedVersion: number | null;
  appliedAt: number | null;
  stale: boolean;
  staleSince: number | null;
  state: FleetState;
  stateSince: number;
  evaluations: number;
  /** (version, received_at), oldest first. */
  history: { version: number; at: number }[];
}

/** Who an instance says it is (ack, report, or the stream's query). */
export interface InstanceIdentity {
  instance_id: string;
  service: string;
  host: string;
  sdk_version: string;
}

/** Receives coalesced changes: one event per environment that changed. */
export type FleetListener = (event: FleetEventData) => void;

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The registry. */
export class SdkFleet {
  private readonly opts: FleetOptions;
  private readonly clock: () => number;
  private readonly latest: (env: string) => number;
  private readonly envs: readonly string[];
  /** By `env\nid`, least recently seen first. */
  private readonly entries = new Map<string, Entry>();
  private readonly dirty = new Map<string, Set<string>>();
  private readonly removed = new Map<string, Set<string>>();
  private readonly headerChanged = new Set<string>();
  private readonly listeners = new Set<FleetListener>();
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    envs: readonly string[],
    latestVersion: (env: string) => number,
    clock: () => number = Date.now,
    options: Partial<FleetOptions> = {},
  ) {
    this.envs = envs;
    this.latest = latestVersion;
    this.clock = clock;
    this.opts = { ...FLEET_DEFAULTS, ...options };
    this.sweeper = setInterval(() => this.sweep(), this.opts.sweepMs);
    this.sweeper.unref();
  }

  /** The windows, for snapshots and docs. */
  get options(): FleetOptions {
    return this.opts;
  }

  /** A telemetry report (`sdk` of POST /api/v1/telemetry). */
  report(info: SdkInstanceInfo, environment: string, keyName: string, evaluations: number, now: number): void {
    const e = this.touch(info, environment, keyName, now);
    e.evaluations += evaluations;
    this.applied(e, info.applied_version, info.stale, now);
    this.settle(e, now);
  }

  /** An ack (POST /api/v1/sdk/ack): the instance applied `applied_version` (or went stale / live). */
  ack(body: SdkInstanceInfo, environment: string, keyName: string, now: number): void {
    const e = this.touch(body, environment, keyName, now);
    this.applied(e, body.applied_version, body.stale, now);
    this.settle(e, now);
  }

  /** A stream of this instance opened; returns the function to call when it closes. */
  streamOpened(who: InstanceIdentity, environment: string, keyName: string, now: number): () => void {
    const e = this.touch(who, environment, keyName, now);
    if (e.streams === 0) e.connectedSince = now;
    e.streams++;
    this.settle(e, now);
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      const cur = this.entries.get(`${environment}\n${who.instance_id}`);
      if (cur !== e) return;
      const t = this.clock();
      e.streams = Math.max(0, e.streams - 1);
      if (e.streams === 0) e.connectedSince = null;
      e.lastSeen = Math.max(e.lastSeen, t);
      this.settle(e, t);
    };
  }

  /** The environment's latest version changed: every instance's state may change. */
  versionChanged(env: string): void {
    const now = this.clock();
    for (const e of this.entries.values()) if (e.env === env && this.stateOf(e, now) !== e.state) this.settle(e, now);
    // Listeners learn the new latest_version even when no instance changed state.
    this.headerChanged.add(env);
    this.schedule();
  }

  /** Every instance (stats view), least recently seen first. */
  list(): SdkInstanceView[] {
    return [...this.entries.values()].map((e) => ({
      instance_id: e.id,
      service: e.service,
      host: e.host,
      sdk_version: e.sdkVersion,
      applied_version: e.appliedVersion,
      stale: e.stale,
      environment: e.env,
      key_name: e.keyName,
      last_seen: new Date(e.lastSeen).toISOString(),
      evaluations: e.evaluations,
    }));
  }

  /** The fleet of one environment now. */
  snapshot(env: string, now = this.clock()): FleetSnapshot {
    this.sweepEnv(env, now);
    const instances = [...this.entries.values()]
      .filter((e) => e.env === env)
      .map((e) => this.view(e))
      .sort((a, b) => cmp(a.service, b.service) || cmp(a.instance_id, b.instance_id));
    return this.header(env, now, instances);
  }

  /**
   * Which instances of `env` applied the ledger entry `idx` committed at `committedAt`: those whose applied version
   * reached the target (idx + 1, or the environment's latest version when that is lower: the entry changed nothing
   * its SDKs serve), with the receipt time of the first report at or above it since they last were below.
   */
  appliedReport(env: string, idx: number, committedAt: number, now = this.clock()): FleetAppliedReport {
    this.sweepEnv(env, now);
    const target = Math.min(idx + 1, this.latest(env));
    const instances: FleetAppliedInstance[] = [];
    for (const e of this.entries.values()) {
      if (e.env !== env) continue;
      const reached = e.appliedVersion !== null && e.appliedVersion >= target ? this.firstReached(e, target) : null;
      instances.push({
        instance_id: e.id,
        service: e.service,
        host: e.host,
        state: e.state,
        applied_version: e.appliedVersion,
        stale: e.stale,
        stale_since: iso(e.staleSince),
        applied_at: iso(reached),
        ms: reached === null ? null : Math.max(0, reached - committedAt),
      });
    }
    instances.sort(
      (a, b) =>
        (a.ms === null ? 0 : 1) - (b.ms === null ? 0 : 1) ||
        (a.ms ?? 0) - (b.ms ?? 0) ||
        cmp(a.service, b.service) ||
        cmp(a.instance_id, b.instance_id),
    );
    const ms = instances.flatMap((i) => (i.ms === null ? [] : [i.ms])).sort((a, b) => a - b);
    return {
      environment: env,
      idx,
      target_version: target,
      committed_at: new Date(committedAt).toISOString(),
      generated_at: new Date(now).toISOString(),
      n: instances.length,
      k: ms.length,
      p50_ms: ms.length === 0 ? null : (ms[Math.ceil(ms.length / 2) - 1] ?? null),
      max_ms: ms.length === 0 ? null : (ms.at(-1) ?? null),
      instances,
    };
  }

  /** Subscribes to coalesced changes; returns the unsubscribe function. */
  subscribe(listener: FleetListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops the timers. */
  close(): void {
    clearInterval(this.sweeper);
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.listeners.clear();
  }

  private header(env: string, now: number, instances: FleetInstance[]): FleetSnapshot {
    return {
      environment: env,
      latest_version: this.latest(env),
      generated_at: new Date(now).toISOString(),
      disconnect_after_ms: this.opts.disconnectAfterMs,
      age_out_ms: this.opts.ageOutMs,
      instances,
    };
  }

  private view(e: Entry): FleetInstance {
    return {
      instance_id: e.id,
      environment: e.env,
      service: e.service,
      host: e.host,
      sdk_version: e.sdkVersion,
      key_name: e.keyName,
      connected_since: iso(e.connectedSince),
      last_seen: new Date(e.lastSeen).toISOString(),
      applied_version: e.appliedVersion,
      applied_at: iso(e.appliedAt),
      stale: e.stale,
      stale_since: iso(e.staleSince),
      state: e.state,
      state_since: new Date(e.stateSince).toISOString(),
    };
  }

  /** Finds or creates the entry, refreshes who it is and when it was seen, and moves it to the recent end. */
  private touch(who: InstanceIdentity, env: string, keyName: string, now: number): Entry {
    const id = `${env}\n${who.instance_id}`;
    let e = this.entries.get(id);
    if (e === undefined) {
      if (this.entries.size >= this.opts.maxInstances) {
        const oldest = this.entries.values().next().value;
        if (oldest !== undefined) this.drop(oldest);
      }
      e = {
        id: who.instance_id,
        env,
        service: who.service,
        host: who.host,
        sdkVersion: who.sdk_version,
        keyName,
        streams: 0,
        connectedSince: null,
        lastSeen: now,
        appliedVersion: null,
        appliedAt: null,
        stale: false,
        staleSince: null,
        state: 'behind',
        stateSince: now,
        evaluations: 0,
        history: [],
      };
    } else {
      this.entries.delete(id);
      e.service = who.service;
      e.host = who.host;
      e.sdkVersion = who.sdk_version;
      e.keyName = keyName;
      e.lastSeen = Math.max(e.lastSeen, now);
    }
    this.entries.set(id, e);
    this.mark(e);
    return e;
  }

  private applied(e: Entry, version: number | null, stale: boolean, now: number): void {
    if (version !== e.appliedVersion) {
      e.appliedVersion = version;
      e.appliedAt = version === null ? null : now;
      if (version !== null) {
        e.history.push({ version, at: now });
        if (e.history.length > this.opts.historyPerInstance) e.history.shift();
      }
    }
    if (stale !== e.stale) {
      e.stale = stale;
      e.staleSince = stale ? now : null;
    }
  }

  /** When `e` first reported a version ≥ target since it last reported one below it (null: not in the history). */
  private firstReached(e: Entry, target: number): number | null {
    let at: number | null = null;
    for (let i = e.history.length - 1; i >= 0; i--) {
      const h = e.history[i];
      if (h === undefined || h.version < target) break;
      at = h.at;
    }
    return at ?? e.appliedAt;
  }

  private stateOf(e: Entry, now: number): FleetState {
    if (e.streams === 0 && now - e.lastSeen >= this.opts.disconnectAfterMs) return 'disconnected';
    if (e.stale) return 'last_known_good';
    if (e.appliedVersion !== null && e.appliedVersion >= this.latest(e.env)) return 'current';
    return 'behind';
  }

  /** Recomputes the state (marking the instance changed when it moves). */
  private settle(e: Entry, now: number): void {
    const s = this.stateOf(e, now);
    if (s !== e.state) {
      e.state = s;
      e.stateSince = now;
    }
    this.mark(e);
  }

  private mark(e: Entry): void {
    let set = this.dirty.get(e.env);
    if (set === undefined) this.dirty.set(e.env, (set = new Set()));
    set.add(e.id);
    this.removed.get(e.env)?.delete(e.id);
    this.schedule();
  }

  private drop(e: Entry): void {
    this.entries.delete(`${e.env}\n${e.id}`);
    this.dirty.get(e.env)?.delete(e.id);
    let set = this.removed.get(e.env);
    if (set === undefined) this.removed.set(e.env, (set = new Set()));
    set.add(e.id);
    this.schedule();
  }

  private sweepEnv(env: string | null, now: number): void {
    for (const e of [...this.entries.values()]) {
      if (env !== null && e.env !== env) continue;
      if (e.streams === 0 && now - e.lastSeen >= this.opts.ageOutMs) {
        this.drop(e);
        continue;
      }
      const s = this.stateOf(e, now);
      if (s !== e.state) this.settle(e, now);
    }
  }

  private sweep(): void {
    this.sweepEnv(null, this.clock());
  }

  private schedule(): void {
    if (this.flushTimer !== null || this.listeners.size === 0) {
      if (this.listeners.size === 0) {
        this.dirty.clear();
        this.removed.clear();
        this.headerChanged.clear();
      }
      return;
    }
    this.flushTimer = setTimeout(() => this.flush(), this.opts.coalesceMs);
    this.flushTimer.unref();
  }

  private flush(): void {
    this.flushTimer = null;
    const now = this.clock();
    for (const env of this.envs) {
      const ids = this.dirty.get(env) ?? new Set<string>();
      const gone = this.removed.get(env) ?? new Set<string>();
      if (ids.size === 0 && gone.size === 0 && !this.headerChanged.has(env)) continue;
      const instances: FleetInstance[] = [];
      for (const id of ids) {
        const e = this.entries.get(`${env}\n${id}`);
        if (e !== undefined) instances.push(this.view(e));
      }
      instances.sort((a, b) => cmp(a.service, b.service) || cmp(a.instance_id, b.instance_id));
      const event: FleetEventData = { ...this.header(env, now, instances), full: false, removed: [...gone].sort() };
      for (const l of this.listeners) l(event);
    }
    this.dirty.clear();
    this.removed.clear();
    this.headerChanged.clear();
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
