/** Keeps the count of active incidents current (tray/dock badge, `incidents:changed`), throttled. */
import type Database from 'better-sqlite3';
import type { EventHub } from '../ipc/registry.ts';
import { listIncidents } from '../views/index.ts';

const MIN_INTERVAL_MS = 1000;

/** Recounts active incidents after appends, at most once a second. */
export class IncidentWatch {
  private readonly events: EventHub;
  private count = -1;
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
      const count = listIncidents(db).filter((i) => i.status !== 'resolved').length;
      if (count !== this.count) {
        this.count = count;
        this.events.emit('incidents:changed', { count });
      }
    }, wait);
    this.timer.unref();
  }
}
