import { afterEach, describe, expect, it } from 'vitest';
import { inclusionProof, toHex } from '../../shared/ledger/index.ts';
import { TestLog } from '../ledger/test-support/fixtures.ts';
import { sha256 } from '../ledger/node-crypto.ts';
import type { Replica } from '../ledger/replica.ts';
import { entryDetail, inclusionCheck } from './entry-detail.ts';
import { CHUNK } from './subtrees.ts';
import { at, codeOf, replicaOf, scenario, st } from './test-support/test-ledger.ts';

function dropTriggers(replica: Replica): void {
  for (const t of replica.db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").pluck().all() as string[])
    replica.db.exec(`DROP TRIGGER ${t}`);
}

describe('entryDetail', () => {
  let replica: Replica | null = null;
  afterEach(() => replica?.close());

  it('returns the exact leaf, its hash, the chain link and the payload', async () => {
    const s = scenario();
    replica = await replicaOf(s.log, 12);
    const d = entryDetail(replica.db, 8);
    expect(d).toEqual({
      row: {
        idx: 8,
        ts: at(8),
        actor: 'carol',
        actorType: 'user',
        action: 'flag.killed',
        flag: 'search.rank.v3',
        env: 'production',
        reason: 'errors on search',
        services: ['search-api', 'web'],
        team: 'discovery',
        tier: 'LOW',
        summary: 'killed → safe default (on 50% → off)',
        verified: true,
      },
      leafText: s.log.texts[8],
      leafHashHex: toHex(s.log.hashes[8]!),
      prevHex: toHex(s.log.hashes[7]!),
      before: st(true, 50),
      after: st(false, 0),
      refs: {},
    });
    expect(entryDetail(replica.db, 0).prevHex).toBe('');
    expect(entryDetail(replica.db, 15).row.verified).toBe(false);
  });

  it('throws E_ENTRY_NOT_FOUND for an index the replica does not hold', async () => {
    replica = await replicaOf(scenario().log, 12);
    const r = replica;
    expect([
      codeOf(() => entryDetail(r.db, 19)),
      codeOf(() => entryDetail(r.db, -1)),
      codeOf(() => inclusionCheck(r.db, 1e9)),
    ]).toEqual(['E_ENTRY_NOT_FOUND', 'E_ENTRY_NOT_FOUND', 'E_ENTRY_NOT_FOUND']);
  });
});

describe('inclusionCheck', () => {
  let replica: Replica | null = null;
  afterEach(() => replica?.close());

  it('proves verified entries against the verified root with the RFC 6962 audit path', async () => {
    const s = scenario();
    replica = await replicaOf(s.log, 12);
    const root = toHex(s.log.root(12));
    for (const idx of [0, 5, 11]) {
      const want = inclusionProof(sha256, (i) => s.log.hashes[i]!, idx, 12).map(toHex);
      expect(inclusionCheck(replica.db, idx)).toEqual({
        idx,
        treeSize: 12,
        rootHex: root,
        proofHex: want,
        ok: true,
        code: null,
      });
    }
  });

  it('answers NOT_VERIFIED for entries beyond the verified size', async () => {
    const s = scenario();
    replica = await replicaOf(s.log, 12);
    expect(inclusionCheck(replica.db, 12)).toEqual({
      idx: 12,
      treeSize: 12,
      rootHex: toHex(s.log.root(12)),
      proofHex: [],
      ok: false,
      code: 'NOT_VERIFIED',
    });
  });

  it('names tampering: LEAF_HASH_MISMATCH for edited bytes, BAD_PROOF for a wrong sibling hash', async () => {
    replica = await replicaOf(scenario().log, 12);
    dropTriggers(replica);
    replica.db
      .prepare("UPDATE entries SET leaf = CAST(replace(CAST(leaf AS TEXT), 'carol', 'mallory') AS BLOB) WHERE idx = 8")
      .run();
    expect(inclusionCheck(replica.db, 8)).toMatchObject({ ok: false, code: 'LEAF_HASH_MISMATCH' });
    replica.db.prepare('UPDATE entries SET leaf_hash = zeroblob(32) WHERE idx = 3').run();
    expect(inclusionCheck(replica.db, 2)).toMatchObject({ ok: false, code: 'BAD_PROOF' });
    expect(inclusionCheck(replica.db, 9)).toMatchObject({ ok: false, code: 'BAD_PROOF' });
  });

  it('caches verified subtree hashes and gives the same proofs at chunk boundaries of a larger tree', async () => {
    const log = new TestLog('tombstone.test/views');
    log.addMany(2 * CHUNK + 300);
    const size = 2 * CHUNK + 250;
    replica = await replicaOf(log, size);
    const r = replica;
    const expected = (idx: number): string[] => inclusionProof(sha256, (i) => log.hashes[i]!, idx, size).map(toHex);
    for (const idx of [0, CHUNK - 1, CHUNK, 2 * CHUNK - 1, 2 * CHUNK, size - 1]) {
      expect([idx, inclusionCheck(r.db, idx)]).toEqual([
        idx,
        { idx, treeSize: size, rootHex: toHex(log.root(size)), proofHex: expected(idx), ok: true, code: null },
      ]);
    }
    expect(r.db.prepare('SELECT chunk FROM view_subtrees ORDER BY chunk').pluck().all()).toEqual([0, 1]);
    expect(inclusionCheck(r.db, 77).proofHex).toEqual(expected(77));
    expect(inclusionCheck(r.db, size)).toMatchObject({ ok: false, code: 'NOT_VERIFIED' });
  });
});
