import { describe, expect, it } from 'vitest';
import { copyFileSync, readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { join } from 'node:path';
import type { VerifyOptions } from './verify-types.ts';
import { verifyReplicaFile } from './verify-run.ts';
import { BACKGROUND_NICE } from './verify-pool.ts';
import { makeReplica, tamper, testTrust } from './test-support/test-replica.ts';
import { fileHighWaterMark } from './high-water-mark.ts';
import { Replica } from './replica.ts';
import { testSigner, trustedKeyOf } from './test-support/fixtures.ts';
import { buildLeafText } from '../../shared/ledger/index.ts';

const N = 40;
const SIZES = [5, 16, 23, 32, 40];
const inline: VerifyOptions = { threads: 0, chunkSize: 8, trustedKeys: testTrust };
type Edit = Parameters<typeof tamper>[1];

async function verdict(edit: Edit | null, opts: VerifyOptions = {}): Promise<[string, number | null]> {
  const { path } = await makeReplica(N, SIZES);
  if (edit !== null) tamper(path, edit);
  const report = await verifyReplicaFile(path, { ...inline, ...opts });
  return [report.ok ? 'verified' : (report.code ?? 'null'), report.idx];
}

const leafOf = (db: Parameters<Edit>[0], idx: number): Buffer =>
  db.prepare('SELECT leaf FROM entries WHERE idx = ?').pluck().get(idx) as Buffer;
const setLeaf = (db: Parameters<Edit>[0], idx: number, leaf: Buffer, hash?: Buffer): void => {
  db.prepare('UPDATE entries SET leaf = ?, leaf_hash = coalesce(?, leaf_hash) WHERE idx = ?').run(
    leaf,
    hash ?? null,
    idx,
  );
};
const editLeaf =
  (idx: number, f: (t: string) => string, rehash: boolean): Edit =>
  (db, h) => {
    const leaf = Buffer.from(f(leafOf(db, idx).toString('utf8')), 'utf8');
    setLeaf(db, idx, leaf, rehash ? h(leaf) : undefined);
  };
const shiftDown = (db: Parameters<Edit>[0], from: number): void => {
  const max = db.prepare('SELECT max(idx) FROM entries').pluck().get() as number;
  for (let i = from; i <= max; i++) db.prepare('UPDATE entries SET idx = idx - 1 WHERE idx = ?').run(i);
};
const shiftUp = (db: Parameters<Edit>[0], from: number): void => {
  const max = db.prepare('SELECT max(idx) FROM entries').pluck().get() as number;
  for (let i = max; i >= from; i--) db.prepare('UPDATE entries SET idx = idx + 1 WHERE idx = ?').run(i);
};

describe('full re-verification: the tamper matrix (deep mode, first failing index and code)', () => {
  it('an intact replica verifies in both modes and reports what it checked', async () => {
    const { path } = await makeReplica(N, SIZES);
    for (const mode of ['deep', 'quick'] as const) {
      const r = await verifyReplicaFile(path, { ...inline, mode });
      expect(r).toMatchObject({
        ok: true,
        code: null,
        verifiedSize: 40,
        entriesChecked: 40,
        checkpointsChecked: 5,
        pendingCount: 0,
        trust: 'external',
      });
    }
  });

  it.each<[string, Edit, string, number | null]>([
    [
      'a flipped byte in a middle leaf',
      editLeaf(17, (t) => t.replace('"ramp"', '"ramq"'), false),
      'LEAF_HASH_MISMATCH',
      17,
    ],
    [
      'a flipped byte that breaks the JSON',
      editLeaf(17, (t) => t.replace('{"action"', '["action"'), false),
      'MALFORMED_LEAF',
      17,
    ],
    [
      'a middle leaf edited, its hash recomputed',
      editLeaf(17, (t) => t.replace('"ramp"', '"ramq"'), true),
      'PREV_MISMATCH',
      18,
    ],
    [
      'the LAST leaf edited and re-hashed',
      editLeaf(39, (t) => t.replace('"ramp"', '"ramq"'), true),
      'ROOT_MISMATCH',
      32,
    ],
    [
      'two rows swapped',
      (db) => {
        const [a, b] = [
          db.prepare('SELECT leaf, leaf_hash FROM entries WHERE idx = 10').raw().get() as Buffer[],
          db.prepare('SELECT leaf, leaf_hash FROM entries WHERE idx = 20').raw().get() as Buffer[],
        ];
        setLeaf(db, 10, b[0]!, b[1]);
        setLeaf(db, 20, a[0]!, a[1]);
      },
      'IDX_MISMATCH',
      10,
    ],
    ['a middle row deleted', (db) => db.prepare('DELETE FROM entries WHERE idx = 12').run(), 'GAP', 12],
    [
      'a middle row deleted and the rest renumbered',
      (db) => {
        db.prepare('DELETE FROM entries WHERE idx = 12').run();
        shiftDown(db, 13);
      },
      'IDX_MISMATCH',
      12,
    ],
    ['a truncated tail', (db) => db.prepare('DELETE FROM entries WHERE idx >= 30').run(), 'SIZE_MISMATCH', 30],
    [
      'an inserted row',
      (db, h) => {
        shiftUp(db, 9);
        const leaf = leafOf(db, 8);
        db.prepare('INSERT INTO entries (idx, leaf, leaf_hash) VALUES (9, ?, ?)').run(leaf, h(leaf));
      },
      'IDX_MISMATCH',
      9,
    ],
    [
      'a duplicated row',
      (db) => {
        shiftUp(db, 9);
        db.prepare(
          'INSERT INTO entries (idx, leaf, leaf_hash) SELECT 9, leaf, leaf_hash FROM entries WHERE idx = 8',
        ).run();
      },
      'IDX_MISMATCH',
      9,
    ],
    [
      'an entry from another log',
      editLeaf(6, (t) => t.replace('example.com/flags-ledger', 'example.com/staging-ledger'), true),
      'LOG_MISMATCH',
      6,
    ],
    ['a non-canonical re-encoding', editLeaf(6, (t) => t.replace('"v":1', '"v":1.0'), true), 'NOT_CANONICAL', 6],
    ['escaped non-ASCII', editLeaf(6, (t) => t.replace('ramp', '\\u0072amp'), true), 'NOT_CANONICAL', 6],
    ['a duplicate key', editLeaf(6, (t) => t.replace('"refs":{}', '"refs":{},"refs":{}'), true), 'NOT_CANONICAL', 6],
    [
      'a big integer',
      editLeaf(6, (t) => t.replace(/"rollout_pct":\d+\}/, '"rollout_pct":9007199254740993}'), true),
      'NOT_CANONICAL',
      6,
    ],
    ['a lone surrogate', editLeaf(6, (t) => t.replace('ramp', '\\ud800'), true), 'NOT_CANONICAL', 6],
    [
      'invalid UTF-8',
      (db, h) => {
        const l = Buffer.concat([leafOf(db, 6).subarray(0, 10), Buffer.from([0xff]), leafOf(db, 6).subarray(11)]);
        setLeaf(db, 6, l, h(l));
      },
      'NOT_CANONICAL',
      6,
    ],
    [
      'a stored leaf hash flipped',
      (db) => db.prepare('UPDATE entries SET leaf_hash = zeroblob(32) WHERE idx = 3').run(),
      'LEAF_HASH_MISMATCH',
      3,
    ],
    [
      'a checkpoint note body edited under its signature',
      (db) =>
        db
          .prepare(
            "UPDATE checkpoints SET note = replace(note, char(10) || '16' || char(10), char(10) || '17' || char(10)) WHERE size = 16",
          )
          .run(),
      'BAD_SIGNATURE',
      null,
    ],
    [
      'a stored checkpoint root replaced',
      (db) => db.prepare('UPDATE checkpoints SET root = zeroblob(32) WHERE size = 23').run(),
      'ROOT_MISMATCH',
      null,
    ],
    [
      'the verified size lowered to hide a tail',
      (db) => {
        db.prepare('UPDATE verification_state SET verified_size = 32').run();
        db.prepare('DELETE FROM checkpoints WHERE size = 40').run();
      },
      'ROOT_MISMATCH',
      null,
    ],
  ])('%s', async (_name, edit, code, idx) => {
    expect(await verdict(edit)).toEqual([code, idx]);
  });

  it('quick mode trusts stored leaf hashes but still catches re-hashed edits, reorders and truncation', async () => {
    expect(
      await verdict(
        editLeaf(17, (t) => t.replace('"ramp"', '"ramq"'), false),
        { mode: 'quick' },
      ),
    ).toEqual(['verified', null]);
    expect(
      (
        await verdict(
          editLeaf(17, (t) => t.replace('"ramp"', '"ramq"'), true),
          { mode: 'quick' },
        )
      )[0],
    ).toBe('ROOT_MISMATCH');
    expect(await verdict((db) => db.prepare('DELETE FROM entries WHERE idx = 12').run(), { mode: 'quick' })).toEqual([
      'GAP',
      12,
    ]);
    expect(await verdict((db) => db.prepare('DELETE FROM entries WHERE idx >= 30').run(), { mode: 'quick' })).toEqual([
      'SIZE_MISMATCH',
      30,
    ]);
  });

  it('the same verdicts on worker threads with aligned chunks merged across cores', async () => {
    const workers: VerifyOptions = { threads: 2, chunkSize: 8 };
    expect(await verdict(null, workers)).toEqual(['verified', null]);
    expect(
      await verdict(
        editLeaf(17, (t) => t.replace('"ramp"', '"ramq"'), true),
        workers,
      ),
    ).toEqual(['PREV_MISMATCH', 18]);
    expect(
      await verdict((db) => db.prepare('DELETE FROM entries WHERE idx >= 30').run(), { ...workers, mode: 'quick' }),
    ).toEqual(['SIZE_MISMATCH', 30]);
  });

  /** Nice values of this process's threads (Linux: each thread has its own, field 19 of /proc/self/task/<tid>/stat). */
  function threadNices(): number[] {
    return readdirSync('/proc/self/task').map((tid) => {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    });
  }

  // The workers run BACKGROUND_NICE nicer than the process (here: than this test's thread), so it needs room below 19.
  it.runIf(process.platform === 'linux' && getPriority() + BACKGROUND_NICE <= 19)(
    'a background check runs on workers nicer than the process; the calling thread and later foreground runs keep theirs',
    async () => {
      const base = getPriority();
      const lower = base + BACKGROUND_NICE;
      const before = threadNices().filter((n) => n === lower).length;
      expect(await verdict(null, { threads: 2, chunkSize: 8, background: true })).toEqual(['verified', null]);
      // The two background workers wait in their pool at the lower priority; nothing else changed.
      expect(threadNices().filter((n) => n === lower).length).toBe(before + 2);
      expect(getPriority()).toBe(base);
      expect(await verdict(null, { threads: 2, chunkSize: 8 })).toEqual(['verified', null]);
      expect(threadNices().filter((n) => n === lower).length).toBe(before + 2);
      expect(threadNices().filter((n) => n !== base && n !== lower)).toEqual([]);
    },
  );

  it('a trust store rewritten inside the file fails against external anchors', async () => {
    const { path, log } = await makeReplica(10, [10]);
    const evil = testSigner('example.com/flags-ledger', '66'.repeat(32));
    tamper(path, (db) => {
      db.prepare('DELETE FROM trusted_keys').run();
      const k = trustedKeyOf(evil);
      db.prepare('INSERT INTO trusted_keys (name, key_id, public_key, added_at) VALUES (?, ?, ?, 0)').run(
        k.name,
        k.keyId,
        k.publicKey,
      );
      db.prepare('UPDATE checkpoints SET note = ?').run(log.checkpoint(10, [evil]));
      db.prepare('UPDATE verification_state SET latest_note = ?').run(log.checkpoint(10, [evil]));
    });
    expect((await verifyReplicaFile(path, { threads: 0 })).ok).toBe(true);
    expect(await verifyReplicaFile(path, { threads: 0, trustedKeys: testTrust })).toMatchObject({
      ok: false,
      code: 'NO_TRUSTED_SIGNATURE',
    });
  });

  it('an older copy of the whole database restored is caught by the high-water mark', async () => {
    const { dir, path, log } = await makeReplica(20, [10]);
    copyFileSync(path, join(dir, 'old.sqlite'));
    const r = Replica.open({ path, origin: log.origin, trustedKeys: testTrust });
    await r.appendEntries(log.entries(10));
    expect((await r.applyCheckpoint(log.checkpoint(20))).kind).toBe('promoted');
    r.close();
    copyFileSync(join(dir, 'old.sqlite'), path);
    const report = await verifyReplicaFile(path, { threads: 0, highWaterMark: fileHighWaterMark(`${path}.hwm`) });
    expect([report.code, report.idx, report.verifiedSize]).toEqual(['HIGH_WATER_MARK_ROLLBACK', 10, 10]);
    expect(() => Replica.open({ path, origin: log.origin })).toThrow(
      expect.objectContaining({ code: 'HIGH_WATER_MARK_ROLLBACK' }),
    );
  });

  it('a forged row beyond the last checkpoint stays pending and is never reported as verified', async () => {
    const { path, log } = await makeReplica(10, [10]);
    const forged = buildLeafText({
      ...JSON.parse(log.texts[9]!),
      idx: 10,
      prev: Buffer.from(log.hashes[9]!).toString('hex'),
      action: 'flag.killed',
    });
    tamper(path, (db, h) =>
      db.prepare('INSERT INTO entries VALUES (10, ?, ?)').run(Buffer.from(forged), h(Buffer.from(forged))),
    );
    expect(await verifyReplicaFile(path, inline)).toMatchObject({ ok: true, verifiedSize: 10, pendingCount: 1 });
  });

  it('the empty tree verifies', async () => {
    const { path } = await makeReplica(0, []);
    expect(await verifyReplicaFile(path, inline)).toMatchObject({
      ok: true,
      verifiedSize: 0,
      root: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    });
  });

  it('reports progress and can be cancelled', async () => {
    const { path } = await makeReplica(64, [64]);
    const seen: number[] = [];
    await verifyReplicaFile(path, { threads: 0, chunkSize: 16, onProgress: (p) => seen.push(p.done) });
    expect(seen.at(-1)).toBe(64);
    const ac = new AbortController();
    ac.abort(new Error('E_CANCELLED: stop'));
    await expect(verifyReplicaFile(path, { threads: 2, chunkSize: 16, signal: ac.signal })).rejects.toThrow(
      'E_CANCELLED',
    );
  });
});

describe('Replica.verify', () => {
  it('re-verifies its own file with its high-water mark and trust store', async () => {
    const { path, log } = await makeReplica(12, [12]);
    const r = Replica.open({ path, origin: log.origin });
    expect(await r.verify({ threads: 0 })).toMatchObject({
      ok: true,
      verifiedSize: 12,
      highWaterMark: 'ok',
      trust: 'external',
    });
    r.close();
    const mem = Replica.open({ path: ':memory:', origin: log.origin });
    await expect(mem.verify()).rejects.toThrow('E_UNSUPPORTED');
  });
});
