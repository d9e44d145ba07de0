import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { EventHub } from '../ipc/registry.ts';
import { IncidentWatch } from './incident-watch.ts';

const dbs: Database.Database[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
});

describe('IncidentWatch', () => {
  it('a recount that fails is reported, not thrown from its timer, and the next refresh tries again', async () => {
    // Not a replica: listing its incidents throws.
    const db = new Database(':memory:');
    dbs.push(db);
    const errors: unknown[] = [];
    const watch = new IncidentWatch(new EventHub(), (err) => errors.push(err));
    watch.refresh(db);
    const end = Date.now() + 2000;
    while (errors.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'E_REPLICA' });
    watch.refresh(db); // throttled to one recount a second
    const again = Date.now() + 3000;
    while (errors.length === 1 && Date.now() < again) await new Promise((r) => setTimeout(r, 20));
    expect(errors).toHaveLength(2);
  });
});
