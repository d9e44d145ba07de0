import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { cheapCheck } from './launch-check.ts';
import { deepCheck, preflight } from './preflight.ts';
import { Replica } from './replica.ts';
import { TestLog } from './test-support/fixtures.ts';
import { buildReplicaFile, makeReplica, tamper, tempDir, testTrust } from './test-support/test-replica.ts';

const N = 40;
const SIZES = [16, 32, 40];
type Edit = Parameters<typeof tamper>[1];

const editLeaf =
  (idx: number, rehash: boolean): Edit =>
  (db, h) => {
    const old = db.prepare('SELECT leaf FROM entries WHERE idx = ?').pluck().get(idx) as Buffer;
    const leaf = Buffer.from(old.toString('utf8').replace('"ramp"', '"ramq"'), 'utf8');
    expect(leaf.equals(old)).toBe(false);
    db.prepare('UPDATE entries SET leaf = ?, leaf_hash = coalesce(?, leaf_hash) WHERE idx = ?').run(
      leaf,
      rehash ? h(leaf) : null,
      idx,
    );
  };

async function tampered(edit: Edit | null, pendingUpTo = 0): Promise<string> {
  const dir = tempDir('launch-check-');
  const path = join(dir, 'replica.sqlite');
  const log = new TestLog();
  log.addMany(Math.max(N, pendingUpTo));
  await buildReplicaFile(path, log, SIZES, pendingUpTo);
  if (edit !== null) tamper(path, edit);
  return path;
}

const cheap = (path: string): [string, number | null] => {
  const r = cheapCheck(path, 'example.com/flags-ledger', testTrust).failure;
  return r === null ? ['passed', null] : [r.code, r.idx];
};

describe('the cheap launch check: what it proves without reading every row', () => {
  it('an intact replica passes; it folds the stored hashes since the previous checkpoint and deep-checks the tail', async () => {
    const path = await tampered(null, 45);
    expect(cheapCheck(path, 'example.com/flags-ledger', testTrust)).toEqual({
      failure: null,
      verifiedSize: 40,
      hashesChecked: 8,
      tailChecked: 5,
    });
  });

  it.each<[string, Edit, string, number | null]>([
    [
      'a stored leaf hash in the last checkpoint interval',
      (db) => db.prepare('UPDATE entries SET leaf_hash = zeroblob(32) WHERE idx = 35').run(),
      'ROOT_MISMATCH',
      32,
    ],
    ['a leaf edited and re-hashed in the last interval', editLeaf(35, true), 'ROOT_MISMATCH', 32],
    ['a row of the last interval deleted', (db) => db.prepare('DELETE FROM entries WHERE idx = 33').run(), 'GAP', 32],
    [
      'a checkpoint note edited under its signature',
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
      'the stored peaks of an old checkpoint replaced (an append extends them)',
      (db) => db.prepare('UPDATE checkpoints SET peaks = zeroblob(32) WHERE size = 16').run(),
      'ROOT_MISMATCH',
      null,
    ],
    [
      'the peaks in the state replaced',
      (db) => db.prepare('UPDATE verification_state SET peaks = zeroblob(64)').run(),
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
  ])('catches %s', async (_name, edit, code, idx) => {
    expect(cheap(await tampered(edit))).toEqual([code, idx]);
  });

  it('catches an unverified tail entry the next checkpoint would promote from its stored hash', async () => {
    expect(cheap(await tampered(editLeaf(43, false), 45))).toEqual(['LEAF_HASH_MISMATCH', 43]);
    expect(cheap(await tampered(editLeaf(42, true), 45))).toEqual(['PREV_MISMATCH', 43]);
  });

  it('does not read rows below the previous checkpoint: those edits are left to the deep check', async () => {
    for (const edit of [editLeaf(7, false), editLeaf(7, true)])
      expect(cheap(await tampered(edit))).toEqual(['passed', null]);
    const path = await tampered(editLeaf(7, true));
    expect((await deepCheck(path, { threads: 0, chunkSize: 8, trustedKeys: testTrust })).failure).toEqual({
      check: 'integrity',
      code: 'PREV_MISMATCH',
      idx: 8,
      detail: expect.stringContaining('prev') as unknown as string,
    });
  });
});

describe('preflight: the cheap check, and the deep verdict when it fails', () => {
  const open = (path: string) => () =>
    Replica.open({ path, origin: 'example.com/flags-ledger', trustedKeys: testTrust });

  it('names the first failing index and code exactly as `verify --db` does', async () => {
    // The cheap check sees a root mismatch from 32 on; the deep check pins the broken chain at 36.
    const path = await tampered(editLeaf(35, true));
    const r = await preflight(path, open(path), { threads: 0, trustedKeys: testTrust });
    expect(r.failure).toMatchObject({ check: 'integrity', code: 'PREV_MISMATCH', idx: 36 });
    r.replica?.close();
  });

  it('an intact replica passes; the cheap check says what it covered', async () => {
    const { path } = await makeReplica(N, SIZES);
    const r = await preflight(path, open(path), { trustedKeys: testTrust });
    expect([r.failure, r.cheap?.hashesChecked]).toEqual([null, 8]);
    r.replica?.close();
  });
});

describe('Replica.holdWrites', () => {
  it('holds appends until the gate opens, and refuses every write when it fails, leaving the file as it was', async () => {
    const log = new TestLog();
    log.addMany(20);
    const { path } = await makeReplica(0, []);
    const r = Replica.open({ path, origin: log.origin, trustedKeys: testTrust });
    let open!: (code: string | null) => void;
    r.holdWrites(new Promise((resolve) => (open = resolve)));
    let done = false;
    const first = r.appendEntries(log.entries(0, 10)).then((x) => ((done = true), x));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect([done, r.receivedSize()]).toEqual([false, 0]);
    open(null);
    expect((await first).appended).toBe(10);

    r.holdWrites(Promise.resolve('LEAF_HASH_MISMATCH'));
    expect(await r.appendEntries(log.entries(10, 20))).toMatchObject({
      appended: 0,
      checkpoint: { kind: 'halted', code: 'LEAF_HASH_MISMATCH' },
    });
    expect(await r.applyCheckpoint(log.checkpoint(10))).toEqual({ kind: 'halted', code: 'LEAF_HASH_MISMATCH' });
    expect([r.receivedSize(), r.status().verifiedSize]).toEqual([10, 0]);
    r.close();
  });
});
