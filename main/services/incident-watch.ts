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

  constructor(events: EventHub) {
    this.events = events;
  }

  /** Schedules a recount over `db`. */
  refresh(db: Database.Database): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastRun + MIN_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.lastRun = Date.now();
      if (!db.open) return;
      const { incidents: active, resolvedTotal } = listIncidents(db, { resolvedLimit: 0 });
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
