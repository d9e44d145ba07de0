import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CompactRange, leafHash, toHex, utf8Encode } from '../../shared/ledger/index.ts';
import { createApp } from '../app-setup.ts';
import { sha256 } from '../crypto/node-crypto.ts';
import { resolveOptions } from '../options.ts';

const dir = mkdtempSync(join(tmpdir(), 'cp-store-'));
const app = createApp(resolveOptions({ dataDir: dir, log: () => undefined }));
afterAll(() => {
  app.hub.close();
  app.checkpoints.stop();
  app.db.close();
  rmSync(dir, { recursive: true, force: true });
});

function entry(reason: string): void {
  app.ledger.append({
    ts: 0,
    actor: { type: 'system', id: 'test' },
    action: 'test.entry',
    flag: null,
    env: null,
    before: null,
    after: null,
    reason,
  });
}

describe('group commit', () => {
  it('commits the good jobs of a batch together and rolls back a failing job alone', async () => {
    const ran: string[] = [];
    const jobs = [
      app.store.batch(() => {
        entry('a');
        app.store.afterCommit(() => ran.push('a'));
        return 'a';
      }),
      app.store.batch(() => {
        entry('b-1');
        app.store.afterCommit(() => ran.push('b'));
        entry('b-2');
        throw new Error('job b fails');
      }),
      app.store.batch(() => {
        entry('c');
        app.store.afterCommit(() => ran.push('c'));
        return 'c';
      }),
    ];
    const settled = await Promise.allSettled(jobs);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(ran).toEqual(['a', 'c']);
    const texts = app.ledger
      .texts(0, app.ledger.size)
      .map((t) => JSON.parse(t) as { idx: number; reason: string; prev: string });
    expect(texts.map((t) => [t.idx, t.reason])).toEqual([
      [0, 'a'],
      [1, 'c'],
    ]);
    expect(texts[1]?.prev).toBe(toHex(leafHash(sha256, utf8Encode(app.ledger.texts(0, 1)[0] ?? ''))));
    const rows = app.db.prepare('SELECT COUNT(*) FROM ledger').pluck().get();
    expect(rows).toBe(2);
    const range = new CompactRange(sha256);
    for (const t of app.ledger.texts(0, 2)) range.append(leafHash(sha256, utf8Encode(t)));
    expect(toHex(app.ledger.range.root())).toBe(toHex(range.root()));
  });

  it('keeps plain tx() all-or-nothing', () => {
    expect(() =>
      app.store.tx(() => {
        entry('d');
        throw new Error('no');
      }),
    ).toThrow('no');
    expect(app.ledger.size).toBe(2);
    app.store.tx(() => entry('e'));
    expect(JSON.parse(app.ledger.texts(2, 3)[0] ?? '{}')).toMatchObject({ idx: 2, reason: 'e' });
  });
});
