/**
 * One active profile at run time: the launch integrity check of its replica, its sync engine
 * (ledger mirror), its metrics stream, its control-plane client target and the round-trip tracker,
 * with the engine's events mapped onto the renderer's event channels.
 */
import { LAUNCH_CHECK_RUN_ID, type Evidence, type SyncState } from '../../shared/ipc/contract.ts';
import type { ClientTarget } from '../actions/http.ts';
import { fileHighWaterMark, type HighWaterMarkCodec } from '../ledger/high-water-mark.ts';
import { Replica } from '../ledger/replica.ts';
import type { ReplicaOptions } from '../ledger/replica-types.ts';
import { deepCheck, preflight, type PreflightFailure } from '../ledger/preflight.ts';
import type { VerifyOptions } from '../ledger/verify-types.ts';
import type { EventHub } from '../ipc/registry.ts';
import type { NotificationSpec } from '../notify/notification-policy.ts';
import type { ProfileStore } from '../profiles/profile-store.ts';
import { engineAlert } from '../sync/alerts.ts';
import type { SyncHandle } from '../sync/engine.ts';
import { sourceForProfile } from '../sources/for-profile.ts';
import type { LedgerSource } from '../sources/source.ts';
import { consistencyProofFetcher } from '../sync/handshake.ts';
import { MetricsStore } from '../sync/metrics-store.ts';
import type { MetricsSync } from '../sync/metrics-sync.ts';
import { FleetRoundTrips } from '../fleet/fleet-round-trip.ts';
import { FleetStore } from '../fleet/fleet-store.ts';
import { announce } from './announce.ts';
import { EntryWatch } from './entry-watch.ts';
import { ReceiptTracker } from './receipts.ts';

/** Side effects the session needs from its shell. */
export interface SessionDeps {
  store: ProfileStore;
  events: EventHub;
  hwmCodec: HighWaterMarkCodec;
  notify: (spec: NotificationSpec) => void;
  /** Called after entries were appended (read models catch up here). */
  onAppended: (replica: Replica) => void;
  log: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
  /**
   * The background deep check waits for the first screen to be served (see ActiveSession.screenServed), at most this
   * long after the session opened (default DEEP_CHECK_DEFER_MS; 0 starts it at once).
   */
  deepCheckDeferMs?: number;
}

/** The running pieces of the active profile. */
export interface ActiveSession {
  profileId: string;
  target: ClientTarget;
  /** Where the ledger comes from and where actions go (control plane or Unleash). */
  source: LedgerSource;
  /** Null when the launch check failed: a damaged replica is never advanced. */
  sync: SyncHandle | null;
  metrics: MetricsSync;
  /** The SDK fleet of the profile's environment as last received from the metrics stream (kept offline). */
  fleet: FleetStore;
  /** The round trips' last step: which SDK instances applied a kill or rollback (control-plane sources only). */
  fleetChecks: FleetRoundTrips | null;
  receipts: ReceiptTracker;
  /**
   * Evidence from the launch integrity check (tampering while the app was closed), if any: found by the cheap check
   * before anything was served, or by the deep re-verification that runs in the background after it.
   */
  readonly launchAlert: Evidence | null;
  /** The background deep re-verification while it runs (entries checked of the verified size), else null. */
  deepCheck(): { done: number; total: number } | null;
  /** The console served its first screen (the ranking, or a list with nothing active): the deep check may start. */
  screenServed(): void;
  /** The open replica (null until the ledger origin is known). */
  replica(): Replica | null;
  state(): SyncState;
  stop(): Promise<void>;
}

interface Opened {
  replica: Replica | null;
  alert: Evidence | null;
}

/** The alert of a failed launch check (cheap or deep: the same words, as the replica was damaged before launch). */
function launchAlertOf(failure: PreflightFailure): Evidence {
  const found =
    failure.check === 'open' ? failure.detail : `${failure.detail} (found when the console opened this replica)`;
  const alert = engineAlert('launch-check', failure.code, found, [], Date.now());
  return { ...alert, idx: failure.idx };
}

/** Opens an existing replica and runs the cheap launch check before anything new is trusted or appended (see preflight). */
async function launchCheck(path: string, open: () => Replica, options: VerifyOptions): Promise<Opened> {
  const { replica, failure } = await preflight(path, open, options);
  return { replica, alert: failure === null ? null : launchAlertOf(failure) };
}

/** Progress events of the background check at most this often. */
const PROGRESS_MS = 100;

/** The longest the background deep check waits for the first screen before it starts anyway. */
export const DEEP_CHECK_DEFER_MS = 3000;

/** Resolves when `first` does, after `ms`, or on abort, whichever comes first. */
function firstOf(first: Promise<void>, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    void first.then(done);
  });
}

/** Opens the replica of `profileId`, checks it, and starts mirroring its control plane. */
export async function openSession(
  deps: SessionDeps,
  profileId: string,
  carried?: { receipts: ReceiptTracker },
): Promise<ActiveSession> {
  const stored = deps.store.get(profileId);
  const token = deps.store.token(profileId);
  // A profile may list several instances of its control plane: requests go to the one the sync uses now.
  let following: SyncHandle | null = null;
  const instanceUrl = (): string => {
    const s = following?.state();
    return s !== undefined && 'url' in s && s.url !== null ? s.url : stored.url;
  };
  const target: ClientTarget = {
    get url() {
      return instanceUrl();
    },
    token,
  };
  const path = deps.store.replicaPath(profileId);
  const fetchConsistencyProof = consistencyProofFetcher(() => ({ baseUrl: instanceUrl(), token }));
  const open = (init: Omit<ReplicaOptions, 'path' | 'highWaterMark'>): Replica =>
    Replica.open({ path, ...init, highWaterMark: fileHighWaterMark(`${path}.hwm`, deps.hwmCodec) });
  let replica: Replica | null = null;
  // Whatever the source, the engine opens the replica through here once the log is known.
  const source = sourceForProfile(deps.store, profileId, {
    open: (init) => {
      replica = open({ ...init, fetchConsistencyProof });
      // Pin the origin as soon as the log is known (keys imported with --trust skip the TOFU prompt that would
      // otherwise pin it), so the next launch deep-checks this replica and refuses another log's origin.
      if (deps.store.get(profileId).origin === null) deps.store.pinOrigin(profileId, init.origin);
      return replica;
    },
    log: (l) => deps.log(l.level, l.message, { code: l.code }),
  });
  // A profile that synced before has a pinned origin: open (and check) its replica now, so it is browsable offline.
  const pinned = source.launchTrust();
  const launch =
    pinned.origin === null
      ? { replica: null, alert: null }
      : await launchCheck(
          path,
          () => open({ origin: pinned.origin ?? '', trustedKeys: pinned.keys, fetchConsistencyProof }),
          {
            origin: pinned.origin,
            trustedKeys: pinned.keys,
            highWaterMark: fileHighWaterMark(`${path}.hwm`, deps.hwmCodec),
          },
        );
  replica = launch.replica;
  let alert = launch.alert;
  if (alert) deps.log('error', 'replica failed the launch check', { code: alert.code, idx: alert.idx });
  // A reopen of the same profile (quarantine) carries the round trips of actions still in flight: their entries arrive
  // in the new replica from the same control plane, and complete there.
  const receipts = carried?.receipts ?? new ReceiptTracker((r) => deps.events.emit('actions:updated', r));
  const sync = launch.alert ? null : source.follow(replica);
  following = sync;
  if (sync)
    wireSyncEvents(
      deps,
      sync,
      receipts,
      () => replica,
      () => alert !== null,
    );
  const fleet = new FleetStore({
    path: deps.store.fleetPath(profileId),
    environment: stored.environment,
    onChange: (view) => deps.events.emit('fleet:changed', view),
  });
  const metrics = source.startMetrics(
    new MetricsStore(deps.store.metricsPath(profileId)),
    (code, message) => deps.log('warn', message, { code }),
    fleet,
  );
  const fleetApplied = source.fleetApplied?.bind(source);
  const fleetChecks =
    fleetApplied === undefined
      ? null
      : new FleetRoundTrips({
          fetchApplied: (environment, idx) => fleetApplied(environment, idx),
          unavailable: () => {
            const s = alert ? haltedBy(alert) : (sync?.state() ?? { kind: 'idle' as const });
            if (s.kind === 'offline')
              return { code: 'E_OFFLINE', message: `the control plane is unreachable (${s.reason})` };
            if (s.kind === 'halted') return { code: s.code, message: 'the replica is halted' };
            return null;
          },
          notify: deps.notify,
          publish: (key, step) => receipts.fleet(key, step),
        });
  const haltedBy = (a: Evidence): SyncState => ({ kind: 'halted', url: stored.url, code: a.code, message: a.detail });
  // The deep half of the launch check runs in the background; until it ends nothing is shown as verified, and an
  // alert it finds halts sync exactly as one found before launch does.
  const background = new AbortController();
  let checking: { done: number; total: number } | null = null;
  let checked: Promise<unknown> = Promise.resolve();
  // The first screen goes first: the check competes with it for the CPU, so it starts once the screen was served.
  let screenServed = (): void => {};
  const served = new Promise<void>((resolve) => (screenServed = resolve));
  if (replica !== null && alert === null) {
    const total = replica.status().verifiedSize;
    const origin = pinned.origin ?? replica.origin;
    checking = { done: 0, total };
    let lastEmit = 0;
    let started = performance.now();
    deps.events.emit('verify:progressed', { runId: LAUNCH_CHECK_RUN_ID, done: 0, total });
    const deferMs = deps.deepCheckDeferMs ?? DEEP_CHECK_DEFER_MS;
    const running = firstOf(served, deferMs, background.signal).then(() => {
      started = performance.now();
      return deepCheck(path, {
        origin,
        trustedKeys: pinned.keys,
        background: true,
        signal: background.signal,
        onProgress: (p) => {
          checking = { done: p.done, total: p.total };
          const now = performance.now();
          if (now - lastEmit < PROGRESS_MS && p.done < p.total) return;
          lastEmit = now;
          deps.events.emit('verify:progressed', { runId: LAUNCH_CHECK_RUN_ID, done: p.done, total: p.total });
        },
      });
    });
    // An alert it finds (or a check that could not run: nothing may then be shown as verified) halts sync.
    const raise = async (failure: PreflightFailure): Promise<void> => {
      const found = launchAlertOf(failure);
      alert = found;
      deps.log('error', 'replica failed the launch check', { code: found.code, idx: found.idx, background: true });
      // Say so at once (the engine's own state events are dropped from now on), then stop it.
      deps.events.emit('ledger:alerted', found);
      deps.events.emit('sync:changed', haltedBy(found));
      await sync?.stop();
      deps.events.emit('verify:finished', {
        runId: LAUNCH_CHECK_RUN_ID,
        kind: 'failed',
        code: found.code,
        idx: found.idx,
        detail: found.detail,
        mode: 'deep',
      });
    };
    checked = running.then(
      async ({ failure, report }) => {
        checking = null;
        if (background.signal.aborted) return;
        if (failure !== null) return raise(failure);
        const seconds = (performance.now() - started) / 1000;
        deps.log('info', 'background deep check verified the replica', { size: report.verifiedSize, seconds });
        deps.events.emit('verify:finished', {
          runId: LAUNCH_CHECK_RUN_ID,
          kind: 'verified',
          size: report.verifiedSize,
          rootHex: report.root,
          seconds,
          mode: 'deep',
        });
      },
      async (err: unknown) => {
        checking = null;
        if (background.signal.aborted) return;
        const message = err instanceof Error ? err.message : String(err);
        return raise({
          check: 'open',
          code: 'E_VERIFY_IO',
          idx: null,
          detail: `The deep check of this replica could not run (${message}), so it cannot be vouched for; restart the console to run it again`,
        });
      },
    );
  }
  return {
    profileId,
    target,
    source,
    sync,
    metrics,
    fleet,
    fleetChecks,
    receipts,
    get launchAlert() {
      return alert;
    },
    deepCheck: () => checking,
    screenServed: () => screenServed(),
    replica: () => replica,
    state: () => (alert ? haltedBy(alert) : (sync?.state() ?? { kind: 'idle' })),
    stop: async () => {
      background.abort();
      await Promise.all([sync?.stop(), metrics.stop(), checked, fleetChecks?.stop()]);
      fleet.stop();
      replica?.close();
      replica = null;
    },
  };
}

/** The fields of a sync state worth a log line: where, and why for the states that have a reason. */
function syncFields(s: SyncState): Record<string, unknown> {
  switch (s.kind) {
    case 'idle':
      return {};
    case 'offline':
      return { url: s.url, reason: s.reason };
    case 'reconnecting':
      return { url: s.url, attempt: s.attempt, error: s.lastError };
    case 'halted':
      return { url: s.url, code: s.code };
    default:
      return { url: s.url };
  }
}

function wireSyncEvents(
  deps: SessionDeps,
  sync: SyncHandle,
  receipts: ReceiptTracker,
  replica: () => Replica | null,
  halted: () => boolean,
): void {
  let watch: EntryWatch | null = null;
  // Each change of kind goes to the log (not every backfill step or round-trip sample): a stuck console can be read back.
  // Once the background deep check raised its alert the session is halted: a state the engine reports while it stops
  // (it may still have been going live) must not bring "Live" back.
  let lastKind: SyncState['kind'] | null = null;
  sync.events.on('sync:changed', (s) => {
    if (s.kind !== lastKind) {
      lastKind = s.kind;
      deps.log('info', `sync ${s.kind}`, syncFields(s));
    }
    if (!halted()) deps.events.emit('sync:changed', s);
  });
  // The engine's events are the contract's (main/sync/events.ts): progress and alerts pass on as they are.
  sync.events.on('sync:progressed', (p) => deps.events.emit('sync:progressed', p));
  sync.events.on('ledger:alerted', (e) => deps.events.emit('ledger:alerted', e));
  sync.events.on('ledger:verified', (v) => {
    receipts.verifiedUpTo(v.verifiedSize);
    deps.events.emit('ledger:verified', v);
  });
  sync.events.on('ledger:appended', (a) => {
    const r = replica();
    if (!r) return;
    watch ??= new EntryWatch(a.receivedSize);
    const arrived = watch.read(r, sync.state().kind === 'live');
    receipts.seen(arrived);
    announce(deps.events, deps.notify, arrived);
    deps.onAppended(r);
    deps.events.emit('ledger:appended', a);
  });
}
