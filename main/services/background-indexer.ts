/**
 * Keeps the read models level with the replica without blocking: each step indexes for a bounded
 * time (a few tens of ms), and steps repeat on the event loop until the backlog is done, so a
 * million-entry initial sync never freezes the UI's calls.
 *
 * A read the UI makes while the backlog is being indexed answers from the part indexed so far
 * (main/read-models/ready.ts). When a run ends, `onLevel` is told, so the UI can read again: without
 * it, the last appended entries would stay out of the lists until the next append.
 */
import type Database from 'better-sqlite3';

/** Runs `step(db)` (returns true when complete) repeatedly in the background after each kick. */
export class BackgroundIndexer {
  private readonly step: (db: Database.Database) => boolean;
  private readonly onLevel: (db: Database.Database) => void;
  private readonly onError: (err: unknown) => void;
  private running = false;
  private again = false;

  /** `onError` hears of a step that threw: the run stops there, and the next kick starts a new one. */
  constructor(
    step: (db: Database.Database) => boolean,
    onLevel: (db: Database.Database) => void = () => {},
    onError: (err: unknown) => void = () => {},
  ) {
    this.step = step;
    this.onLevel = onLevel;
    this.onError = onError;
  }

  /** Asks for the index to catch up with `db`; coalesces kicks while running. */
  kick(db: Database.Database): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    const tick = (): void => {
      if (!db.open) {
        this.running = false;
        return;
      }
      let complete: boolean;
      try {
        complete = this.step(db);
      } catch (err) {
        [this.running, this.again] = [false, false];
        this.onError(err);
        return;
      }
      if (!complete || this.again) {
        this.again = false;
        setTimeout(tick, 5).unref();
        return;
      }
      this.running = false;
      this.onLevel(db);
    };
    setTimeout(tick, 0).unref();
  }
}
