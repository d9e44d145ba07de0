/**
 * RFC 9162 §2.1.3 inclusion and §2.1.4 consistency proofs: generation from leaf hashes and verification. All index
 * arithmetic uses Math.floor(x / 2) and x % 2 so it stays exact up to 2^53 (JavaScript `>>` and `&` are 32-bit).
 */
import type { Sha256 } from './hash.ts';
import { HASH_BYTES, bytesEqual } from './hash.ts';
import { LedgerError } from './errors.ts';
import { emptyRoot, nodeHash } from './merkle.ts';

/** Returns the leaf hash at index i (from memory, a database, …). */
export type LeafHashAt = (i: number) => Uint8Array;

function badProof(detail: string): never {
  throw new LedgerError('BAD_PROOF', detail);
}

/** Largest power of two strictly smaller than n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isSafeSize(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/** Root of the subtree over leaves [start, start + n), n ≥ 1 (O(n) hashing). */
export function subtreeHash(sha: Sha256, leafHashAt: LeafHashAt, start: number, n: number): Uint8Array {
  if (n === 1) return leafHashAt(start);
  const k = splitPoint(n);
  return nodeHash(sha, subtreeHash(sha, leafHashAt, start, k), subtreeHash(sha, leafHashAt, start + k, n - k));
}

/** Hash of the subtree over leaves [start, start + n), however the caller computes or caches it. */
export type SubtreeHashAt = (start: number, n: number) => Uint8Array;

/** The RFC 9162 audit path of leaf `index` in a tree of `size` leaves, bottom-up, from any subtree-hash source. */
export function auditPathOf(subtree: SubtreeHashAt, index: number, size: number): Uint8Array[] {
  if (!isSafeSize(size) || !isSafeSize(index) || index >= size) badProof(`no leaf ${index} in a tree of size ${size}`);
  const path: Uint8Array[] = [];
  let start = 0;
  let n = size;
  let m = index;
  while (n > 1) {
    const k = splitPoint(n);
    if (m < k) {
      path.unshift(subtree(start + k, n - k));
      n = k;
    } else {
      path.unshift(subtree(start, k));
      start += k;
      m -= k;
      n -= k;
    }
  }
  return path;
}

/** The audit path of leaf `index` in the tree of `size` leaves, bottom-up. */
export function inclusionProof(sha: Sha256, leafHashAt: LeafHashAt, index: number, size: number): Uint8Array[] {
  return auditPathOf((start, n) => subtreeHash(sha, leafHashAt, start, n), index, size);
}

function checkElements(proof: readonly Uint8Array[]): void {
  if (proof.length > 64) badProof('a proof has more than 64 elements');
  if (proof.some((p) => p.length !== HASH_BYTES)) badProof('every proof element must be 32 bytes');
}

/** Checks that `leafHash` sits at `index` in the tree of `size` whose root is `root`; throws BAD_PROOF. */
export function verifyInclusion(
  sha: Sha256,
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  if (!isSafeSize(size) || !isSafeSize(index) || index >= size) badProof(`no leaf ${index} in a tree of size ${size}`);
  checkElements(proof);
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) badProof('the inclusion proof is too long');
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(sha, p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = fn / 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(sha, r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) badProof('the inclusion proof is too short');
  if (!bytesEqual(r, root)) badProof('the inclusion proof does not lead to the expected root');
}

function subproof(sha: Sha256, at: LeafHashAt, start: number, m: number, n: number, complete: boolean): Uint8Array[] {
  if (m === n) return complete ? [] : [subtreeHash(sha, at, start, n)];
  const k = splitPoint(n);
  if (m <= k) return [...subproof(sha, at, start, m, k, complete), subtreeHash(sha, at, start + k, n - k)];
  return [...subproof(sha, at, start + k, m - k, n - k, false), subtreeHash(sha, at, start, k)];
}

/** The proof that the tree of `oldSize` leaves is a prefix of the tree of `newSize` leaves (empty when trivial). */
export function consistencyProof(sha: Sha256, leafHashAt: LeafHashAt, oldSize: number, newSize: number): Uint8Array[] {
  if (!isSafeSize(oldSize) || !isSafeSize(newSize) || oldSize > newSize)
    badProof(`no consistency proof from ${oldSize} to ${newSize}`);
  if (oldSize === 0 || oldSize === newSize) return [];
  return subproof(sha, leafHashAt, 0, oldSize, newSize, true);
}

function checkTrivial(
  sha: Sha256,
  oldSize: number,
  newSize: number,
  proof: readonly Uint8Array[],
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
): boolean {
  if (!isSafeSize(oldSize) || !isSafeSize(newSize) || oldSize > newSize)
    badProof(`a tree of size ${newSize} cannot extend one of size ${oldSize}`);
  checkElements(proof);
  if (oldSize === newSize) {
    if (proof.length !== 0) badProof('equal sizes need an empty proof');
    if (!bytesEqual(oldRoot, newRoot)) badProof('equal sizes with different roots');
    return true;
  }
  if (oldSize === 0) {
    if (proof.length !== 0) badProof('growing from the empty tree needs an empty proof');
    if (!bytesEqual(oldRoot, emptyRoot(sha))) badProof('the root of the empty tree must be SHA-256("")');
    return true;
  }
  if (proof.length === 0) badProof('a non-trivial consistency proof cannot be empty');
  return false;
}

/** Checks that `newRoot` (size newSize) extends `oldRoot` (size oldSize); throws BAD_PROOF. */
export function verifyConsistency(
  sha: Sha256,
  oldSize: number,
  newSize: number,
  proof: readonly Uint8Array[],
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
): void {
  if (checkTrivial(sha, oldSize, newSize, proof, oldRoot, newRoot)) return;
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : proof.slice();
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0] as Uint8Array;
  let sr = fr;
  for (const c of path.slice(1)) {
    if (sn === 0) badProof('the consistency proof is too long');
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(sha, c, fr);
      sr = nodeHash(sha, c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = fn / 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sha, sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) badProof('the consistency proof is too short');
  if (!bytesEqual(fr, oldRoot)) badProof('the consistency proof does not reproduce the old root');
  if (!bytesEqual(sr, newRoot)) badProof('the consistency proof does not reproduce the new root');
}

/** True when n is an exact power of two (its tree is one perfect subtree, so its root starts the proof path). */
function isPowerOfTwo(n: number): boolean {
  let x = n;
  while (x % 2 === 0) x = x / 2;
  return x === 1;
}
