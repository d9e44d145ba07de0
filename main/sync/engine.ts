/**
 * The sync engine: mirrors one control plane's ledger into the local replica and keeps it current. It runs sessions
 * (handshake → catch-up → live stream) in a loop; a failed session backs off with full jitter (honouring `retry:`)
 * and reconnects, resuming from the replica's received size; evidence halts it. Everything the rest of main needs
 * arrives through `events` (ledger:appended, ledger:verified, ledger:alert, sync:state, sync:progress).
 */
import type { SyncState } from '../../shared/ipc/contract.ts';
import { SyncRetry } from './errors.ts';
import type { SyncEmitter } from './events.ts';
import type { SyncReplica } from './mirror.ts';
import { classifyEnding, createEngineParts, type EngineParts, type SyncOptions } from './engine-parts.ts';
import { runOnce, runConnection } from './connection.ts';

export type { SyncOptions } from './engine-parts.ts';

/** A running engine. */
export interface SyncHandle {
  events: SyncEmitter;
  state(): SyncState;
  /** The replica (null until the origin is known), for readers. */
  replica(): SyncReplica | null;
  /** Answers the key-confirmation prompt; returns the state afterwards. */
  confirmKey(vkey: string, accept: boolean): SyncState;
  /** Stops after the current replica transaction; resolves when nothing runs any more. */
  stop(): Promise<void>;
}

function interruptibleSleep(rt: EngineParts, ms: number): { done: Promise<void>; wake(): void } {
  let wake = (): void => {};
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  if (rt.stopped.value) wake();
  return { done, wake };
}

/** The follow-mode loop: sessions until stopped or halted; `setWake` receives the function that cuts a backoff short. */
async function followLoop(rt: EngineParts, setWake: (wake: () => void) => void): Promise<void> {
  while (!rt.stopped.value) {
    const endSession = rt.beginSession();
    try {
      await runConnection(rt.ctx);
      if (rt.stopped.value) break;
      throw new SyncRetry('E_STREAM_CLOSED', 'the ledger stream ended');
    } catch (err) {
      if (rt.stopped.value) break;
      const e = classifyEnding(err);
      rt.log({ level: e.kind === 'halt' ? 'error' : 'warn', code: e.code, message: e.message });
      if (e.kind === 'halt') {
        rt.machine.dispatch({ type: 'halt', code: e.code, message: e.message });
        return;
      }
      const sleep = interruptibleSleep(
        rt,
        rt.machine.dispatch({ type: 'failed', error: `${e.code}: ${e.message}` }) ?? 0,
      );
      setWake(sleep.wake);
      await sleep.done;
    } finally {
      endSession();
    }
  }
}

/** Starts syncing in follow mode; the returned handle reports state and stops the engine. */
export function startSync(opts: SyncOptions): SyncHandle {
  const rt = createEngineParts(opts);
  let wake = (): void => {};
  // Started on a microtask so listeners attached right after startSync() see the first state.
  const running = Promise.resolve().then(() =>
    followLoop(rt, (w) => {
      wake = w;
    }),
  );
  return {
    events: rt.emitter,
    state: () => rt.machine.state,
    replica: () => rt.replicas.get(),
    confirmKey: (vkey, accept) => {
      rt.trust.answer(vkey, accept);
      return rt.machine.state;
    },
    stop: async () => {
      if (!rt.stopped.value) {
        rt.stopped.value = true;
        rt.abort.abort();
        rt.live()?.stop();
        rt.trust.cancel();
        wake();
      }
      await running;
      rt.machine.dispatch({ type: 'stop' });
    },
  };
}

/** What `syncOnce` achieved. */
export type OnceResult =
  | { ok: true; size: number; verifiedSize: number; rootHex: string; origin: string }
  | { ok: false; code: string; message: string };

/**
 * Catches up to the server's latest checkpoint and returns (headless `sync --once`). Transient failures are retried
 * with backoff up to `attempts` times; a key prompt is answered by `onKeyPrompt` (headless callers decide up front).
 */
export async function syncOnce(
  opts: SyncOptions & { attempts?: number; onKeyPrompt?: (vkey: string, fingerprint: string) => boolean },
): Promise<OnceResult> {
  const rt = createEngineParts(opts);
  rt.emitter.on('sync:changed', (s) => {
    if (s.kind === 'key-confirmation')
      queueMicrotask(() => rt.trust.answer(s.vkey, opts.onKeyPrompt?.(s.vkey, s.fingerprint) ?? false));
  });
  const attempts = opts.attempts ?? 5;
  let last: { code: string; message: string } = { code: 'E_INTERNAL', message: 'no attempt was made' };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const endSession = rt.beginSession();
    try {
      const r = await runOnce(rt.ctx);
      const status = rt.replicas.get()?.status();
      if (status === undefined || r.verifiedSize < r.size)
        return {
          ok: false,
          code: 'E_NOT_VERIFIED',
          message: `the replica holds ${r.verifiedSize} verified entries, the checkpoint ${r.size}`,
        };
      return { ok: true, size: r.size, verifiedSize: r.verifiedSize, rootHex: status.root, origin: status.origin };
    } catch (err) {
      const e = classifyEnding(err);
      rt.log({ level: e.kind === 'halt' ? 'error' : 'warn', code: e.code, message: e.message });
      last = e;
      if (e.kind === 'halt') return { ok: false, code: e.code, message: e.message };
      const delay = rt.machine.dispatch({ type: 'failed', error: `${e.code}: ${e.message}` }) ?? 0;
      if (attempt < attempts) await new Promise((r) => setTimeout(r, delay));
    } finally {
      endSession();
    }
  }
  return { ok: false, ...last };
}
