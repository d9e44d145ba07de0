/** The ledger writer's delivery of committed entries to its listeners. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/open-db.ts';
import { Store } from '../db/store.ts';
import { testEntry } from '../test-support/ledger-entry.ts';
import { LedgerWriter } from './writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'writer-'));
const db = openDatabase(dir);
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('LedgerWriter listeners', () => {
  it('see every entry once and in index order, also when an earlier listener appends more', () => {
    const store = new Store(db);
    const writer = new LedgerWriter(store, 'test.example/log');
    const first: number[] = [];
    const second: number[] = [];
    writer.onCommitted((batch) => {
      first.push(...batch.map((e) => e.idx));
      // Reacting to an entry with another one (as the breaker or a checkpoint reader may): committed at once.
      if (batch.some((e) => e.idx === 0)) store.tx(() => writer.append(testEntry('rita', 1)));
    });
    writer.onCommitted((batch) => second.push(...batch.map((e) => e.idx)));
    store.tx(() => writer.append(testEntry('rita', 0)));
    expect(first).toEqual([0, 1]);
    expect(second).toEqual([0, 1]);
    expect(writer.size).toBe(2);
    expect(writer.texts(0, 2).map((t) => (JSON.parse(t) as { reason: string }).reason)).toEqual(['rita 0', 'rita 1']);
  });
});
