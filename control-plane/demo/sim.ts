/**
 * The history simulator: a clock and a time-ordered queue of pending events. Each event runs the real domain code
 * with its own timestamp, so the generated ledger and database state are exactly what the API would have produced.
 */
import type { LeafActor } from '../../shared/ledger/index.ts';
import type { App, ActionContext } from '../domain/app.ts';
import { type EnvState } from '../../shared/protocol/index.ts';
import { currentState } from '../domain/env-change.ts';
import type { FlagRecord } from '../domain/flag-def.ts';
import { getFlag } from '../domain/flag-repo.ts';
import { runDueSchedules } from '../domain/scheduler.ts';
import type { Rng } from './rng.ts';

interface Pending {
  at: number;
  seq: number;
  run: (sim: Sim) => void;
}

/** Simulation state shared by the history generators. */
export class Sim {
  readonly app: App;
  readonly rng: Rng;
  now: number;
  private queue: Pending[] = [];
  private seq = 0;
  /** Errors swallowed from events that became invalid (counted for tests). */
  skipped = 0;
  /**
   * From this time on, follow-ups of random activity (approvals, kill undos, break-glass use) are not scheduled: the
   * incident's lookback window holds only the scripted noise, so the demo's story does not depend on the boot time.
   */
  quietFrom = Infinity;

  constructor(app: App, rng: Rng, start: number) {
    this.app = app;
    this.rng = rng;
    this.now = start;
  }

  /** A user / service / system context at the current time. */
  as(id: string, type: LeafActor['type'] = 'user'): ActionContext {
    return { actor: { type, id }, now: this.now };
  }

  /** Queues an event at time `at` (events at equal times keep insertion order). */
  at(at: number, run: (sim: Sim) => void): void {
    const item = { at, seq: this.seq++, run };
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const m = this.queue[mid] as Pending;
      if (m.at < at || (m.at === at && m.seq < item.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, item);
  }

  /** Queues a follow-up of random activity at `at`, unless it falls in the quiet window; false when dropped. */
  followUp(at: number, run: (sim: Sim) => void): boolean {
    if (at >= this.quietFrom) return false;
    this.at(at, run);
    return true;
  }

  /** Runs queued events with time < until, advancing the clock. */
  drainUntil(until: number): void {
    for (;;) {
      const head = this.queue[0];
      if (head === undefined || head.at >= until) return;
      this.queue.shift();
      this.runAt(head.at, head.run);
    }
  }

  /** Runs one event at time t (due schedules first); an event that became invalid is skipped. */
  runAt(t: number, run: (sim: Sim) => void): void {
    this.now = Math.max(this.now, t);
    runDueSchedules(this.app, this.now);
    try {
      run(this);
    } catch (err) {
      if (process.env['DEMO_DEBUG'] !== undefined) console.error(err);
      this.skipped++;
    }
  }

  /** A live flag, or null. */
  flag(key: string): FlagRecord | null {
    return getFlag(this.app.db, key);
  }

  /** The current state of a flag in an environment. */
  state(key: string, env: string): EnvState | null {
    const rec = this.flag(key);
    return rec === null ? null : currentState(rec, env);
  }
}
