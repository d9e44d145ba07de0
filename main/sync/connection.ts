/**
 * One connection attempt: handshake (checkpoint + keys, trust on first use), catch-up to the server's checkpoint with
 * progress, then the live stream until it ends. Every way out is a thrown SyncHalt / SyncRetry / SyncHttpError (or a
 * normal return after stop, or after catch-up in `once` mode).
 */
import type { ConnectionMachine } from './connection-machine.ts';
import type { SyncLog } from './errors.ts';
import type { SyncEmitter } from './events.ts';
import { fetchHandshake } from './handshake.ts';
import type { SyncTarget } from './http.ts';
import { startLive, type LivePhase } from './live.ts';
import { Mirror } from './mirror.ts';
import type { ReplicaHolder } from './replica-holder.ts';
import type { TrustGate } from './trust-gate.ts';

/** Everything a connection attempt uses; owned by the engine. */
export interface ConnectionContext {
  target: SyncTarget;
  machine: ConnectionMachine;
  emitter: SyncEmitter;
  log: SyncLog;
  trust: TrustGate;
  replicas: ReplicaHolder;
  heartbeatMs: number;
  pageSize?: number;
  concurrency?: number;
  maxLineChars?: number;
  now: () => number;
  stopped(): boolean;
  onProgress(done: number, total: number, phase: 'catch-up' | 'live'): void;
  /** The replica matches the server as of now (for the offline banner). */
  onInSync(): void;
  /** The live phase started (so stop() can end it). */
  onLive(phase: LivePhase): void;
  /** Aborts this session's in-flight reads (the stream ended; a pending backfill must not hold the loop). */
  endSession(): void;
}

/** Where a session ended up in `once` mode. */
export interface CaughtUp {
  size: number;
  verifiedSize: number;
  rootHex: string;
}

/** Runs the handshake and catch-up; returns the mirror, positioned at the server's checkpoint. */
async function catchUp(ctx: ConnectionContext): Promise<{ mirror: Mirror; size: number; origin: string }> {
  ctx.machine.dispatch({ type: 'connect' });
  const hs = await fetchHandshake(ctx.target);
  await ctx.trust.ensure(hs);
  const replica = ctx.replicas.open(hs.checkpoint.origin, ctx.trust.trustedKeys());
  let phase: 'catch-up' | 'live' = 'catch-up';
  const mirror = new Mirror({
    replica,
    target: ctx.target,
    emitter: ctx.emitter,
    log: ctx.log,
    stopped: ctx.stopped,
    now: ctx.now,
    pageSize: ctx.pageSize,
    concurrency: ctx.concurrency,
    onProgress: (done, total) => ctx.onProgress(done, total, phase),
  });
  if (hs.checkpoint.size > mirror.receivedSize)
    ctx.machine.dispatch({ type: 'backfill', done: 0, total: hs.checkpoint.size - mirror.receivedSize });
  await mirror.checkpoint(hs.note, 'handshake');
  await mirror.settle();
  ctx.onInSync();
  phase = 'live';
  return { mirror, size: hs.checkpoint.size, origin: hs.checkpoint.origin };
}

/** Catches up to the server's current checkpoint and returns (the `--once` mode). */
export async function runOnce(ctx: ConnectionContext): Promise<CaughtUp> {
  const { mirror, size } = await catchUp(ctx);
  const status = ctx.replicas.get()?.status();
  return { size, verifiedSize: mirror.verifiedSize, rootHex: status?.root ?? '' };
}

/** Catches up, then follows the stream until it ends (throws) or the engine stops (returns). */
export async function runConnection(ctx: ConnectionContext): Promise<void> {
  const { mirror, origin } = await catchUp(ctx);
  if (ctx.stopped()) return;
  const live = startLive({
    target: ctx.target,
    origin,
    mirror,
    log: ctx.log,
    heartbeatMs: ctx.heartbeatMs,
    maxLineChars: ctx.maxLineChars,
    onOpen: (roundTripMs) => ctx.machine.dispatch({ type: 'live', roundTripMs }),
    onServerRetry: (ms) => ctx.machine.dispatch({ type: 'server-retry', ms }),
    onInSync: ctx.onInSync,
    onEnding: () => ctx.endSession(),
  });
  ctx.onLive(live);
  await live.done;
}
