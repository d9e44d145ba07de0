/**
 * The connection state machine behind the top bar: connecting → backfilling → live → reconnecting (backoff with full
 * jitter, honouring the server's `retry:`) → offline after a few failed attempts (retries continue in the background;
 * the replica stays readable, "as of" its last verified checkpoint). `halted` (evidence, refused key, bad token) is
 * terminal until the engine is restarted; `key-confirmation` waits for the user. With several instance URLs (an
 * InstanceRing) a failure moves to the next instance at once, states name the instance in use ("2 of 3") and the last
 * failover, and the state becomes offline only once every instance failed.
 */
import type { SyncState } from '../../shared/ipc/contract.ts';
import { DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.ts';
import { InstanceRing } from './instance-ring.ts';

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
  /** The instances of this control plane (default: `url` alone, with `backoff` and `random`). */
  ring?: InstanceRing;
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
  private readonly ring: InstanceRing;
  private readonly offlineAfter: number;
  private readonly now: () => number;
  private readonly replicaAsOf: () => string | null;
  private readonly onState: (state: SyncState) => void;

  constructor(opts: MachineOptions) {
    this.offlineAfter = opts.offlineAfterAttempts ?? 3;
    this.now = opts.now ?? Date.now;
    this.ring = opts.ring ?? new InstanceRing([opts.url], opts.backoff ?? DEFAULT_BACKOFF, opts.random ?? Math.random);
    this.replicaAsOf = opts.replicaAsOf ?? (() => null);
    this.onState = opts.onState ?? (() => {});
  }

  /** The current state. */
  get state(): SyncState {
    return this.current;
  }

  /** The instance in use (or tried next). */
  get url(): string {
    return this.ring.current;
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
        this.set({ kind: 'connecting', url: this.url, ...this.instance() });
        return null;
      case 'backfill':
        this.contact();
        this.set({ kind: 'backfilling', url: this.url, done: input.done, total: input.total, ...this.instance(true) });
        return null;
      case 'live':
        this.contact();
        this.set({
          kind: 'live',
          url: this.url,
          roundTripMs: input.roundTripMs,
          since: new Date(this.now()).toISOString(),
          ...this.instance(true),
        });
        return null;
      case 'failed':
        return this.fail(input.error);
      case 'server-retry':
        this.ring.serverRetry(input.ms);
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

  private contact(): void {
    this.failures = 0;
    this.ring.contact(this.now());
  }

  /** The instance position (and, once one happened, the last failover) when the profile lists several URLs. */
  private instance(withFailover = false): Pick<Extract<SyncState, { kind: 'live' }>, 'instance' | 'failover'> {
    if (this.ring.count < 2) return {};
    const failover = withFailover ? this.ring.lastFailover : null;
    return {
      instance: { position: this.ring.position, count: this.ring.count },
      ...(failover === null ? {} : { failover }),
    };
  }

  private fail(error: string): number | null {
    if (this.current.kind === 'idle') return null;
    this.failures++;
    const next = this.ring.fail(error, this.now());
    // Offline only once every instance failed since the last contact (and the attempts ran out).
    if (this.failures > this.offlineAfter && next.allFailed) {
      this.set({ kind: 'offline', url: this.url, replicaAsOf: this.replicaAsOf(), reason: error, ...this.instance() });
    } else {
      const nextRetryAt = new Date(this.now() + next.delayMs).toISOString();
      this.set({
        kind: 'reconnecting',
        url: this.url,
        attempt: this.failures,
        nextRetryAt,
        lastError: error,
        ...this.instance(),
      });
    }
    return next.delayMs;
  }

  private set(state: SyncState): void {
    this.current = state;
    this.onState(state);
  }
}
