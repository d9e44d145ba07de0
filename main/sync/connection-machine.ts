/**
 * The connection state machine behind the top bar: connecting → backfilling → live → reconnecting (backoff with full
 * jitter, honouring the server's `retry:`) → offline after a few failed attempts (retries continue in the background;
 * the replica stays readable, "as of" its last verified checkpoint). `halted` (evidence, refused key, bad token) is
 * terminal until the engine is restarted; `key-confirmation` waits for the user.
 */
import type { SyncState } from '../../shared/ipc/contract.ts';
import { DEFAULT_BACKOFF, backoffDelay, type BackoffPolicy } from './backoff.ts';

/** What happened, as the engine reports it to the machine. */
export type MachineInput =
  | { type: 'connect' }
  | { type: 'backfill'; done: number; total: number }
  | { type: 'live'; roundTripMs: number | null }
  | { type: 'failed'; error: string }
  | { type: 'server-retry'; ms: number }
  | { type: 'confirm-key'; keyName: string; fingerprint: string; vkey: string }
  | { type: 'halt'; code: string; message: string }
  | { type: 'stop' };

/** Machine configuration; clock and randomness are injected for tests. */
export interface MachineOptions {
  url: string;
  backoff?: BackoffPolicy;
  /** Consecutive failed attempts shown as "reconnecting" before the state becomes "offline". */
  offlineAfterAttempts?: number;
  now?: () => number;
  random?: () => number;
  /** When the replica was last known to match the server (ISO time), for the offline banner. */
  replicaAsOf?: () => string | null;
  onState?: (state: SyncState) => void;
}

/** Holds the current SyncState and computes reconnect delays. */
export class ConnectionMachine {
  private current: SyncState = { kind: 'idle' };
  private failures = 0;
  private serverRetryMs: number | null = null;
  private readonly url: string;
  private readonly backoff: BackoffPolicy;
  private readonly offlineAfter: number;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly replicaAsOf: () => string | null;
  private readonly onState: (state: SyncState) => void;

  constructor(opts: MachineOptions) {
    this.url = opts.url;
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.offlineAfter = opts.offlineAfterAttempts ?? 3;
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.replicaAsOf = opts.replicaAsOf ?? (() => null);
    this.onState = opts.onState ?? (() => {});
  }

  /** The current state. */
  get state(): SyncState {
    return this.current;
  }

  /** Consecutive failed attempts since the last successful contact. */
  get attempt(): number {
    return this.failures;
  }

  /** Applies one input; for `failed` returns the delay before the next attempt, otherwise null. */
  dispatch(input: MachineInput): number | null {
    if (this.current.kind === 'halted' && input.type !== 'stop') return null;
    switch (input.type) {
      case 'connect':
        this.set({ kind: 'connecting', url: this.url });
        return null;
      case 'backfill':
        this.failures = 0;
        this.set({ kind: 'backfilling', url: this.url, done: input.done, total: input.total });
        return null;
      case 'live':
        this.failures = 0;
        this.set({
          kind: 'live',
          url: this.url,
          roundTripMs: input.roundTripMs,
          since: new Date(this.now()).toISOString(),
        });
        return null;
      case 'failed':
        return this.fail(input.error);
      case 'server-retry':
        this.serverRetryMs = input.ms;
        return null;
      case 'confirm-key':
        this.set({
          kind: 'key-confirmation',
          url: this.url,
          keyName: input.keyName,
          fingerprint: input.fingerprint,
          vkey: input.vkey,
        });
        return null;
      case 'halt':
        this.set({ kind: 'halted', url: this.url, code: input.code, message: input.message });
        return null;
      case 'stop':
        this.set({ kind: 'idle' });
        return null;
      default: {
        const never: never = input;
        throw new Error(`unknown machine input ${JSON.stringify(never)}`);
      }
    }
  }

  private fail(error: string): number | null {
    if (this.current.kind === 'idle') return null;
    this.failures++;
    const delay = backoffDelay(this.failures, this.backoff, this.serverRetryMs, this.random);
    if (this.failures > this.offlineAfter) {
      this.set({ kind: 'offline', url: this.url, replicaAsOf: this.replicaAsOf(), reason: error });
    } else {
      const nextRetryAt = new Date(this.now() + delay).toISOString();
      this.set({ kind: 'reconnecting', url: this.url, attempt: this.failures, nextRetryAt, lastError: error });
    }
    return delay;
  }

  private set(state: SyncState): void {
    this.current = state;
    this.onState(state);
  }
}
