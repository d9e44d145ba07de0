/**
 * The live phase of a session: the SSE stream from Last-Event-ID = received size − 1, frames queued and processed
 * strictly in order (entries batched into one replica transaction per burst), gaps and lost checkpoints backfilled on
 * the spot, and a heartbeat watchdog. `done` settles only after the processing loop has stopped, so a new session
 * never overlaps an old one.
 */
import type { IncomingEntry } from '../ledger/replica-types.ts';
import { SyncHalt, SyncRetry, type SyncLog } from './errors.ts';
import type { FrameRejection, StreamFrame } from './frames.ts';
import type { Mirror } from './mirror.ts';
import { openLedgerStream, type LedgerStream } from './sse-client.ts';
import type { SyncTarget } from './http.ts';
import { StreamLeafChecker } from './stream-leaf.ts';
import { startWatchdog, type Watchdog } from './watchdog.ts';

/** What the live phase needs. */
export interface LiveOptions {
  target: SyncTarget;
  origin: string;
  mirror: Mirror;
  log: SyncLog;
  /** The server's heartbeat interval; no frame for twice that long ends the session. */
  heartbeatMs: number;
  maxLineChars?: number;
  onOpen(roundTripMs: number): void;
  onServerRetry(ms: number): void;
  /** Called after each processed burst while the replica is caught up with the stream. */
  onInSync(): void;
  /** Called once when the phase starts ending (before the processing loop has finished). */
  onEnding?(): void;
}

/** A running live phase. */
export interface LivePhase {
  /** Settles when the stream ends (rejects with the reason) or after stop() (resolves). */
  done: Promise<void>;
  stop(): void;
}

/** Entries further ahead of the replica than this are refused on the stream (checkpoints still drive backfill). */
export const MAX_AHEAD = 10_000;
const MAX_BATCH = 2000;

type EntryFrame = Extract<StreamFrame, { kind: 'entry' }>;

/** One live stream and its ordered processing loop. */
class LiveSession implements LivePhase {
  readonly done: Promise<void>;
  private readonly opts: LiveOptions;
  private readonly checker: StreamLeafChecker;
  private readonly queue: StreamFrame[] = [];
  private readonly watchdog: Watchdog;
  private readonly stream: LedgerStream;
  private outcome: { err: Error | null } | null = null;
  private finished = false;
  private draining = false;
  private settle: { resolve(): void; reject(err: Error): void } = { resolve: () => {}, reject: () => {} };

  constructor(opts: LiveOptions) {
    this.opts = opts;
    this.checker = new StreamLeafChecker(opts.origin);
    this.done = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    const timeout = opts.heartbeatMs * 2;
    this.watchdog = startWatchdog(timeout, () =>
      this.end(new SyncRetry('E_HEARTBEAT_TIMEOUT', `no data from the control plane for ${timeout} ms`)),
    );
    const received = opts.mirror.receivedSize;
    this.stream = openLedgerStream(
      {
        baseUrl: opts.target.baseUrl,
        token: opts.target.token,
        lastEventId: received > 0 ? received - 1 : null,
        fetch: opts.target.fetch,
        maxLineChars: opts.maxLineChars,
      },
      {
        onOpen: (rt) => {
          this.watchdog.kick();
          opts.onOpen(rt);
        },
        onFrame: (f) => this.onFrame(f),
        onRetry: opts.onServerRetry,
        onClosed: (reason, status) => this.end(closeError(reason, status)),
      },
    );
  }

  stop(): void {
    this.end(null);
  }

  private onFrame(frame: StreamFrame | FrameRejection): void {
    this.watchdog.kick();
    if (frame.kind === 'rejected') {
      this.opts.log({ level: 'warn', code: frame.code, message: frame.detail, idx: frame.idx });
      if (frame.idx !== null) this.opts.mirror.want(frame.idx + 1);
      return;
    }
    this.queue.push(frame);
    this.schedule();
  }

  private schedule(): void {
    if (this.draining || this.outcome !== null) return;
    this.draining = true;
    // A microtask: every frame of the current network chunk is queued before the burst is processed.
    queueMicrotask(() => void this.drain());
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0 && this.outcome === null) await this.step();
      if (this.outcome === null) this.opts.onInSync();
    } catch (err) {
      this.draining = false;
      this.end(err instanceof Error ? err : new Error(String(err)));
      this.finish(); // end() is a no-op when the phase was already ending (e.g. the stream closed mid-backfill)
      return;
    }
    this.draining = false;
    this.finish();
  }

  private async step(): Promise<void> {
    const { mirror } = this.opts;
    const head = this.queue[0];
    if (head === undefined) return;
    if (head.kind === 'entry') await mirror.ingest(this.takeEntries(), 'stream');
    else {
      this.queue.shift();
      if (head.kind === 'checkpoint') await mirror.checkpoint(head.note, 'stream');
      else if (head.size !== null) mirror.want(head.size);
    }
    if (this.queue[0]?.kind !== 'entry') await mirror.settle();
  }

  private takeEntries(): IncomingEntry[] {
    const { mirror, log } = this.opts;
    const batch: IncomingEntry[] = [];
    while (batch.length < MAX_BATCH && this.queue[0]?.kind === 'entry') {
      const f = this.queue.shift() as EntryFrame;
      if (f.idx > mirror.receivedSize + MAX_AHEAD) {
        log({
          level: 'warn',
          code: 'E_FRAME_TOO_FAR_AHEAD',
          message: `stream entry ${f.idx} is far beyond the replica (${mirror.receivedSize}); ignored`,
          idx: f.idx,
        });
        continue;
      }
      const checked = this.checker.check(f.text, f.idx);
      if (checked.ok) batch.push({ idx: f.idx, leaf: checked.bytes });
      else mirror.rejectFrame(checked.problem);
    }
    return batch;
  }

  private end(err: Error | null): void {
    if (this.outcome !== null) return;
    this.outcome = { err };
    this.stream.close();
    this.watchdog.stop();
    this.opts.onEnding?.();
    this.finish();
  }

  /** Settles `done` once the phase has ended and the processing loop is idle. */
  private finish(): void {
    if (this.finished || this.outcome === null || this.draining) return;
    this.finished = true;
    if (this.outcome.err === null) this.settle.resolve();
    else this.settle.reject(this.outcome.err);
  }
}

/** Starts the live phase. */
export function startLive(opts: LiveOptions): LivePhase {
  return new LiveSession(opts);
}

function closeError(reason: string, status: number | null): Error {
  if (status === 401 || status === 403)
    return new SyncHalt(
      'E_AUTH',
      `The control plane refused the token on the ledger stream (HTTP ${status}). Enter a valid token for this profile.`,
    );
  if (status === 409)
    return new SyncHalt(
      'E_SERVER_BEHIND',
      'The control plane has fewer entries than this replica already received from it: its log was rolled back or replaced. Syncing stopped; the replica keeps what it verified.',
    );
  return new SyncRetry('E_STREAM_CLOSED', status === null ? reason : `${reason} (HTTP ${status})`);
}
