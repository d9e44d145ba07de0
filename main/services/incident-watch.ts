/**
 * Tells the renderer when the incidents change (a new one, an acknowledgement, a resolution) and keeps the count of
 * active incidents current (tray/dock badge), throttled.
 */
import type Database from 'better-sqlite3';
import type { EventHub } from '../ipc/registry.ts';
import { listIncidents } from '../read-models/index.ts';

const MIN_INTERVAL_MS = 1000;

/** Recounts active incidents after appends, at most once a second. */
export class IncidentWatch {
  private readonly events: EventHub;
  private signature = '';
  private lastRun = 0;
  private timer: NodeJS.Timeout | null = null;

  private readonly onError: (err: unknown) => void;

  /** `onError` hears of a recount that failed (it is tried again at the next refresh; the console keeps running). */
  constructor(events: EventHub, onError: (err: unknown) => void = () => {}) {
    this.events = events;
    this.onError = onError;
  }

  /** Schedules a recount over `db`. */
  refresh(db: Database.Database): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastRun + MIN_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.lastRun = Date.now();
      if (!db.open) return;
      let listed: ReturnType<typeof listIncidents>;
      try {
        listed = listIncidents(db, { resolvedLimit: 0 });
      } catch (err) {
        this.onError(err);
        return;
      }
      const { incidents: active, resolvedTotal } = listed;
      // Any change of an incident's state counts, not only of the active count (one fires as another resolves).
      const signature = `${resolvedTotal}|${active.map((i) => `${i.id}:${i.status}`).join(',')}`;
      if (signature !== this.signature) {
        this.signature = signature;
        this.events.emit('incidents:changed', { count: active.length });
      }
    }, wait);
    this.timer.unref();
  }
}
