/**
 * The SDK fleet (docs/protocol.md "SDK fleet"): every SDK instance of every environment as the control plane last saw
 * it — from its telemetry reports, its acks (`POST /api/v1/sdk/ack`) and its stream opening and closing — with the
 * config version it applied, when that ack arrived, whether it serves from its last-known-good file, and its state
 * against the environment's latest version. In memory only (instances re-announce themselves within seconds).
 *
 * Several control-plane instances on one PostgreSQL database (fleet-share.ts): each keeps its own SDKs here (local)
 * and publishes them, `exportChanges()`; the entries the others published arrive through `setRemote()`. Every read
 * (snapshot, applied report, list, events) answers from local ∪ remote; an SDK instance known to two control planes
 * (it failed over) is shown as the one that saw it last. On SQLite nothing is shared and remote stays empty.
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

/**
 * One SDK instance as a control-plane instance publishes it to the others (JSON in the PostgreSQL table sdk_fleet).
 * Times are epoch ms on the publishing instance's clock (the one that stamps ledger entries).
 */
export interface SharedFleetEntry {
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

/** What another control-plane instance published, as fleet-share.ts read it from the database. */
export interface RemotePeer {
  /** Its control-plane instance id (random per process start). */
  id: string;
  /** It heartbeated within `disconnectAfterMs` (database clock) and has not stopped. */
  live: boolean;
  /** When it last heartbeated, on this instance's clock (null: never seen); a down peer's streams lasted until then. */
  heardAt: number | null;
  entries: readonly SharedFleetEntry[];
}

/** The local entries that changed since the last export, and the ones dropped (`full`: every entry, replace all). */
export interface FleetExport {
  full: boolean;
  entries: SharedFleetEntry[];
  dropped: { env: string; id: string }[];
}

interface Entry extends SharedFleetEntry {
  /** The control-plane instance that published it; null for this instance's own SDKs. */
  peer: string | null;
  /** Its publisher stopped or stopped heartbeating: disconnected whatever it last said. */
  down: boolean;
  /** The published entry it was made from (null: local), so an unchanged row read again is not rebuilt. */
  source: SharedFleetEntry | null;
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
  /** By `env\nid`: the freshest entry other instances published (see setRemote). */
  private remote = new Map<string, Entry>();
  /** Export tracking starts with the first exportChanges() (never on SQLite, so nothing accumulates there). */
  private exporting = false;
  /** The next export is a full one (the first, or the change sets overflowed). */
  private exportFull = true;
  private readonly exportChanged = new Set<string>();
  private readonly exportDropped = new Set<string>();
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
    for (const e of this.remote.values()) if (e.env === env && this.stateOf(e, now) !== e.state) this.settle(e, now);
    // Listeners learn the new latest_version even when no instance changed state.
    this.headerChanged.add(env);
    this.schedule();
  }

  /**
   * Every instance (stats view): this instance's own, least recently seen first, then those only other instances
   * know, least recently seen first.
   */
  list(): SdkInstanceView[] {
    const own = [...this.entries].map(([k, e]) => this.winner(e, this.remote.get(k)));
    const remoteOnly = [...this.remote]
      .filter(([k]) => !this.entries.has(k))
      .map(([, e]) => e)
      .sort((a, b) => a.lastSeen - b.lastSeen);
    return [...own, ...remoteOnly].map((e) => ({
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
    const instances = this.all(env)
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
    for (const e of this.all(env)) {
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

  /**
   * The local entries that changed (or were dropped) since the last call, for other instances to read. The first call,
   * a call with `full`, and the first one after more than `maxInstances` drops piled up return every entry with
   * `full: true`: the caller then replaces everything it published. Until the first call nothing is tracked.
   */
  exportChanges(full = false): FleetExport {
    this.exporting = true;
    if (full || this.exportFull) {
      this.exportFull = false;
      this.exportChanged.clear();
      this.exportDropped.clear();
      return { full: true, entries: [...this.entries.values()].map(shared), dropped: [] };
    }
    const entries: SharedFleetEntry[] = [];
    for (const k of this.exportChanged) {
      const e = this.entries.get(k);
      if (e !== undefined) entries.push(shared(e));
    }
    const dropped = [...this.exportDropped].map((k) => {
      const [env = '', id = ''] = k.split('\n');
      return { env, id };
    });
    this.exportChanged.clear();
    this.exportDropped.clear();
    return { full: false, entries, dropped };
  }

  /**
   * Replaces what the other control-plane instances published. Per SDK instance the freshest copy is kept (see
   * `fresher`); a down peer's instances are disconnected, their streams counted as lasting until `heardAt` (as first
   * seen down); instances past the age-out window and of environments this instance does not serve are left out.
   * Changes the reads would show become fleet events like local ones. Passing the same SharedFleetEntry object for an
   * unchanged row (as fleet-share.ts does) reuses what was built from it.
   */
  setRemote(peers: readonly RemotePeer[], now = this.clock()): void {
    const next = new Map<string, Entry>();
    for (const p of peers) {
      for (const s of p.entries) {
        if (!this.envs.includes(s.env)) continue;
        const prev = this.remote.get(key(s.env, s.id));
        const e =
          prev !== undefined && prev.source === s && prev.peer === p.id && prev.down === !p.live
            ? prev
            : fromShared(s, p);
        if (e.streams === 0 && now - e.lastSeen >= this.opts.ageOutMs) continue;
        const k = key(s.env, s.id);
        const other = next.get(k);
        if (other === undefined || fresher(e, other)) next.set(k, e);
      }
    }
    for (const [k, e] of next) {
      const prev = this.remote.get(k);
      const s = this.stateOf(e, now);
      // The state keeps its start while it holds; the publisher's start counts when it sees the same state.
      if (prev !== undefined && prev.peer === e.peer && prev.state === s) e.stateSince = prev.stateSince;
      else if (s !== e.state) e.stateSince = now;
      e.state = s;
    }
    const before = this.remote;
    this.remote = next;
    for (const k of new Set([...before.keys(), ...next.keys()])) {
      const local = this.entries.get(k);
      const was = local === undefined ? before.get(k) : this.winner(local, before.get(k));
      const is = local === undefined ? next.get(k) : this.winner(local, next.get(k));
      if (was === is || (was !== undefined && is !== undefined && sameInstance(this.view(was), this.view(is))))
        continue;
      const e = was ?? is;
      if (e !== undefined) this.changed(e.env, e.id);
    }
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
        peer: null,
        down: false,
        source: null,
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
    if (e.down || (e.streams === 0 && now - e.lastSeen >= this.opts.disconnectAfterMs)) return 'disconnected';
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
    if (e.peer === null) this.noteExport(key(e.env, e.id), false);
    this.changed(e.env, e.id);
  }

  private drop(e: Entry): void {
    const k = key(e.env, e.id);
    if (e.peer === null) {
      this.entries.delete(k);
      this.noteExport(k, true);
    } else this.remote.delete(k);
    this.changed(e.env, e.id);
  }

  /** The view of `env`/`id` changed: an event shows it, or its removal once no instance knows it. */
  private changed(env: string, id: string): void {
    const k = key(env, id);
    const [add, del] =
      this.entries.has(k) || this.remote.has(k) ? [this.dirty, this.removed] : [this.removed, this.dirty];
    let set = add.get(env);
    if (set === undefined) add.set(env, (set = new Set()));
    set.add(id);
    del.get(env)?.delete(id);
    this.schedule();
  }

  private noteExport(k: string, dropped: boolean): void {
    if (!this.exporting || this.exportFull) return;
    (dropped ? this.exportChanged : this.exportDropped).delete(k);
    (dropped ? this.exportDropped : this.exportChanged).add(k);
    // Drops of a long-failing export would pile up: past the cap the next export is a full one instead.
    if (this.exportDropped.size > this.opts.maxInstances) {
      this.exportFull = true;
      this.exportChanged.clear();
      this.exportDropped.clear();
    }
  }

  /** The instance as the reads show it: this instance's entry unless another instance saw it more recently. */
  private winner(local: Entry, remote: Entry | undefined): Entry {
    return remote !== undefined && fresher(remote, local) ? remote : local;
  }

  /** The merged instances of `env`. */
  private all(env: string): Entry[] {
    const out: Entry[] = [];
    for (const [k, e] of this.entries) if (e.env === env) out.push(this.winner(e, this.remote.get(k)));
    for (const [k, e] of this.remote) if (e.env === env && !this.entries.has(k)) out.push(e);
    return out;
  }

  private sweepEnv(env: string | null, now: number): void {
    for (const e of [...this.entries.values(), ...this.remote.values()]) {
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
        const k = key(env, id);
        const local = this.entries.get(k);
        const e = local === undefined ? this.remote.get(k) : this.winner(local, this.remote.get(k));
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

const key = (env: string, id: string): string => `${env}\n${id}`;

/** A copy for publishing (the registry keeps mutating its own entries). */
function shared(e: SharedFleetEntry): SharedFleetEntry {
  return {
    id: e.id,
    env: e.env,
    service: e.service,
    host: e.host,
    sdkVersion: e.sdkVersion,
    keyName: e.keyName,
    streams: e.streams,
    connectedSince: e.connectedSince,
    lastSeen: e.lastSeen,
    appliedVersion: e.appliedVersion,
    appliedAt: e.appliedAt,
    stale: e.stale,
    staleSince: e.staleSince,
    state: e.state,
    stateSince: e.stateSince,
    evaluations: e.evaluations,
    history: e.history.map((h) => ({ version: h.version, at: h.at })),
  };
}

/** A published entry as this instance counts it: a down peer's streams ended when it was last heard from. */
function fromShared(s: SharedFleetEntry, p: RemotePeer): Entry {
  const e: Entry = { ...shared(s), peer: p.id, down: !p.live, source: s };
  if (!p.live && e.streams > 0) {
    e.streams = 0;
    e.connectedSince = null;
    if (p.heardAt !== null) e.lastSeen = Math.max(e.lastSeen, p.heardAt);
  }
  return e;
}

/** `a` was seen more recently than `b`: an open stream is being seen now; otherwise the later last_seen. */
function fresher(a: Entry, b: Entry): boolean {
  const sa = a.streams > 0 ? 1 : 0;
  const sb = b.streams > 0 ? 1 : 0;
  return sa !== sb ? sa > sb : a.lastSeen > b.lastSeen;
}

function sameInstance(a: FleetInstance, b: FleetInstance): boolean {
  return (Object.keys(a) as (keyof FleetInstance)[]).every((f) => a[f] === b[f]);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
