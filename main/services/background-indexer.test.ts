import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { BackgroundIndexer } from './background-indexer.ts';

const dbs: Database.Database[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
});

function memory(): Database.Database {
  const db = new Database(':memory:');
  dbs.push(db);
  return db;
}

/** Resolves once `done()` is true, polling the event loop (bounded: 2 s). */
async function until(done: () => boolean): Promise<void> {
  const end = Date.now() + 2000;
  while (!done()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('BackgroundIndexer', () => {
  it('steps until complete, then reports the level once per run', async () => {
    const db = memory();
    let left = 3;
    const levels: number[] = [];
    const indexer = new BackgroundIndexer(
      () => --left <= 0,
      () => levels.push(left),
    );
    indexer.kick(db);
    await until(() => levels.length === 1);
    expect(levels).toEqual([0]);
    left = 1;
    indexer.kick(db);
    await until(() => levels.length === 2);
    expect(levels).toEqual([0, 0]);
  });

  it('a kick during a run adds one more step to the same run, not a second report', async () => {
    const db = memory();
    let steps = 0;
    let levels = 0;
    const indexer = new BackgroundIndexer(
      () => {
        steps++;
        if (steps === 1) indexer.kick(db); // new entries arrive while the first step runs
        return true;
      },
      () => levels++,
    );
    indexer.kick(db);
    await until(() => levels === 1);
    await new Promise((r) => setTimeout(r, 30));
    expect([steps, levels]).toEqual([2, 1]);
  });

  it('a step that throws ends the run with the error, not the process; the next kick starts afresh', async () => {
    const db = memory();
    let fail = true;
    const errors: string[] = [];
    let levels = 0;
    const indexer = new BackgroundIndexer(
      () => {
        if (fail) throw new Error('E_VIEWS_TOO_NEW: written by a newer console');
        return true;
      },
      () => levels++,
      (err) => errors.push((err as Error).message),
    );
    indexer.kick(db);
    await until(() => errors.length === 1);
    expect([errors, levels]).toEqual([['E_VIEWS_TOO_NEW: written by a newer console'], 0]);
    fail = false;
    indexer.kick(db);
    await until(() => levels === 1);
    expect(errors).toHaveLength(1);
  });

  it('stops without a report when the replica was closed', async () => {
    const db = memory();
    let levels = 0;
    let steps = 0;
    const indexer = new BackgroundIndexer(
      () => {
        steps++;
        return false;
      },
      () => levels++,
    );
    indexer.kick(db);
    await until(() => steps >= 2);
    db.close();
    await new Promise((r) => setTimeout(r, 30));
    const after = steps;
    await new Promise((r) => setTimeout(r, 30));
    expect([steps, levels]).toEqual([after, 0]);
  });
});
