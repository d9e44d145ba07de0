/**
 * Break-glass announcements stay on screen until acknowledged in this console. The acknowledged
 * ledger indexes are kept per profile next to its replica, so a restart does not hide them again.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { BreakGlassUse } from '../../shared/ipc/contract.ts';
import { queryLedger } from '../views/index.ts';
import type { ConsoleRuntime } from './runtime.ts';

const DAY_MS = 24 * 3600 * 1000;

/** Stores and answers acknowledgements of break-glass uses. */
export class BreakGlassAcks {
  private readonly runtime: ConsoleRuntime;

  constructor(runtime: ConsoleRuntime) {
    this.runtime = runtime;
  }

  private file(): string {
    return `${this.runtime.store.replicaPath(this.runtime.session().profileId)}.acks.json`;
  }

  /** The acknowledged indexes of the active profile. */
  acknowledged(): Set<number> {
    const f = this.file();
    if (!existsSync(f)) return new Set();
    const parsed: unknown = JSON.parse(readFileSync(f, 'utf8'));
    return new Set(Array.isArray(parsed) ? parsed.filter((x): x is number => Number.isSafeInteger(x)) : []);
  }

  /** Records that the user saw the break-glass use at `idx`. */
  acknowledge(idx: number): null {
    const acks = this.acknowledged().add(idx);
    writeFileSync(this.file(), JSON.stringify([...acks].sort((a, b) => a - b)), { mode: 0o600 });
    return null;
  }

  /** Break-glass uses of the last 24 hours that this console has not acknowledged. */
  pending(now = Date.now()): BreakGlassUse[] {
    const db = this.runtime.replica().db;
    const acks = this.acknowledged();
    const page = queryLedger(db, {
      filter: { action: 'break_glass.used', from: new Date(now - DAY_MS).toISOString() },
      offset: 0,
      limit: 100,
      order: 'desc',
    });
    return page.rows
      .filter((r) => !acks.has(r.idx))
      .map((r) => ({
        idx: r.idx,
        actor: r.actor,
        flag: r.flag,
        env: r.env,
        reason: r.reason,
        at: r.ts,
      }));
  }
}
