import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { ReplicaOptions } from './replica-types.ts';
import { Replica } from './replica.ts';
import { TEST_ORIGIN, TestLog, testSigner, trustedKeyOf } from './test-support/fixtures.ts';
import { consistencyProof } from '../../shared/ledger/index.ts';
import { sha256 } from './node-crypto.ts';

const key = trustedKeyOf(testSigner());
const open = (extra: Partial<ReplicaOptions> = {}): Replica =>
  Replica.open({ path: ':memory:', origin: TEST_ORIGIN, trustedKeys: [key], ...extra });
const fixtures = JSON.parse(
  readFileSync(new URL('../../shared/ledger/testdata/checkpoints.json', import.meta.url), 'utf8'),
) as Record<string, string>;

describe('replica ingestion', () => {
  it('appends, then promotes when a trusted checkpoint root is reproduced', async () => {
    const log = new TestLog();
    log.addMany(10);
    const r = open();
    const res = await r.appendEntries(log.entries());
    expect([res.appended, res.receivedSize, res.verifiedSize, res.rejected]).toEqual([10, 10, 0, null]);
    expect(r.entry(3)?.verified).toBe(false);
    expect(await r.applyCheckpoint(log.checkpoint())).toEqual({
      kind: 'promoted',
      from: 0,
      to: 10,
      root: Buffer.from(log.root()).toString('hex'),
    });
    expect(r.entry(3)).toEqual({
      idx: 3,
      text: log.texts[3],
      leafHash: Buffer.from(log.hashes[3]!).toString('hex'),
      verified: true,
    });
    expect(r.entries(8, 100).map((e) => e.idx)).toEqual([8, 9]);
    expect(r.status()).toMatchObject({
      verifiedSize: 10,
      receivedSize: 10,
      pendingCount: 0,
      halted: null,
      latestNote: log.checkpoint(),
    });
    expect(r.checkpoints().map((c) => c.size)).toEqual([10]);
  });

  it('treats an identical re-delivery as a benign replay', async () => {
    const log = new TestLog();
    log.addMany(5);
    const r = open();
    await r.appendEntries(log.entries());
    const res = await r.appendEntries(log.entries(1, 4));
    expect([res.appended, res.replayed, res.equivocation]).toEqual([0, 3, null]);
    expect(r.evidence()).toEqual([]);
  });

  it('turns different bytes at a held index into equivocation evidence and halts', async () => {
    const [a, b] = [new TestLog(), new TestLog()];
    a.addMany(5);
    b.addMany(3);
    b.add((l) => ({ ...l, reason: 'other' }));
    const r = open();
    await r.appendEntries(a.entries());
    const res = await r.appendEntries(b.entries(3, 4));
    expect(res.equivocation).toEqual({ idx: 3, evidenceId: 1 });
    expect(r.status().halted).toBe('EQUIVOCATION');
    expect(r.evidence()[0]).toMatchObject({ kind: 'EQUIVOCATION', idx: 3, leafA: a.texts[3], leafB: b.texts[3] });
    a.addMany(1);
    expect((await r.appendEntries(a.entries(5))).checkpoint).toEqual({ kind: 'halted', code: 'EQUIVOCATION' });
    expect(await r.applyCheckpoint(a.checkpoint())).toEqual({ kind: 'halted', code: 'EQUIVOCATION' });
  });

  it('reports gaps, holds out-of-order entries and drains them when the gap is filled', async () => {
    const log = new TestLog();
    log.addMany(6);
    const r = open();
    await r.appendEntries(log.entries(0, 2));
    const gap = await r.appendEntries([...log.entries(4, 5), ...log.entries(3, 4)]);
    expect([gap.appended, gap.held, gap.gap]).toEqual([0, 2, { from: 2, to: 3 }]);
    const filled = await r.appendEntries([...log.entries(2, 3), ...log.entries(5, 6)]);
    expect([filled.appended, filled.gap, filled.receivedSize]).toEqual([4, null, 6]);
    expect(r.status().heldCount).toBe(0);
  });

  it.each([
    ['whitespace (NOT_CANONICAL)', (t: string) => t.replace('"v":1', '"v": 1'), 'NOT_CANONICAL'],
    [
      'key reorder (NOT_CANONICAL)',
      (t: string) => t.replace(/^\{("action":"[^"]*"),/, '{').replace('"v":1}', '"v":1,"action":"flag.updated"}'),
      'NOT_CANONICAL',
    ],
    ['duplicate key (NOT_CANONICAL)', (t: string) => t.replace('"refs":{}', '"refs":{},"refs":{}'), 'NOT_CANONICAL'],
    [
      'big integer (NOT_CANONICAL)',
      (t: string) => t.replace(/"rollout_pct":\d+\}/, '"rollout_pct":18014398509481984}'),
      'NOT_CANONICAL',
    ],
    ['escaped lone surrogate (NOT_CANONICAL)', (t: string) => t.replace('"ramp"', '"\\udc00"'), 'NOT_CANONICAL'],
    ['raw lone surrogate (NOT_CANONICAL)', (t: string) => t.replace('"ramp"', '"\udc00"'), 'NOT_CANONICAL'],
    ['another log (LOG_MISMATCH)', (t: string) => t.replace(TEST_ORIGIN, 'example.com/staging-ledger'), 'LOG_MISMATCH'],
    ['wrong idx (IDX_MISMATCH)', (t: string) => t.replace('"idx":3', '"idx":4'), 'IDX_MISMATCH'],
    [
      'wrong prev (PREV_MISMATCH)',
      (t: string) => t.replace(/"prev":"[0-9a-f]/, '"prev":"x').replace('"prev":"x', '"prev":"0'),
      'PREV_MISMATCH',
    ],
    ['oversize (OVERSIZE_ENTRY)', (t: string) => t.replace('"ramp"', `"${'x'.repeat(70000)}"`), 'OVERSIZE_ENTRY'],
    ['schema (MALFORMED_LEAF)', (t: string) => t.replace('"type":"user"', '"type":"robot"'), 'MALFORMED_LEAF'],
  ])('rejects %s and does not apply the rest of the batch', async (_name, edit, code) => {
    const log = new TestLog();
    log.addMany(5);
    const r = open();
    await r.appendEntries(log.entries(0, 3));
    const bad = edit(log.texts[3]!);
    expect(bad).not.toBe(log.texts[3]);
    const res = await r.appendEntries([{ idx: 3, leaf: bad }, ...log.entries(4, 5)]);
    expect(res.rejected?.code).toBe(code);
    expect(res.rejected?.idx).toBe(3);
    expect([res.appended, res.receivedSize]).toEqual([0, 3]);
    expect((await r.appendEntries(log.entries(3))).appended).toBe(2);
  });
});

describe('replica checkpoints', () => {
  it('waits for entries when a checkpoint arrives first, then promotes', async () => {
    const log = new TestLog();
    log.addMany(8);
    const r = open();
    expect(await r.applyCheckpoint(log.checkpoint())).toEqual({ kind: 'awaiting_entries', size: 8, receivedSize: 0 });
    expect(r.status().awaitingCheckpointSize).toBe(8);
    expect((await r.appendEntries(log.entries(0, 5))).checkpoint).toBeNull();
    expect((await r.appendEntries(log.entries(5))).checkpoint).toMatchObject({ kind: 'promoted', from: 0, to: 8 });
    expect(r.status().awaitingCheckpointSize).toBeNull();
  });

  it('classifies duplicate, stale and rejected notes', async () => {
    const log = new TestLog();
    log.addMany(8);
    const r = open();
    await r.appendEntries(log.entries());
    const [six, eight] = [log.checkpoint(6), log.checkpoint(8)];
    expect((await r.applyCheckpoint(six)).kind).toBe('promoted');
    expect((await r.applyCheckpoint(eight)).kind).toBe('promoted');
    expect(await r.applyCheckpoint(eight)).toEqual({ kind: 'duplicate', size: 8 });
    expect(await r.applyCheckpoint(six)).toEqual({ kind: 'stale', code: 'STALE_CHECKPOINT', size: 6 });
    expect(await r.applyCheckpoint(log.checkpoint(3))).toEqual({ kind: 'stale', code: 'STALE_CHECKPOINT', size: 3 });
    expect(await r.applyCheckpoint(eight.replace('\n8\n', '\n9\n'))).toMatchObject({
      kind: 'rejected',
      code: 'BAD_SIGNATURE',
    });
    expect(await r.applyCheckpoint(log.checkpoint(8, [testSigner('other', '11'.repeat(32))]))).toMatchObject({
      kind: 'rejected',
      code: 'NO_TRUSTED_SIGNATURE',
    });
    expect(await r.applyCheckpoint(eight.replace(/\n$/, ''))).toMatchObject({
      kind: 'rejected',
      code: 'MALFORMED_CHECKPOINT',
    });
    expect(await r.applyCheckpoint(fixtures['checkpoint_size_8']!.replace(TEST_ORIGIN, 'x'))).toMatchObject({
      kind: 'rejected',
    });
    const other = new TestLog('example.com/other', [testSigner('example.com/other')]);
    other.addMany(2);
    expect(await r.applyCheckpoint(other.checkpoint())).toMatchObject({ kind: 'rejected', code: 'ORIGIN_MISMATCH' });
  });

  it('keeps both notes of the published same-size fork as EQUIVOCATION evidence', async () => {
    const r = open();
    expect((await r.applyCheckpoint(fixtures['checkpoint_size_8']!)).kind).toBe('awaiting_entries');
    expect(await r.applyCheckpoint(fixtures['forked_checkpoint_size_8']!)).toEqual({
      kind: 'equivocation',
      code: 'EQUIVOCATION',
      size: 8,
      evidenceId: 1,
    });
    expect(r.evidence()[0]).toMatchObject({
      kind: 'EQUIVOCATION',
      noteA: fixtures['checkpoint_size_8'],
      noteB: fixtures['forked_checkpoint_size_8'],
    });
  });

  it('detects a same-size fork and a rollback to a smaller size with another root (FORK)', async () => {
    const [a, b] = [new TestLog(), new TestLog()];
    a.addMany(8);
    b.addMany(2);
    b.add((l) => ({ ...l, reason: 'rewritten' }));
    b.addMany(5);
    const r1 = open();
    await r1.appendEntries(a.entries());
    await r1.applyCheckpoint(a.checkpoint());
    expect(await r1.applyCheckpoint(b.checkpoint(8))).toMatchObject({
      kind: 'equivocation',
      code: 'EQUIVOCATION',
      size: 8,
    });
    const r2 = open();
    await r2.appendEntries(a.entries());
    await r2.applyCheckpoint(a.checkpoint());
    expect(await r2.applyCheckpoint(b.checkpoint(5))).toMatchObject({ kind: 'fork', code: 'FORK', size: 5 });
    expect(r2.status().halted).toBe('FORK');
    expect(r2.evidence()[0]).toMatchObject({ kind: 'FORK', noteA: a.checkpoint(), noteB: b.checkpoint(5) });
  });

  it('asks for a consistency proof; a valid one means corrupt entries in transit: drop and refetch', async () => {
    const [a, b] = [new TestLog(), new TestLog()];
    a.addMany(10);
    b.addMany(6);
    b.add((l) => ({ ...l, reason: 'corrupted in transit' }));
    b.addMany(3);
    const asked: [number, number][] = [];
    const fetchConsistencyProof = async (m: number, n: number): Promise<Uint8Array[]> => {
      asked.push([m, n]);
      return consistencyProof(sha256, (i) => a.hashes[i]!, m, n);
    };
    const r = open({ fetchConsistencyProof });
    await r.appendEntries(a.entries(0, 4));
    await r.applyCheckpoint(a.checkpoint(4));
    await r.appendEntries(b.entries(4));
    expect(await r.applyCheckpoint(a.checkpoint())).toEqual({ kind: 'refetch', from: 4, to: 10 });
    expect(asked).toEqual([[4, 10]]);
    expect(r.receivedSize()).toBe(4);
    expect((await r.appendEntries(a.entries(4))).checkpoint).toMatchObject({ kind: 'promoted', from: 4, to: 10 });
    expect(r.evidence()).toEqual([]);
  });

  it('a history rewritten at a larger size with a lying consistency proof is a FORK', async () => {
    const [a, b] = [new TestLog(), new TestLog()];
    a.addMany(10);
    b.addMany(2);
    b.add((l) => ({ ...l, reason: 'rewritten' }));
    b.addMany(7);
    const lie = async (m: number, n: number): Promise<Uint8Array[]> =>
      consistencyProof(sha256, (i) => b.hashes[i]!, m, n);
    const r = open({ fetchConsistencyProof: lie });
    await r.appendEntries(a.entries());
    await r.applyCheckpoint(a.checkpoint(6));
    const out = await r.applyCheckpoint(b.checkpoint(10));
    expect(out).toMatchObject({ kind: 'fork', code: 'FORK', size: 10 });
    expect(r.evidence()[0]?.proof.length).toBeGreaterThan(0);
    const noFetcher = open();
    await noFetcher.appendEntries(a.entries());
    await noFetcher.applyCheckpoint(a.checkpoint(6));
    expect(await noFetcher.applyCheckpoint(b.checkpoint(10))).toMatchObject({
      kind: 'needs_consistency_proof',
      oldSize: 6,
      newSize: 10,
    });
  });

  it('a longer history whose entries do not chain onto ours: FORK on the first check, both notes and the proof kept', async () => {
    const [a, b] = [new TestLog(), new TestLog()];
    a.addMany(8);
    for (const t of a.texts.slice(0, 5)) b.push(t);
    b.add((l) => ({ ...l, reason: 'went on separately' }));
    b.addMany(9);
    const asked: [number, number][] = [];
    const fetchConsistencyProof = async (m: number, n: number): Promise<Uint8Array[]> => {
      asked.push([m, n]);
      return consistencyProof(sha256, (i) => b.hashes[i]!, m, n);
    };
    const r = open({ fetchConsistencyProof });
    await r.appendEntries(a.entries());
    await r.applyCheckpoint(a.checkpoint(8));
    expect((await r.appendEntries(b.entries(8, 9))).rejected).toMatchObject({ code: 'PREV_MISMATCH', idx: 8 });
    expect(await r.checkDivergence(b.checkpoint())).toMatchObject({ kind: 'fork', code: 'FORK', size: 15 });
    expect(asked).toEqual([[8, 15]]);
    expect(r.status()).toMatchObject({ halted: 'FORK', verifiedSize: 8, receivedSize: 8 });
    expect(r.evidence()[0]).toMatchObject({ kind: 'FORK', noteA: a.checkpoint(8), noteB: b.checkpoint() });
    expect(r.evidence()[0]?.proof.length).toBeGreaterThan(0);
  });

  it('a divergence only in our unverified entries: the consistent log keeps what we verified and refetches the rest', async () => {
    const [a, b] = [new TestLog(), new TestLog()];
    a.addMany(12);
    for (const t of a.texts.slice(0, 6)) b.push(t);
    b.add((l) => ({ ...l, reason: 'from another server' }));
    b.addMany(3);
    const r = open({
      fetchConsistencyProof: async (m, n) => consistencyProof(sha256, (i) => a.hashes[i]!, m, n),
    });
    await r.appendEntries(a.entries(0, 6));
    await r.applyCheckpoint(a.checkpoint(6));
    await r.appendEntries(b.entries(6));
    expect(await r.checkDivergence(a.checkpoint())).toEqual({ kind: 'refetch', from: 6, to: 12 });
    expect(r.status()).toMatchObject({ halted: null, verifiedSize: 6, receivedSize: 6 });
    expect((await r.appendEntries(a.entries(6))).checkpoint).toMatchObject({ kind: 'promoted', from: 6, to: 12 });
  });

  it('never promotes a forged entry beyond the last checkpoint', async () => {
    const log = new TestLog();
    log.addMany(6);
    const forged = new TestLog();
    forged.addMany(5);
    forged.add((l) => ({ ...l, action: 'flag.killed', reason: 'forged' }));
    const r = open();
    await r.appendEntries(log.entries(0, 5));
    await r.applyCheckpoint(log.checkpoint(5));
    await r.appendEntries(forged.entries(5));
    expect(r.status()).toMatchObject({ verifiedSize: 5, pendingCount: 1 });
    expect((await r.applyCheckpoint(log.checkpoint(6))).kind).toBe('needs_consistency_proof');
    expect(r.entry(5)?.verified).toBe(false);
  });

  it('honours key rotation and revocation in the trust store', async () => {
    const [oldKey, newKey] = [testSigner(TEST_ORIGIN), testSigner(TEST_ORIGIN, '44'.repeat(32))];
    const log = new TestLog(TEST_ORIGIN, [oldKey]);
    log.addMany(12);
    const r = open({
      trustedKeys: [trustedKeyOf(oldKey, { validUntilSize: 8 }), trustedKeyOf(newKey, { validFromSize: 6 })],
    });
    await r.appendEntries(log.entries());
    expect((await r.applyCheckpoint(log.checkpoint(7, [oldKey, newKey]))).kind).toBe('promoted');
    expect(await r.applyCheckpoint(log.checkpoint(10, [oldKey]))).toMatchObject({
      kind: 'rejected',
      code: 'NO_TRUSTED_SIGNATURE',
    });
    expect((await r.applyCheckpoint(log.checkpoint(10, [newKey]))).kind).toBe('promoted');
    expect(r.revokeTrustedKey(newKey.name, trustedKeyOf(newKey).keyId)).toBe(true);
    expect(await r.applyCheckpoint(log.checkpoint(12, [newKey]))).toMatchObject({
      kind: 'rejected',
      code: 'NO_TRUSTED_SIGNATURE',
    });
  });

  it('promotes in one transaction: a failure between checkpoint row and state leaves nothing behind', async () => {
    const log = new TestLog();
    log.addMany(4);
    let fail = true;
    const r = open({
      hooks: {
        beforeStateUpdate: () => {
          if (fail) throw new Error('boom');
        },
      },
    });
    await r.appendEntries(log.entries());
    await expect(r.applyCheckpoint(log.checkpoint())).rejects.toThrow('boom');
    expect([r.status().verifiedSize, r.checkpoints().length]).toEqual([0, 0]);
    fail = false;
    expect((await r.applyCheckpoint(log.checkpoint())).kind).toBe('promoted');
  });
});
