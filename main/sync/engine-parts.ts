/**
 * The parts every way of running the engine shares (follow mode in startSync, catch-up-and-exit in syncOnce): target,
 * state machine, trust gate, replica holder, progress throttling, and the connection context wiring them together.
 */
import { LedgerError } from '../../shared/ledger/index.ts';
import type { BackoffPolicy } from './backoff.ts';
import { ConnectionMachine } from './connection-machine.ts';
import { SyncHalt, SyncRetry, type SyncLog } from './errors.ts';
import { SyncEmitter } from './events.ts';
import { consistencyProofFetcher } from './handshake.ts';
import { SyncHttpError, type SyncTarget } from './http.ts';
import type { LivePhase } from './live.ts';
import { InstanceRing } from './instance-ring.ts';
import type { SyncReplica } from './mirror.ts';
import { ProgressMeter } from './progress.ts';
import { ReplicaHolder, type ReplicaOpener } from './replica-holder.ts';
import type { ConnectionContext } from './connection.ts';
import { TrustGate, type SyncProfile } from './trust-gate.ts';

/** Options of startSync / syncOnce. Only profile and replica are required. */
export interface SyncOptions {
  profile: SyncProfile;
  /** The open replica, or how to open it once the origin is known (it receives the consistency-proof fetcher). */
  replica: SyncReplica | ReplicaOpener;
  fetch?: typeof fetch;
  emitter?: SyncEmitter;
  log?: SyncLog;
  /** The server's heartbeat interval (default 15 s); twice that without data ends a session. */
  heartbeatMs?: number;
  backoff?: BackoffPolicy;
  /**
   * The instances to rotate over (shared with whatever sends actions, so they go to the instance in use); default: a
   * ring over the profile's URLs with `backoff` and `random`.
   */
  instances?: InstanceRing;
  offlineAfterAttempts?: number;
  pageSize?: number;
  concurrency?: number;
  /** Minimum time between progress events (default 250 ms). */
  progressEveryMs?: number;
  now?: () => number;
  random?: () => number;
}

/** Classification of whatever ended a session. */
export interface Ending {
  kind: 'halt' | 'retry';
  code: string;
  message: string;
}

/** Halt (evidence, refused token, unusable replica) or retry (network, transit damage). */
export function classifyEnding(err: unknown): Ending {
  if (err instanceof SyncHalt) return { kind: 'halt', code: err.code, message: err.message };
  if (err instanceof SyncRetry) return { kind: 'retry', code: err.code, message: err.message };
  if (err instanceof SyncHttpError)
    return { kind: err.retryable ? 'retry' : 'halt', code: err.code, message: err.message };
  if (err instanceof LedgerError) return { kind: 'halt', code: err.code, message: err.message };
  return { kind: 'retry', code: 'E_INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

/** The parts one engine shares between its connection attempts. */
export interface EngineParts {
  ctx: ConnectionContext;
  machine: ConnectionMachine;
  trust: TrustGate;
  replicas: ReplicaHolder;
  emitter: SyncEmitter;
  log: SyncLog;
  abort: AbortController;
  instances: InstanceRing;
  /** Sets up a fresh per-session abort signal (and points the target at the instance in use); returns its abort. */
  beginSession(): () => void;
  live(): LivePhase | null;
  stopped: { value: boolean };
}

function openPinned(trust: TrustGate, replicas: ReplicaHolder, isOpener: boolean, log: SyncLog): void {
  if (trust.pinnedOrigin === null || !isOpener) return;
  try {
    replicas.open(trust.pinnedOrigin, trust.trustedKeys());
  } catch (err) {
    const e = classifyEnding(err);
    log({ level: 'error', code: e.code, message: e.message });
  }
}

/** Throttled progress: `sync:progress` always, the backfilling state only while catching up. */
function progressReporter(
  emitter: SyncEmitter,
  machine: ConnectionMachine,
  now: () => number,
  everyMs: number,
): ConnectionContext['onProgress'] {
  const meter = new ProgressMeter();
  let last = 0;
  return (done, total, phase) => {
    const t = now();
    if (done === 0) meter.reset();
    if (done < total && t - last < everyMs) return;
    last = t;
    emitter.emit('sync:progressed', meter.update(done, total));
    if (phase === 'catch-up') machine.dispatch({ type: 'backfill', done, total });
  };
}

/** The ring over a profile's instance URLs (`url` alone when it lists no others). */
export function instanceRingOf(
  profile: Pick<SyncProfile, 'url' | 'urls'>,
  backoff?: BackoffPolicy,
  random?: () => number,
): InstanceRing {
  const urls = profile.urls !== undefined && profile.urls.length > 0 ? profile.urls : [profile.url];
  return new InstanceRing(urls, backoff, random);
}

/** Builds the runtime (opens the replica at once when the profile's origin is pinned, so it is readable offline). */
export function createEngineParts(opts: SyncOptions): EngineParts {
  const now = opts.now ?? Date.now;
  const log: SyncLog = opts.log ?? (() => {});
  const emitter =
    opts.emitter ??
    new SyncEmitter((err) =>
      log({
        level: 'error',
        code: 'E_LISTENER',
        message: `a sync event listener threw: ${err instanceof Error ? err.message : String(err)}`,
      }),
    );
  const abort = new AbortController();
  const stopped = { value: false };
  let live: LivePhase | null = null;
  let inSyncAt: number | null = null;
  const instances = opts.instances ?? instanceRingOf(opts.profile, opts.backoff, opts.random);
  const target: SyncTarget = {
    baseUrl: instances.current,
    token: opts.profile.token,
    fetch: opts.fetch,
    signal: abort.signal,
  };
  const replicas = new ReplicaHolder(
    opts.replica,
    consistencyProofFetcher(() => target),
  );
  const asOf = (): string | null => {
    const at = inSyncAt ?? replicas.get()?.status().updatedAt ?? null;
    return at === null ? null : new Date(at).toISOString();
  };
  const machine = new ConnectionMachine({
    url: instances.current,
    ring: instances,
    backoff: opts.backoff,
    offlineAfterAttempts: opts.offlineAfterAttempts,
    now,
    random: opts.random,
    replicaAsOf: asOf,
    onState: (s) => emitter.emit('sync:changed', s),
  });
  const trust = new TrustGate(opts.profile, machine, emitter, now);
  trust.onTrusted = (key) => replicas.get()?.addTrustedKey(key);
  openPinned(trust, replicas, typeof opts.replica === 'function', log);
  const ctx: ConnectionContext = {
    target,
    machine,
    emitter,
    log,
    trust,
    replicas,
    heartbeatMs: opts.heartbeatMs ?? 15_000,
    pageSize: opts.pageSize,
    concurrency: opts.concurrency,
    now,
    stopped: () => stopped.value,
    onProgress: progressReporter(emitter, machine, now, opts.progressEveryMs ?? 250),
    onInSync: () => {
      inSyncAt = now();
    },
    onLive: (phase) => {
      live = phase;
    },
    endSession: () => {},
  };
  const beginSession = (): (() => void) => {
    const session = new AbortController();
    // Each session goes to the instance the ring chose; it resumes from the replica's size there like anywhere else.
    target.baseUrl = instances.current;
    target.signal = AbortSignal.any([abort.signal, session.signal]);
    ctx.endSession = () => session.abort();
    live = null;
    return () => session.abort();
  };
  return { ctx, machine, trust, replicas, emitter, log, abort, instances, beginSession, live: () => live, stopped };
}
