/**
 * Runs verification chunks on worker threads (dynamic dispatch, so a slow chunk does not idle the other cores) or
 * inline. Results are handed to `consume` as they arrive; it returns true to stop early. Cancellable by AbortSignal.
 */
import { Worker } from 'node:worker_threads';
import type { ChunkResult, ChunkTask, VerifyMode } from './verify-types.ts';
import { ChunkVerifier } from './verify-chunk.ts';
import { openVerifyConnection } from './verify-db.ts';
import { HashTurn } from './hash-turn.ts';

// From source the worker is the .ts file (Node type stripping); in the Electron bundle it is a sibling .js entry
// (electron.vite.config.ts builds it), and a non-literal URL keeps the bundler from inlining it as an asset.
const WORKER_FILE = import.meta.url.endsWith('.ts') ? './verify-worker.ts' : './verify-worker.js';

/** Where and how to run chunks. */
export interface PoolOptions {
  path: string;
  origin: string;
  mode: VerifyMode;
  threads: number;
  /** Run on low-priority workers (see VerifyOptions.background). */
  background: boolean;
  signal: AbortSignal | undefined;
  onRows: (n: number) => void;
}

/** Consumes one result (by task index); returns true to stop. */
export type Consume = (index: number, result: ChunkResult) => boolean;

/** A worker's answer to one task: its result with the rows it checked, or why it could not run it. */
type WorkerMessage = { type: 'result'; result: ChunkResult; rows: number } | { type: 'error'; message: string };

/** The error a cancelled verification rejects with. */
export function cancelled(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('E_CANCELLED: verification was cancelled');
}

async function runInline(tasks: readonly ChunkTask[], opts: PoolOptions, consume: Consume): Promise<void> {
  const db = openVerifyConnection(opts.path);
  try {
    const verifier = new ChunkVerifier(db, opts.origin, opts.mode, opts.onRows);
    for (let i = 0; i < tasks.length; i++) {
      if (opts.signal?.aborted === true) throw cancelled(opts.signal);
      if (consume(i, verifier.run(tasks[i] as ChunkTask))) return;
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    db.close();
  }
}

const IDLE_MS = 15_000;
/**
 * How much nicer than the process background workers run (capped at 19; never less nice than the process). Only on Linux, where a thread's nice value is its own: elsewhere setpriority on
 * the calling thread changes the whole process, the screen included, so background workers there keep the normal one.
 */
export const BACKGROUND_NICE = 5;
const lowersThreadOnly = process.platform === 'linux';
// A worker's priority cannot be raised back without privileges: background and foreground workers are pooled apart.
const idle: Record<'background' | 'foreground', Worker[]> = { background: [], foreground: [] };
let idleTimer: NodeJS.Timeout | null = null;

/** A pooled worker (idle workers are unref'd, so they never keep the process alive, and exit after IDLE_MS). */
function acquire(background: boolean): Worker {
  const nice = background && lowersThreadOnly ? BACKGROUND_NICE : 0;
  // A small young generation keeps each worker's garbage (one digest string per hash) from inflating resident memory.
  const w =
    idle[background ? 'background' : 'foreground'].pop() ??
    new Worker(new URL(WORKER_FILE, import.meta.url), {
      resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 256 },
      workerData: { nicer: nice },
    });
  w.ref();
  w.removeAllListeners('message');
  w.removeAllListeners('error');
  return w;
}

function release(w: Worker, background: boolean): void {
  w.removeAllListeners('message');
  w.removeAllListeners('error');
  w.on('error', () => undefined);
  w.postMessage({ type: 'end' });
  w.unref();
  idle[background ? 'background' : 'foreground'].push(w);
  if (idleTimer !== null) clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    for (const x of [...idle.background.splice(0), ...idle.foreground.splice(0)]) void x.terminate();
  }, IDLE_MS);
  idleTimer.unref();
}

function runOnWorkers(tasks: readonly ChunkTask[], opts: PoolOptions, consume: Consume): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const workers: Worker[] = [];
    let next = 0;
    let completed = 0;
    let stopped = false;
    const onAbort = (): void =>
      finish(opts.signal === undefined ? new Error('E_CANCELLED') : cancelled(opts.signal), true);
    function finish(err?: Error, kill = false): void {
      if (stopped) return;
      stopped = true;
      opts.signal?.removeEventListener('abort', onAbort);
      // A worker still busy (cancel, error, early stop) is terminated; the others go back to the pool.
      for (const w of workers)
        if (kill || err !== undefined || completed < next) void w.terminate();
        else release(w, opts.background);
      if (err === undefined) resolve();
      else reject(err);
    }
    // Each worker has up to two tasks queued, so it starts the next chunk without waiting for this thread's answer.
    function dispatch(w: Worker, queued: number[]): void {
      if (next >= tasks.length) return;
      queued.push(next);
      w.postMessage({ type: 'task', task: tasks[next++] });
    }
    const count = Math.max(1, Math.min(opts.threads, tasks.length));
    const turn = HashTurn.buffer();
    const queues: number[][] = [];
    for (let t = 0; t < count; t++) {
      const w = acquire(opts.background);
      const queued: number[] = [];
      queues.push(queued);
      w.on('message', (m: WorkerMessage) => {
        if (stopped) return;
        if (m.type === 'error') return finish(new Error(m.message));
        if (m.rows > 0) opts.onRows(m.rows);
        completed++;
        if (consume(queued.shift() ?? -1, m.result) || completed === tasks.length) finish();
        else dispatch(w, queued);
      });
      w.on('error', (err) => finish(err, true));
      workers.push(w);
      w.postMessage({ type: 'begin', path: opts.path, origin: opts.origin, mode: opts.mode, turn });
    }
    for (let round = 0; round < 2; round++) workers.forEach((w, t) => dispatch(w, queues[t] ?? []));
    if (opts.signal?.aborted === true) onAbort();
    opts.signal?.addEventListener('abort', onAbort);
  });
}

/** Runs every task (or until `consume` says stop). */
export function runChunks(tasks: readonly ChunkTask[], opts: PoolOptions, consume: Consume): Promise<void> {
  if (tasks.length === 0) return Promise.resolve();
  return opts.threads <= 0 ? runInline(tasks, opts, consume) : runOnWorkers(tasks, opts, consume);
}
