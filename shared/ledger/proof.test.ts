import { describe, expect, it } from 'vitest';
import { hash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { consistencyProof, inclusionProof, splitPoint, verifyConsistency, verifyInclusion } from './proof.ts';
import { emptyRoot, leafHash, nodeHash, rootOf } from './merkle.ts';
import { fromHex, toHex } from './encoding.ts';

const sha = (d: Uint8Array): Uint8Array => hash('sha256', d, 'buffer');
interface Vectors {
  leaf_hashes_hex: string[];
  roots_by_size_hex: string[];
  inclusion_proofs: { leaf_index: number; tree_size: number; proof: string[] }[];
  consistency_proofs: { size1: number; size2: number; proof: string[] }[];
}
const v = JSON.parse(
  readFileSync(fileURLToPath(new URL('./testdata/merkle-rfc6962.json', import.meta.url)), 'utf8'),
) as Vectors;
const leaves = v.leaf_hashes_hex.map(fromHex);
const rootAt = (n: number): Uint8Array => fromHex(v.roots_by_size_hex[n]!);
const at = (i: number): Uint8Array => leaves[i]!;

function flipped(p: Uint8Array[], i: number): Uint8Array[] {
  return p.map((e, j) => (j === i ? Uint8Array.from(e, (b, k) => (k === 0 ? b ^ 1 : b)) : e));
}

function code(fn: () => void): string {
  try {
    fn();
    return 'verified';
  } catch (err) {
    return (err as { code?: string }).code ?? 'thrown';
  }
}

describe('inclusion proofs (published vectors)', () => {
  it.each(v.inclusion_proofs)(
    'generates and verifies leaf $leaf_index of $tree_size',
    ({ leaf_index: i, tree_size: n, proof }) => {
      expect(inclusionProof(sha, at, i, n).map(toHex)).toEqual(proof);
      expect(code(() => verifyInclusion(sha, i, n, at(i), proof.map(fromHex), rootAt(n)))).toBe('verified');
    },
  );

  it.each(v.inclusion_proofs)(
    'rejects every must-reject probe for leaf $leaf_index of $tree_size',
    ({ leaf_index: i, tree_size: n, proof }) => {
      const p = proof.map(fromHex);
      const root = rootAt(n);
      const leaf = at(i);
      const probes: [string, () => void][] = [
        ['index-1', () => verifyInclusion(sha, i - 1, n, leaf, p, root)],
        ['index+1', () => verifyInclusion(sha, i + 1, n, leaf, p, root)],
        ['index^2', () => verifyInclusion(sha, i ^ 2, n, leaf, p, root)],
        ['size*2', () => verifyInclusion(sha, i, n * 2, leaf, p, root)],
        ['size/2', () => verifyInclusion(sha, i, Math.floor(n / 2), leaf, p, root)],
        ['wrong leaf', () => verifyInclusion(sha, i, n, sha(new Uint8Array([9])), p, root)],
        ['empty root', () => verifyInclusion(sha, i, n, leaf, p, emptyRoot(sha))],
        ['random root', () => verifyInclusion(sha, i, n, leaf, p, randomBytes(32))],
        ['trailing garbage', () => verifyInclusion(sha, i, n, leaf, [...p, randomBytes(32)], root)],
        ['preceding garbage', () => verifyInclusion(sha, i, n, leaf, [randomBytes(32), ...p], root)],
        ['trailing root', () => verifyInclusion(sha, i, n, leaf, [...p, root], root)],
        ['preceding root', () => verifyInclusion(sha, i, n, leaf, [root, ...p], root)],
        ['last removed', () => verifyInclusion(sha, i, n, leaf, p.slice(0, -1), root)],
        ['element inserted', () => verifyInclusion(sha, i, n, leaf, [p[0]!, randomBytes(32), ...p.slice(1)], root)],
        [
          'short element',
          () =>
            verifyInclusion(
              sha,
              i,
              n,
              leaf,
              p.map((e) => e.subarray(1)),
              root,
            ),
        ],
        ...p.map((_, k): [string, () => void] => [
          `bit flip ${k}`,
          () => verifyInclusion(sha, i, n, leaf, flipped(p, k), root),
        ]),
      ];
      expect(probes.map(([name, fn]) => [name, code(fn)])).toEqual(probes.map(([name]) => [name, 'BAD_PROOF']));
    },
  );
});

describe('consistency proofs (published vectors)', () => {
  it.each(v.consistency_proofs)('generates and verifies $size1 -> $size2', ({ size1: m, size2: n, proof }) => {
    expect(consistencyProof(sha, at, m, n).map(toHex)).toEqual(proof);
    expect(code(() => verifyConsistency(sha, m, n, proof.map(fromHex), rootAt(m), rootAt(n)))).toBe('verified');
  });

  it.each(v.consistency_proofs)(
    'rejects every must-reject probe for $size1 -> $size2',
    ({ size1: m, size2: n, proof }) => {
      const p = proof.map(fromHex);
      const [r1, r2] = [rootAt(m), rootAt(n)];
      const probes: [string, () => void][] = [
        ['size1-1', () => verifyConsistency(sha, m - 1, n, p, r1, r2)],
        ['size1+1', () => verifyConsistency(sha, m + 1, n, p, r1, r2)],
        ['size1^2', () => verifyConsistency(sha, m ^ 2, n, p, r1, r2)],
        ['size2*2', () => verifyConsistency(sha, m, n * 2, p, r1, r2)],
        ['size2/2', () => verifyConsistency(sha, m, Math.floor(n / 2), p, r1, r2)],
        ['wrong root1', () => verifyConsistency(sha, m, n, p, randomBytes(32), r2)],
        ['wrong root2', () => verifyConsistency(sha, m, n, p, r1, randomBytes(32))],
        ['trailing garbage', () => verifyConsistency(sha, m, n, [...p, randomBytes(32)], r1, r2)],
        ['preceding garbage', () => verifyConsistency(sha, m, n, [randomBytes(32), ...p], r1, r2)],
        ...(m !== n ? [['swapped roots', () => verifyConsistency(sha, m, n, p, r2, r1)] as [string, () => void]] : []),
        ...(p.length > 0
          ? [
              ['empty proof', () => verifyConsistency(sha, m, n, [], r1, r2)] as [string, () => void],
              ['truncated', () => verifyConsistency(sha, m, n, p.slice(0, -1), r1, r2)] as [string, () => void],
            ]
          : []),
        ...p.map((_, k): [string, () => void] => [
          `bit flip ${k}`,
          () => verifyConsistency(sha, m, n, flipped(p, k), r1, r2),
        ]),
      ];
      expect(probes.map(([name, fn]) => [name, code(fn)])).toEqual(probes.map(([name]) => [name, 'BAD_PROOF']));
    },
  );

  it('handles the trivial cases exactly as the vector file says', () => {
    const e = emptyRoot(sha);
    expect(code(() => verifyConsistency(sha, 0, 0, [], e, e))).toBe('verified');
    expect(code(() => verifyConsistency(sha, 0, 8, [], e, rootAt(8)))).toBe('verified');
    expect(code(() => verifyConsistency(sha, 0, 8, [at(0)], e, rootAt(8)))).toBe('BAD_PROOF');
    expect(code(() => verifyConsistency(sha, 5, 5, [], rootAt(5), rootAt(5)))).toBe('verified');
    expect(code(() => verifyConsistency(sha, 5, 5, [], rootAt(5), rootAt(6)))).toBe('BAD_PROOF');
    expect(code(() => verifyConsistency(sha, 5, 5, [at(0)], rootAt(5), rootAt(5)))).toBe('BAD_PROOF');
    expect(code(() => verifyConsistency(sha, 1, 0, [], rootAt(1), rootAt(0)))).toBe('BAD_PROOF');
    expect(code(() => verifyConsistency(sha, 2, 1, [], rootAt(2), rootAt(1)))).toBe('BAD_PROOF');
    expect(code(() => verifyConsistency(sha, 1, 2, [], rootAt(1), rootAt(2)))).toBe('BAD_PROOF');
  });
});

describe('generated proofs round-trip for every index and size up to 40', () => {
  const many = Array.from({ length: 40 }, (_, i) => leafHash(sha, new Uint8Array([i, i * 7])));
  const get = (i: number): Uint8Array => many[i]!;
  it('inclusion and consistency', () => {
    let checked = 0;
    for (let n = 1; n <= 40; n++) {
      const root = rootOf(sha, many.slice(0, n));
      for (let i = 0; i < n; i++) {
        verifyInclusion(sha, i, n, get(i), inclusionProof(sha, get, i, n), root);
        expect(code(() => verifyInclusion(sha, i, n, get((i + 1) % 40), inclusionProof(sha, get, i, n), root))).toBe(
          'BAD_PROOF',
        );
        verifyConsistency(sha, i + 1, n, consistencyProof(sha, get, i + 1, n), rootOf(sha, many.slice(0, i + 1)), root);
        checked++;
      }
    }
    expect(checked).toBe(820);
  });
});

describe('index arithmetic beyond 32 bits', () => {
  // All leaves are zero except a marked leaf; subtrees without it depend only on their width, so trees of 2^53 leaves
  // have cheap proofs. A 32-bit shift anywhere in the verifier makes these fail.
  const zero = new Uint8Array(32);
  const marked = sha(new Uint8Array([1]));
  const memo = new Map<number, Uint8Array>([[1, zero]]);
  const plain = (n: number): Uint8Array => {
    const hit = memo.get(n);
    if (hit) return hit;
    const k = splitPoint(n);
    const h = nodeHash(sha, plain(k), plain(n - k));
    memo.set(n, h);
    return h;
  };
  const withMark = (start: number, n: number, index: number): Uint8Array => {
    if (index < start || index >= start + n) return plain(n);
    if (n === 1) return marked;
    const k = splitPoint(n);
    return nodeHash(sha, withMark(start, k, index), withMark(start + k, n - k, index));
  };
  const pathOf = (index: number, size: number): Uint8Array[] => {
    const path: Uint8Array[] = [];
    for (let start = 0, n = size; n > 1;) {
      const k = splitPoint(n);
      if (index - start < k) {
        path.unshift(plain(n - k));
        n = k;
      } else {
        path.unshift(plain(k));
        start += k;
        n -= k;
      }
    }
    return path;
  };

  it.each([
    [2 ** 31 - 1, 2 ** 31 + 7],
    [2 ** 32 - 1, 2 ** 32],
    [2 ** 32 + 3, 2 ** 32 + 10],
    [2 ** 53 - 3, 2 ** 53 - 1],
    [5, 2 ** 53 - 1],
  ])('verifies leaf %d of %d and rejects its neighbour', (index, size) => {
    const root = withMark(0, size, index);
    expect(code(() => verifyInclusion(sha, index, size, marked, pathOf(index, size), root))).toBe('verified');
    expect(code(() => verifyInclusion(sha, index - 1, size, marked, pathOf(index, size), root))).toBe('BAD_PROOF');
  });

  it.each([
    [2 ** 31, 2 ** 32 + 1],
    [2 ** 32 - 1, 2 ** 32 + 5],
    [2 ** 32 + 1, 2 ** 53 - 1],
  ])('verifies consistency %d -> %d', (m, n) => {
    const sub = (mm: number, nn: number, complete: boolean): Uint8Array[] => {
      if (mm === nn) return complete ? [] : [plain(nn)];
      const k = splitPoint(nn);
      return mm <= k ? [...sub(mm, k, complete), plain(nn - k)] : [...sub(mm - k, nn - k, false), plain(k)];
    };
    expect(code(() => verifyConsistency(sha, m, n, sub(m, n, true), plain(m), plain(n)))).toBe('verified');
    expect(code(() => verifyConsistency(sha, m, n, sub(m, n, true), plain(m + 1), plain(n)))).toBe('BAD_PROOF');
  });
});
