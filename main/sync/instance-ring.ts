/**
 * The addresses of one control plane (several instances of the same ledger, e.g. one per machine): which one the
 * console uses now, and where it goes when that one fails. A failed instance backs off on its own schedule (full
 * jitter, capped, honouring its own `retry:`); the next attempt goes to the instance that may be tried soonest, in ring
 * order from the failed one — so a broken stream moves to the next instance at once, and the ring only waits when
 * every instance is backing off. A successful contact with another instance than the last one is a failover, kept
 * (from, to, when, why) for the status line.
 */
import { DEFAULT_BACKOFF, backoffDelay, type BackoffPolicy } from './backoff.ts';

/** A completed switch to another instance. */
export interface Failover {
  from: string;
  to: string;
  /** When the new instance answered (ISO time). */
  at: string;
  /** Why the previous one was left (its last error). */
  reason: string;
}

/** The result of one failure: where to go and how long to wait first. */
export interface NextAttempt {
  url: string;
  delayMs: number;
  /** True when every instance failed since the last successful contact. */
  allFailed: boolean;
}

/** Rotation state over one control plane's instance URLs. */
export class InstanceRing {
  readonly urls: readonly string[];
  private index = 0;
  private readonly fails: number[];
  private readonly retryAt: number[];
  private readonly serverRetryMs: (number | null)[];
  private readonly lastError: (string | null)[];
  private readonly failedSinceContact = new Set<number>();
  private contacted: number | null = null;
  private failover: Failover | null = null;
  private readonly policy: BackoffPolicy;
  private readonly random: () => number;

  constructor(urls: readonly string[], policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random) {
    if (urls.length === 0) throw new Error('an instance ring needs at least one URL');
    if (new Set(urls).size !== urls.length) throw new Error('the instance URLs must be distinct');
    this.urls = [...urls];
    this.fails = urls.map(() => 0);
    this.retryAt = urls.map(() => 0);
    this.serverRetryMs = urls.map(() => null);
    this.lastError = urls.map(() => null);
    this.policy = policy;
    this.random = random;
  }

  /** The URL in use (or to be tried next). */
  get current(): string {
    return this.urls[this.index] ?? '';
  }

  /** 1-based position of the current URL in the profile's list. */
  get position(): number {
    return this.index + 1;
  }

  get count(): number {
    return this.urls.length;
  }

  /** The last completed failover, or null. */
  get lastFailover(): Failover | null {
    return this.failover;
  }

  /** Consecutive failures of `url` (0 for an unknown URL). */
  failuresOf(url: string): number {
    const i = this.urls.indexOf(url);
    return i < 0 ? 0 : (this.fails[i] ?? 0);
  }

  /** The current instance answered (handshake or stream): its backoff resets; a change of instance is recorded. */
  contact(nowMs: number): void {
    const i = this.index;
    if (this.contacted !== null && this.contacted !== i) {
      this.failover = {
        from: this.urls[this.contacted] ?? '',
        to: this.current,
        at: new Date(nowMs).toISOString(),
        reason: this.lastError[this.contacted] ?? 'unknown',
      };
    }
    this.contacted = i;
    this.fails[i] = 0;
    this.retryAt[i] = 0;
    this.failedSinceContact.clear();
  }

  /** The current instance asked for a reconnection time (SSE `retry:`); it floors that instance's delays. */
  serverRetry(ms: number): void {
    this.serverRetryMs[this.index] = ms;
  }

  /**
   * The current instance failed with `error`: it backs off, and the ring moves to the instance that may be tried
   * soonest (the next one in order on a tie). Returns that URL and how long to wait before trying it.
   */
  fail(error: string, nowMs: number): NextAttempt {
    const i = this.index;
    const attempt = (this.fails[i] ?? 0) + 1;
    this.fails[i] = attempt;
    this.lastError[i] = error;
    const own = backoffDelay(attempt, this.policy, this.serverRetryMs[i] ?? null, this.random);
    this.retryAt[i] = nowMs + own;
    this.failedSinceContact.add(i);
    let best = (i + 1) % this.urls.length;
    for (let k = 2; k <= this.urls.length; k++) {
      const j = (i + k) % this.urls.length;
      if ((this.retryAt[j] ?? 0) < (this.retryAt[best] ?? 0)) best = j;
    }
    this.index = best;
    const delayMs = best === i ? own : Math.max(0, (this.retryAt[best] ?? 0) - nowMs);
    return { url: this.current, delayMs, allFailed: this.failedSinceContact.size === this.urls.length };
  }
}
