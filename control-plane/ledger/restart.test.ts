import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCheckpoint } from '../../shared/ledger/index.ts';
import { startControlPlane } from '../server.ts';
import { makeFlag, obj, startHarness } from '../test-support/harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'cp-restart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('restart', () => {
  it('keeps the log, its origin and its key across restarts and continues the tree', async () => {
    const a = await startHarness({ dataDir: dir, origin: 'restart.test/log' });
    await makeFlag(a, 'payments.restart.flag-a');
    const note1 = String(obj(await a.req('vera', 'GET', '/api/v1/ledger/checkpoint'))['note']);
    const keys1 = a.cp.verifierKeys;
    await a.cp.close();
    const b = await startHarness({ dataDir: dir });
    try {
      expect(b.cp.origin).toBe('restart.test/log');
      expect(b.cp.verifierKeys).toEqual(keys1);
      expect(b.cp.app.ledger.size).toBe(1);
      await makeFlag(b, 'payments.restart.flag-b');
      const first = (await b.req('vera', 'GET', '/api/v1/ledger/entries?start=1')).text;
      expect(JSON.parse(first)).toMatchObject({ idx: 1, flag: 'payments.restart.flag-b' });
      const note2 = String(obj(await b.req('vera', 'GET', '/api/v1/ledger/checkpoint'))['note']);
      expect([parseCheckpoint(note1).size, parseCheckpoint(note2).size]).toEqual([1, 2]);
    } finally {
      await b.cp.close();
    }
  });

  it('refuses to start with a different origin for an existing log', async () => {
    await expect(startControlPlane({ dataDir: dir, origin: 'other/log', log: () => undefined })).rejects.toThrow(
      /^ORIGIN_MISMATCH/,
    );
  });

  it('refuses to start when the stored entries no longer match the signed checkpoint', async () => {
    const raw = new Database(join(dir, 'control-plane.sqlite'));
    raw.exec('DROP TRIGGER ledger_no_update');
    raw.prepare('UPDATE ledger SET leaf_hash = zeroblob(32) WHERE idx = 0').run();
    raw.close();
    await expect(startControlPlane({ dataDir: dir, log: () => undefined })).rejects.toThrow(/^LEDGER_CORRUPT/);
  });
});
