import { describe, expect, it } from 'vitest';
import { hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CompactRange, emptyRoot, leafHash, nodeHash, peakHeights, popcount, rootOf, trailingZeros } from './merkle.ts';
import { fromHex, toHex } from './encoding.ts';
import { LedgerError } from './errors.ts';

const sha = (d: Uint8Array): Uint8Array => hash('sha256', d, 'buffer');
const vectors = JSON.parse(
  readFileSync(fileURLToPath(new URL('./testdata/merkle-rfc6962.json', import.meta.url)), 'utf8'),
) as {
  leaf_inputs_hex: string[];
  leaf_hashes_hex: string[];
  roots_by_size_hex: string[];
};
const leaves = vectors.leaf_hashes_hex.map(fromHex);

describe('RFC 6962 hashing (published vectors)', () => {
  it('hashes every published leaf input to its published leaf hash', () => {
    expect(vectors.leaf_inputs_hex.map((h) => toHex(leafHash(sha, fromHex(h))))).toEqual(vectors.leaf_hashes_hex);
  });

  it('reproduces every published root, sizes 0..8', () => {
    vectors.roots_by_size_hex.forEach((root, size) => expect(toHex(rootOf(sha, leaves.slice(0, size)))).toBe(root));
  });

  it('the empty root is SHA-256 of the empty string', () => {
    expect(toHex(emptyRoot(sha))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('node hash prefixes 0x01, leaf hash 0x00 (no second-preimage between them)', () => {
    const [a, b] = [leaves[0]!, leaves[1]!];
    expect(toHex(nodeHash(sha, a, b))).toBe(toHex(sha(new Uint8Array([1, ...a, ...b]))));
    expect(toHex(leafHash(sha, new Uint8Array([...a, ...b])))).not.toBe(toHex(nodeHash(sha, a, b)));
  });
});

describe('CompactRange', () => {
  it('appends one by one and gives the published root at every size', () => {
    const range = new CompactRange(sha);
    expect(toHex(range.root())).toBe(vectors.roots_by_size_hex[0]);
    leaves.forEach((h, i) => {
      range.append(h);
      expect(range.size).toBe(i + 1);
      expect(range.peaks.length).toBe(popcount(i + 1));
      expect(toHex(range.root())).toBe(vectors.roots_by_size_hex[i + 1]);
    });
  });

  it('restores from stored peaks and clones independently', () => {
    const range = new CompactRange(sha);
    leaves.slice(0, 6).forEach((h) => range.append(h));
    const restored = new CompactRange(sha, 6, range.peaks);
    const copy = restored.clone();
    copy.append(leaves[6]!);
    expect(toHex(restored.root())).toBe(vectors.roots_by_size_hex[6]);
    expect(toHex(copy.root())).toBe(vectors.roots_by_size_hex[7]);
  });

  it('rejects peaks that do not match the size', () => {
    expect(() => new CompactRange(sha, 6, [leaves[0]!])).toThrow(LedgerError);
    expect(() => new CompactRange(sha, -1)).toThrow(LedgerError);
    expect(() => new CompactRange(sha, 1, [new Uint8Array(31)])).toThrow(LedgerError);
  });

  it('merges aligned ranges into the same root as appending, and refuses unaligned merges', () => {
    for (const split of [0, 4, 6, 7, 8]) {
      const left = new CompactRange(sha);
      const right = new CompactRange(sha);
      leaves.slice(0, split).forEach((h) => left.append(h));
      leaves.slice(split).forEach((h) => right.append(h));
      left.merge(right);
      expect([split, toHex(left.root())]).toEqual([split, vectors.roots_by_size_hex[8]]);
    }
    const left = new CompactRange(sha);
    const right = new CompactRange(sha);
    leaves.slice(0, 3).forEach((h) => left.append(h));
    leaves.slice(3, 7).forEach((h) => right.append(h));
    expect(() => left.merge(right)).toThrow(expect.objectContaining({ code: 'SIZE_MISMATCH' }));
  });

  it('handles sizes near 2^31, 2^32 and 2^53 without 32-bit truncation', () => {
    const zero = new Uint8Array(32);
    for (const size of [2 ** 31 - 1, 2 ** 32 - 1, 2 ** 32 + 1, 2 ** 53 - 2]) {
      const range = new CompactRange(
        sha,
        size,
        Array.from({ length: popcount(size) }, () => zero),
      );
      range.append(zero);
      expect(range.size).toBe(size + 1);
      expect(range.peaks.length).toBe(popcount(size + 1));
    }
    expect(popcount(2 ** 32)).toBe(1);
    expect(popcount(2 ** 53 - 1)).toBe(53);
    expect(trailingZeros(2 ** 40)).toBe(40);
    expect(peakHeights(2 ** 32 + 5)).toEqual([32, 2, 0]);
    const full = new CompactRange(
      sha,
      2 ** 53 - 1,
      Array.from({ length: 53 }, () => zero),
    );
    expect(() => full.append(zero)).toThrow(expect.objectContaining({ code: 'SIZE_MISMATCH' }));
  });
});
