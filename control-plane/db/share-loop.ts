/**
 * The loop behind the shares of per-instance state on PostgreSQL (sdk-delivery/fleet-share.ts,
 * domain/telemetry-share.ts): a round every `intervalMs()` (the first at once), never two at a time, never throwing
 * out of its timer. A failing database is logged once with the share's code and once when it answers again; `stop()`
 * waits for a round in flight and then runs the share's last round, unless the database was failing (that would only
 * hold the shutdown up).
 */

/** The database's clock in epoch ms, as SQL: the shares judge liveness and stamp rows on one clock. */
export const DB_NOW_MS = '(extract(epoch from clock_timestamp()) * 1000)::bigint';

/** What a share plugs into the loop. */
export interface ShareRounds {
  /** Log prefix, e.g. 'sdk fleet share'. */
  name: string;
  /** Error code of its log lines, e.g. 'E_FLEET_SHARE'. */
  code: string;
  /** What is not happening while the database fails, e.g. "this instance's SDKs are not published …". */
  whileFailing: string;
  /** What resumes when it answers again, e.g. 'sharing the SDK fleet resumed'. */
  resumed: string;
  log: (line: string) => void;
  intervalMs: () => number;
  /** One round; a throw counts as the database failing. */
  round: () => Promise<void>;
  /** After a failed round (e.g. publish everything next time); must not throw. */
  failed: (err: unknown) => void;
  /** The last round when stopping, and what its failure means for the other instances. */
  last: () => Promise<void>;
  lastFailed: string;
}

/** Runs a share's rounds until stopped. */
export class ShareLoop {
  private readonly r: ShareRounds;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private stopped = false;
  private stopping: Promise<void> | null = null;
  private failing = false;

  constructor(rounds: ShareRounds) {
    this.r = rounds;
  }

  /** Starts the rounds (the first at once). */
  start(): void {
    this.schedule(0);
  }

  /** Stops the timer, waits for a round in flight, then runs the last round (see the file comment). */
  stop(): Promise<void> {
    this.stopping ??= this.finish();
    return this.stopping;
  }

  private async finish(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight;
    if (this.failing) return;
    try {
      await this.r.last();
    } catch (err) {
      this.r.log(`${this.r.name}: ${this.r.code}: ${this.r.lastFailed} (${message(err)})`);
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.inFlight = this.tick().finally(() => {
        this.inFlight = null;
        this.schedule(this.r.intervalMs());
      });
    }, delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      await this.r.round();
      if (this.failing) this.r.log(`${this.r.name}: the database answers again; ${this.r.resumed}`);
      this.failing = false;
    } catch (err) {
      try {
        this.r.failed(err);
      } catch {
        // In-memory bookkeeping only; nothing may escape the timer.
      }
      if (!this.failing) {
        this.r.log(
          `${this.r.name}: ${this.r.code}: ${message(err)}; ${this.r.whileFailing} until the database answers ` +
            `(retrying every ${this.r.intervalMs()} ms)`,
        );
      }
      this.failing = true;
    }
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
