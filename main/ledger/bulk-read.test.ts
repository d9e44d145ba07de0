import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { BulkReader } from './bulk-read.ts';
import { PAGE_SIZE } from './replica-db.ts';
import { makeReplica, tamper, testTrust } from './test-support/test-replica.ts';
import { verifyReplicaFile } from './verify-run.ts';

describe('bulk reads of leaves', () => {
  it('new replica files get 64 KiB pages', async () => {
    const { path } = await makeReplica(3, [3]);
    const db = new Database(path, { readonly: true });
    expect(db.pragma('page_size', { simple: true })).toBe(PAGE_SIZE);
    expect(PAGE_SIZE).toBe(65536);
    db.close();
  });

  it('splits the newline-joined block into the exact leaves and hashes', async () => {
    const { path, log } = await makeReplica(10, [10]);
    const db = new Database(path, { readonly: true });
    const block = new BulkReader(db).leaves(2, 7);
    db.close();
    expect(block).not.toBeNull();
    const { leaves, offsets, hashes } = block!;
    const got = Array.from({ length: 5 }, (_, i) => leaves.subarray(offsets[i], (offsets[i + 1] ?? 0) - 1).toString());
    expect(got).toEqual(log.texts.slice(2, 7));
    expect(hashes).toEqual(Buffer.concat(log.hashes.slice(2, 7).map((h) => Buffer.from(h))));
  });

  it('a leaf holding a raw newline is refused by the bulk path; the per-row path names it', async () => {
    const { path } = await makeReplica(10, [10]);
    tamper(path, (db, h) => {
      const leaf = Buffer.from(
        (db.prepare('SELECT leaf FROM entries WHERE idx = 4').pluck().get() as Buffer)
          .toString()
          .replace(',"idx"', ',\n"idx"'),
      );
      db.prepare('UPDATE entries SET leaf = ?, leaf_hash = ? WHERE idx = 4').run(leaf, h(leaf));
    });
    const db = new Database(path, { readonly: true });
    expect(new BulkReader(db).leaves(0, 10)).toBeNull();
    expect(new BulkReader(db).leaves(5, 10)).not.toBeNull();
    db.close();
    const report = await verifyReplicaFile(path, { threads: 0, trustedKeys: testTrust });
    expect([report.code, report.idx]).toEqual(['NOT_CANONICAL', 4]);
  });
});
