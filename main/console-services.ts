/**
 * Composition root of the console's services, shared by the Electron shell and browser mode:
 * profiles and the active session, the handlers behind every IPC channel, and the event hub that
 * feeds the renderer.
 */
import type { ControlPlaneStatus, EventMap, ShellMode } from '../shared/ipc/contract.ts';
import { probeControlPlane } from './connection/probe.ts';
import { createRegistry, EventHub, type ErrorSink, type Handlers, type Registry } from './ipc/registry.ts';
import type { HighWaterMarkCodec } from './ledger/high-water-mark.ts';
import type { NotificationSpec } from './notify/notification-policy.ts';
import { readPackageVersion } from './package-info.ts';
import { ProfileStore } from './profiles/profile-store.ts';
import type { SecretBox } from './profiles/secret-box.ts';
import { BreakGlassAcks } from './services/break-glass-acks.ts';
import { bootstrapProfile, type Bootstrap } from './services/bootstrap-profile.ts';
import { actionHandlers } from './services/handlers-actions.ts';
import { coreHandlers } from './services/handlers-core.ts';
import { readHandlers } from './services/handlers-read.ts';
import { BackgroundIndexer } from './services/background-indexer.ts';
import { IncidentWatch } from './services/incident-watch.ts';
import { ConsoleRuntime } from './services/console-runtime.ts';
import { Verification } from './services/verification.ts';
import { catchUpReadModels } from './read-models/index.ts';
import { correlationIndexStep } from './correlate/index-catchup.ts';

/** What the shell knows at start-up. */
export interface ConsoleConfig {
  mode: ShellMode;
  /** Where profiles, tokens, replicas and metrics live. */
  dataDir: string;
  secretBox: SecretBox;
  hwmCodec: HighWaterMarkCodec;
  /** A control plane given on the command line (`--connect`), made the active profile. */
  bootstrap: Bootstrap | null;
  notify?: (spec: NotificationSpec) => void;
  log?: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
  probeIntervalMs?: number;
  /** How long the background deep check waits at most for the first screen (default: the session's). */
  deepCheckDeferMs?: number;
}

/** The running services: the registry for calls, the hub for events, and a stop function. */
export interface ConsoleServices {
  registry: Registry;
  events: EventHub;
  /** The https origins of the configured control planes: the only targets `shell.openExternal` may open. */
  externalOrigins(): string[];
  /** Resolves once the start-up profile (if any) is active; rejects with an AppError when it cannot be made. */
  ready: Promise<void>;
  /**
   * The events that restate where the console is now (the sync state, the launch alert if one was raised, and how far
   * the read models got, which makes the renderer read its lists again): sent
   * first to an event stream that connects, so a renderer that asked for the state just before an event it had no
   * stream for yet (e.g. a background deep check's alert) still ends up with it.
   */
  currentState(): CurrentStateEvent[];
  stop(): Promise<void>;
}

/** An event that restates the console's current state to a stream that connects. */
export type CurrentStateEvent =
  | ['sync:changed', EventMap['sync:changed']]
  | ['ledger:alerted', EventMap['ledger:alerted']]
  | ['ledger:indexed', EventMap['ledger:indexed']];

/** Starts the services described by `config`. */
export function startConsoleServices(config: ConsoleConfig, onError?: ErrorSink): ConsoleServices {
  const events = new EventHub();
  const log = config.log ?? (() => {});
  const store = new ProfileStore(config.dataDir, config.secretBox);
  const failed = (what: string) => (err: unknown) =>
    log('error', `${what} failed; it is tried again with the next entries`, {
      error: err instanceof Error ? err.message : String(err),
    });
  const incidents = new IncidentWatch(events, failed('recounting the incidents'));
  // Each step spends a few tens of ms on the read models, then on the correlation index, so both keep up with a
  // million-entry sync without freezing the calls the UI makes in between.
  // When a run ends, the lists the UI read while it ran may miss its last entries: the UI is told to read them again.
  let indexedSize = 0;
  const indexer = new BackgroundIndexer(
    (db) => {
      const level = catchUpReadModels(db, 50);
      indexedSize = level.indexedSize;
      return level.complete && correlationIndexStep(db, 50);
    },
    (db) => {
      incidents.refresh(db);
      events.emit('ledger:indexed', { indexedSize });
    },
    failed('indexing the replica'),
  );
  const runtime = new ConsoleRuntime({
    store,
    events,
    hwmCodec: config.hwmCodec,
    ...(config.deepCheckDeferMs === undefined ? {} : { deepCheckDeferMs: config.deepCheckDeferMs }),
    notify: config.notify ?? (() => {}),
    log,
    // The incidents are recounted when the indexer's run ends (onLevel above), once the new entries are indexed.
    onAppended: (replica) => indexer.kick(replica.db),
  });
  const verification = new Verification(runtime, events, config.hwmCodec);
  const acks = new BreakGlassAcks(runtime, async () => (await runtime.session().source.identity())?.name ?? null);
  let status: ControlPlaneStatus = { kind: 'unconfigured' };
  const probe = async (): Promise<ControlPlaneStatus> => {
    const active = store.active();
    if (!active) return status;
    // The active session's source knows how to ask its upstream (control plane or Unleash); before it is open, a
    // control plane is probed directly.
    const session = runtime.activeSession();
    const next =
      session !== null && session.profileId === active.id
        ? await session.source.probe()
        : active.source === 'unleash'
          ? status
          : await probeControlPlane({ url: active.url, token: store.token(active.id) });
    // Every new measurement is pushed, so the latency on screen is live (one small event per probe interval).
    const changed =
      next.kind !== status.kind ||
      (next.kind === 'reachable' && status.kind === 'reachable' && next.roundTripMs !== status.roundTripMs);
    if (changed) events.emit('connection:changed', next);
    status = next;
    return status;
  };
  const handlers: Handlers = {
    'app:info': () => ({ name: 'Tombstone Console', version: readPackageVersion(), mode: config.mode }),
    'connection:status': () => status,
    'connection:probe': () => probe(),
    ...coreHandlers(runtime, verification),
    ...readHandlers(runtime),
    ...actionHandlers(runtime),
    'breakGlass:acknowledge': ({ idx }) => acks.acknowledge(idx),
    'breakGlass:pending': () => acks.pending(),
    'breakGlass:recent': () => acks.recent(),
  };
  // Rejects with a coded AppError when the start-up profile cannot be made (e.g. no token for a new control plane).
  const ready = (async () => {
    const id = config.bootstrap ? bootstrapProfile(store, config.bootstrap) : store.active()?.id;
    if (id) await runtime.activate(id);
    await probe();
  })();
  const timer = setInterval(() => void probe(), config.probeIntervalMs ?? 5000);
  timer.unref();
  return {
    registry: createRegistry(handlers, onError),
    events,
    ready,
    currentState: () => {
      const out: CurrentStateEvent[] = [['sync:changed', runtime.syncState()]];
      const alert = runtime.launchAlert();
      if (alert) out.push(['ledger:alerted', alert]);
      // A stream that connects after the lists were first read (e.g. while the back-fill was still being indexed) may
      // have missed the announcements since: the renderer reads its lists again.
      if (indexedSize > 0) out.push(['ledger:indexed', { indexedSize }]);
      return out;
    },
    externalOrigins: () =>
      store
        .list()
        .flatMap((p) => (p.urls ?? [p.url]).map((u) => new URL(u)))
        .filter((u) => u.protocol === 'https:')
        .map((u) => u.origin),
    stop: async () => {
      clearInterval(timer);
      await runtime.stop();
    },
  };
}
