import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { verifyReplicaFile } from './verify-run.ts';
import { buildReplicaFile, tamper, tempDir, testTrust } from './test-support/test-replica.ts';
import { TestLog } from './test-support/fixtures.ts';

/** Deterministic PRNG (so a failing seed can be replayed). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Every stored value whose bytes the verdict depends on: [table, column, key column, key]. */
const TARGETS = [
  ['entries', 'leaf', 'idx'],
  ['entries', 'leaf', 'idx'],
  ['entries', 'leaf', 'idx'],
  ['entries', 'leaf_hash', 'idx'],
  ['checkpoints', 'note', 'size'],
  ['checkpoints', 'root', 'size'],
  ['checkpoints', 'peaks', 'size'],
  ['verification_state', 'root', 'id'],
  ['verification_state', 'peaks', 'id'],
  ['verification_state', 'latest_note', 'id'],
] as const;

describe('property: random sizes and random byte flips never verify (deep mode)', () => {
  it('40 random replicas, one flipped byte each', async () => {
    const next = rng(20261125);
    const dir = tempDir();
    const seen = new Set<string>();
    for (let round = 0; round < 40; round++) {
      const n = 1 + Math.floor(next() * 120);
      const sizes = [...new Set([Math.ceil(next() * n), Math.ceil(next() * n), n])].sort((a, b) => a - b);
      const log = new TestLog();
      log.addMany(n);
      const path = join(dir, `r${round}.sqlite`);
      await buildReplicaFile(path, log, sizes);
      const [table, column, keyCol] = TARGETS[Math.floor(next() * TARGETS.length)]!;
      let where = '';
      tamper(path, (db) => {
        const keys = db.prepare(`SELECT ${keyCol} FROM ${table} WHERE length(${column}) > 0`).pluck().all() as number[];
        const key = keys[Math.floor(next() * keys.length)]!;
        const value = db
          .prepare(`SELECT CAST(${column} AS BLOB) FROM ${table} WHERE ${keyCol} = ?`)
          .pluck()
          .get(key) as Buffer;
        const at = Math.floor(next() * value.length);
        const flipped = Buffer.from(value);
        flipped[at] = flipped[at]! ^ (1 + Math.floor(next() * 255));
        const asText = column === 'note' || column === 'latest_note';
        db.prepare(`UPDATE ${table} SET ${column} = ${asText ? 'CAST(? AS TEXT)' : '?'} WHERE ${keyCol} = ?`).run(
          flipped,
          key,
        );
        where = `${table}.${column}[${key}] byte ${at} (n=${n}, checkpoints ${sizes.join(',')})`;
      });
      const report = await verifyReplicaFile(path, { threads: 0, chunkSize: 32, trustedKeys: testTrust });
      expect([where, report.ok]).toEqual([where, false]);
      seen.add(report.code ?? 'none');
    }
    expect(seen.size).toBeGreaterThanOrEqual(3);
  });
});
