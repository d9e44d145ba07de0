/**
 * The Unleash mirror as a sync engine: the same handle and events as the Tombstone sync engine (sync:state,
 * sync:progress, ledger:appended, ledger:verified, ledger:alert), so everything above it — the session, the read
 * models, verification, the ranking, the UI — works unchanged. It polls Unleash's event log, maps each event to a leaf,
 * seals every batch into the replica with the local key (sealed-replica.ts), re-reads mirrored events to catch upstream
 * rewrites, and backs off and goes offline while Unleash cannot be reached (the replica stays readable).
 */
import type { SyncState } from '../../../shared/ipc/contract.ts';
import { bytesEqual, type NoteSigner, type TrustedKey } from '../../../shared/ledger/index.ts';
import { AppError } from '../../ipc/app-error.ts';
import type { Replica } from '../../ledger/replica.ts';
import { backoffDelay, type BackoffPolicy } from '../../sync/backoff.ts';
import { ConnectionMachine } from '../../sync/connection-machine.ts';
import type { OnceResult, SyncHandle } from '../../sync/engine.ts';
import type { SyncLog } from '../../sync/errors.ts';
import { SyncEmitter } from '../../sync/events.ts';
import { UnleashClient } from './client.ts';
import { UnleashError } from './errors.ts';
import { initialState, mapEvents, UNLEASH_BACKOFF } from './poller.ts';
import { rereadMirrored, UpstreamRewriteError, type UpstreamRewriteAlert } from './rewrite.ts';
import { SealedReplica, unleashOrigin } from './sealed-replica.ts';
import { sealTrustedKey } from './seal-key.ts';
import { freshCursor, nextEvents } from './tail.ts';

/** How to run the Unleash mirror. */
export interface UnleashSyncOptions {
  url: string;
  token: string | null;
  /** The open replica, or how to open the replica of `origin` trusting `trustedKeys`. */
  replica: Replica | ((init: { origin: string; trustedKeys: TrustedKey[] }) => Replica);
  signer: NoteSigner;
  emitter?: SyncEmitter;
  log?: SyncLog;
  /** Pause between polls when caught up (default 5 s). */
  intervalMs?: number;
  /** Events per page (default 200). */
  pageSize?: number;
  /** Re-read every mirrored event every this many polls (default 12: once a minute at the default interval). */
  rereadEvery?: number;
  backoff?: BackoffPolicy;
  offlineAfterAttempts?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

/** The parts both modes share. */
interface Core {
  client: UnleashClient;
  sealed: SealedReplica;
  emitter: SyncEmitter;
  log: SyncLog;
}

function clientOf(opts: UnleashSyncOptions, signal?: AbortSignal): UnleashClient {
  return new UnleashClient({
    url: opts.url,
    token: opts.token ?? '',
    timeoutMs: opts.timeoutMs,
    fetch: opts.fetch,
    signal,
  });
}

/** Opens the replica and binds the mirror to it (throws coded errors: E_UNLEASH_URL, E_MIRROR_*, ledger codes). */
export async function openSealed(opts: UnleashSyncOptions, url: string): Promise<SealedReplica> {
  const replica =
    typeof opts.replica === 'function' ? opts.replica({ origin: unleashOrigin(url), trustedKeys: [] }) : opts.replica;
  if (replica.origin !== unleashOrigin(url))
    throw new AppError(
      'E_MIRROR_URL',
      `This replica mirrors "${replica.origin}", not the Unleash at ${url}. Use another replica file for another source.`,
    );
  try {
    const ours = sealTrustedKey(opts.signer);
    const keys = replica.trustedKeys().filter((k) => k.revoked !== true);
    if (keys.length === 0 && replica.receivedSize() === 0) replica.addTrustedKey(ours);
    else if (
      !keys.some((k) => k.keyId === ours.keyId && k.name === ours.name && bytesEqual(k.publicKey, ours.publicKey))
    )
      throw new AppError(
        'E_SEAL_KEY_MISMATCH',
        `The replica was sealed with another key (${keys.map((k) => `${k.name}+${k.keyId}`).join(', ') || 'none'}) ` +
          `than the one given (${ours.name}+${ours.keyId}). Give the sealing key this replica was made with; a new ` +
          'key cannot vouch for entries sealed before it.',
      );
    return await SealedReplica.open(replica, url, opts.signer, opts.now);
  } catch (err) {
    replica.close();
    throw err;
  }
}

/** Reads everything Unleash has now and seals it; resolves to the number of events sealed. */
async function catchUp(core: Core, pageSize: number, onStep?: (done: number, total: number) => void): Promise<number> {
  const pos = core.sealed.position();
  const state = pos.state ?? (await initialState(core.client));
  let cursor = pos.cursor ?? freshCursor();
  let count = 0;
  for (;;) {
    const step = await nextEvents(core.client, cursor, pageSize);
    if (step.events.length === 0) return count;
    const mapped = mapEvents(state, step.events);
    const sealed = await core.sealed.seal(mapped, step.cursor, state);
    cursor = step.cursor;
    count += mapped.length;
    core.emitter.emit('ledger:appended', { receivedSize: sealed.to });
    core.emitter.emit('ledger:verified', { verifiedSize: sealed.to, rootHex: sealed.root });
    onStep?.(step.cursor.position, step.total);
  }
}

/** Stores and announces upstream rewrites; returns every one found now (new or already stored). */
function report(core: Core, alerts: readonly UpstreamRewriteAlert[]): UpstreamRewriteAlert[] {
  for (const a of alerts) {
    const evidence = core.sealed.recordAlert(a);
    core.log({ level: 'error', code: a.code, message: a.message, idx: evidence?.idx ?? null });
    if (evidence !== null) core.emitter.emit('ledger:alerted', evidence);
  }
  return [...alerts];
}

async function reread(core: Core): Promise<UpstreamRewriteAlert[]> {
  return report(core, await rereadMirrored(core.client, core.sealed.records()));
}

function emitterOf(opts: UnleashSyncOptions): SyncEmitter {
  const log = opts.log ?? (() => {});
  return (
    opts.emitter ??
    new SyncEmitter((err) =>
      log({ level: 'error', code: 'E_LISTENER', message: `a sync event listener threw: ${String(err)}` }),
    )
  );
}

function describe(err: unknown): { code: string; message: string; retry: boolean } {
  if (err instanceof UnleashError) return { code: err.code, message: err.message, retry: err.retryable };
  if (err instanceof AppError) return { code: err.code, message: err.message, retry: false };
  const message = err instanceof Error ? err.message : String(err);
  const coded = /^(E_[A-Z_]+|[A-Z_]+): (.*)$/s.exec(message);
  if (coded?.[1] !== undefined) return { code: coded[1], message: coded[2] ?? message, retry: false };
  const code = (err as { code?: unknown } | null)?.code;
  return { code: typeof code === 'string' ? code : 'E_INTERNAL', message, retry: false };
}

/**
 * Catches up once (headless `sync --unleash --once`): mirrors and seals everything Unleash has now, then re-reads every
 * mirrored event. Transient failures are retried with backoff up to `attempts` times. A rewrite found upstream ends it
 * with E_UPSTREAM_REWRITE after everything was mirrored and the evidence stored.
 */
export async function unleashSyncOnce(
  opts: UnleashSyncOptions & { attempts?: number; onAlert?: (a: UpstreamRewriteAlert) => void },
): Promise<OnceResult & { events?: number }> {
  let client: UnleashClient;
  let sealed: SealedReplica;
  try {
    client = clientOf(opts);
    sealed = await openSealed(opts, client.url);
  } catch (err) {
    return { ok: false, ...describe(err) };
  }
  const core: Core = { client, sealed, emitter: emitterOf(opts), log: opts.log ?? (() => {}) };
  const attempts = opts.attempts ?? 5;
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const events = await catchUp(core, opts.pageSize ?? 200);
        const alerts = await reread(core);
        for (const a of alerts) opts.onAlert?.(a);
        const status = sealed.replica.status();
        if (alerts.length > 0)
          return {
            ok: false,
            code: 'E_UPSTREAM_REWRITE',
            message: `${alerts.length} mirrored Unleash event(s) changed or vanished upstream; the evidence is stored in the replica. ${alerts[0]?.message ?? ''}`,
          };
        return {
          ok: true,
          size: status.receivedSize,
          verifiedSize: status.verifiedSize,
          rootHex: status.root,
          origin: status.origin,
          events,
        };
      } catch (err) {
        if (err instanceof UpstreamRewriteError) {
          report(core, [err.alert]);
          return { ok: false, code: err.alert.code, message: err.alert.message };
        }
        const d = describe(err);
        core.log({ level: 'warn', code: d.code, message: d.message });
        if (!d.retry || attempt >= attempts) return { ok: false, code: d.code, message: d.message };
        await new Promise((r) => setTimeout(r, backoffDelay(attempt, opts.backoff ?? UNLEASH_BACKOFF, null)));
        await sealed.recoverNow();
      }
    }
  } finally {
    sealed.replica.close();
  }
}

/** An interruptible pause; a wake while not sleeping makes the next pause end at once. */
function sleeper(): { sleep(ms: number): Promise<void>; wake(): void } {
  let wake: (() => void) | null = null;
  let pending = false;
  return {
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        if (pending) {
          pending = false;
          resolve();
          return;
        }
        const t = setTimeout(done, ms);
        function done(): void {
          clearTimeout(t);
          wake = null;
          resolve();
        }
        wake = done;
      }),
    wake: () => {
      if (wake === null) pending = true;
      else wake();
    },
  };
}

/** The handle of the Tombstone sync engine, plus the sealed mirror (for actions and the badge). */
export interface UnleashSyncHandle extends SyncHandle {
  sealed(): SealedReplica | null;
  /** Cuts the pause between polls short (after the console's own write, so its round trip is not a poll interval). */
  pollNow(): void;
}

/** Starts mirroring in follow mode; the handle is the one the Tombstone sync engine returns. */
export function startUnleashSync(opts: UnleashSyncOptions): UnleashSyncHandle {
  const emitter = emitterOf(opts);
  const log = opts.log ?? (() => {});
  const now = opts.now ?? Date.now;
  let stopped = false;
  let sealed: SealedReplica | null = null;
  let lastInSync: number | null = null;
  const machine = new ConnectionMachine({
    url: opts.url,
    backoff: opts.backoff ?? UNLEASH_BACKOFF,
    offlineAfterAttempts: opts.offlineAfterAttempts,
    now,
    replicaAsOf: () => {
      const at = lastInSync ?? sealed?.replica.status().updatedAt ?? null;
      return at === null ? null : new Date(at).toISOString();
    },
    onState: (s) => emitter.emit('sync:changed', s),
  });
  const nap = sleeper();
  const abort = new AbortController();
  const halt = (code: string, message: string): void => {
    log({ level: 'error', code, message });
    machine.dispatch({ type: 'halt', code, message });
  };
  const loop = async (): Promise<void> => {
    let client: UnleashClient;
    try {
      client = clientOf(opts, abort.signal);
      sealed = await openSealed(opts, client.url);
    } catch (err) {
      const d = describe(err);
      halt(d.code, d.message);
      return;
    }
    const core: Core = { client, sealed, emitter, log };
    machine.dispatch({ type: 'connect' });
    for (let polls = 1; !stopped; polls++) {
      try {
        const started = now();
        await catchUp(core, opts.pageSize ?? 200, (done, total) => {
          if (done < total) machine.dispatch({ type: 'backfill', done, total });
          emitter.emit('sync:progressed', { done, total, ratePerSecond: 0, etaSeconds: null });
        });
        lastInSync = now();
        if (machine.state.kind !== 'live') machine.dispatch({ type: 'live', roundTripMs: now() - started });
        if (polls % (opts.rereadEvery ?? 12) === 1) await reread(core);
        if (stopped) break;
        await nap.sleep(opts.intervalMs ?? 5000);
      } catch (err) {
        if (stopped) break;
        if (err instanceof UpstreamRewriteError) {
          report(core, [err.alert]);
          halt(err.alert.code, err.alert.message);
          return;
        }
        const d = describe(err);
        if (!d.retry) {
          halt(d.code, d.message);
          return;
        }
        log({ level: 'warn', code: d.code, message: d.message });
        const delay = machine.dispatch({ type: 'failed', error: `${d.code}: ${d.message}` }) ?? 0;
        try {
          await sealed.recoverNow();
        } catch (e) {
          const r = describe(e);
          halt(r.code, r.message);
          return;
        }
        if (stopped) break;
        await nap.sleep(delay);
      }
    }
  };
  const running = Promise.resolve().then(loop);
  return {
    events: emitter,
    state: (): SyncState => machine.state,
    replica: () => sealed?.replica ?? null,
    sealed: () => sealed,
    pollNow: () => {
      if (machine.state.kind === 'live') nap.wake();
    },
    confirmKey: () => machine.state,
    stop: async () => {
      stopped = true;
      abort.abort();
      nap.wake();
      await running;
      machine.dispatch({ type: 'stop' });
    },
  };
}
