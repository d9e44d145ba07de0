/**
 * RFC 6962 Merkle tree hashing and the compact range: the peaks of the perfect subtrees covering [0, size), enough to
 * append in about two hash calls and to compute the root at any size. Index math uses division, never `>>`/`&`, which
 * truncate to 32 bits; sizes are safe integers.
 */
import type { Sha256 } from './hash.ts';
import { HASH_BYTES } from './hash.ts';
import { LedgerError } from './errors.ts';

/** RFC 6962 leaf hash: SHA-256(0x00 ‖ leaf bytes). */
export function leafHash(sha: Sha256, bytes: Uint8Array): Uint8Array {
  const buf = new Uint8Array(bytes.length + 1);
  buf.set(bytes, 1);
  return sha(buf);
}

/** RFC 6962 interior node hash: SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(sha: Sha256, left: Uint8Array, right: Uint8Array): Uint8Array {
  const buf = new Uint8Array(1 + left.length + right.length);
  buf[0] = 1;
  buf.set(left, 1);
  buf.set(right, 1 + left.length);
  return sha(buf);
}

/** Root of the empty tree: SHA-256 of the empty string. */
export function emptyRoot(sha: Sha256): Uint8Array {
  return sha(new Uint8Array(0));
}

/** Number of set bits of a safe non-negative integer (the number of peaks of a compact range of that size). */
export function popcount(n: number): number {
  let count = 0;
  for (let x = n; x > 0; x = Math.floor(x / 2)) count += x % 2;
  return count;
}

/** Number of trailing zero bits of a positive safe integer (the height of the largest subtree aligned at n). */
export function trailingZeros(n: number): number {
  let count = 0;
  for (let x = n; x > 0 && x % 2 === 0; x = x / 2) count++;
  return count;
}

/** Heights of the peaks of [0, size), largest first (one per set bit). */
export function peakHeights(size: number): number[] {
  const heights: number[] = [];
  for (let h = 0, x = size; x > 0; h++, x = Math.floor(x / 2)) if (x % 2 === 1) heights.unshift(h);
  return heights;
}

function checkSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0)
    throw new LedgerError('SIZE_MISMATCH', `tree size ${size} is not a non-negative safe integer`);
}

/** The peaks of the perfect subtrees covering leaves [0, size), largest (leftmost) first. */
export class CompactRange {
  readonly sha: Sha256;
  size: number;
  peaks: Uint8Array[];

  /** Starts empty, or from a stored state whose peak count must equal popcount(size). */
  constructor(sha: Sha256, size = 0, peaks: Uint8Array[] = []) {
    checkSize(size);
    if (peaks.length !== popcount(size)) {
      throw new LedgerError(
        'SIZE_MISMATCH',
        `a compact range of size ${size} has ${popcount(size)} peaks, not ${peaks.length}`,
      );
    }
    if (peaks.some((p) => p.length !== HASH_BYTES))
      throw new LedgerError('SIZE_MISMATCH', 'every peak must be a 32-byte hash');
    this.sha = sha;
    this.size = size;
    this.peaks = peaks.slice();
  }

  /** Appends one leaf hash (merging equal-height peaks as a binary counter carries). */
  append(leafHashValue: Uint8Array): void {
    this.appendSubtree(leafHashValue, 0);
  }

  /** Appends the root of a perfect subtree of 2^height leaves; the current size must be a multiple of 2^height. */
  appendSubtree(hash: Uint8Array, height: number): void {
    const width = 2 ** height;
    if (this.size % width !== 0) {
      throw new LedgerError(
        'SIZE_MISMATCH',
        `a subtree of ${width} leaves cannot start at unaligned index ${this.size}`,
      );
    }
    if (this.size + width > Number.MAX_SAFE_INTEGER)
      throw new LedgerError('SIZE_MISMATCH', 'tree size would exceed 2^53 - 1');
    let h = hash;
    for (let s = this.size / width; s % 2 === 1; s = Math.floor(s / 2)) {
      const left = this.peaks.pop();
      if (left === undefined)
        throw new LedgerError('SIZE_MISMATCH', 'compact range peaks are inconsistent with its size');
      h = nodeHash(this.sha, left, h);
    }
    this.peaks.push(h);
    this.size += width;
  }

  /** Appends a range that starts where this one ends (`other` describes [this.size, this.size + other.size) by its peaks). */
  merge(other: CompactRange): void {
    const heights = peakHeights(other.size);
    heights.forEach((height, i) => {
      const peak = other.peaks[i];
      if (peak === undefined)
        throw new LedgerError('SIZE_MISMATCH', 'merged range peaks are inconsistent with its size');
      this.appendSubtree(peak, height);
    });
  }

  /** The RFC 6962 root of [0, size): peaks folded right to left; the empty root when size is 0. */
  root(): Uint8Array {
    let acc = this.peaks[this.peaks.length - 1];
    if (acc === undefined) return emptyRoot(this.sha);
    for (let i = this.peaks.length - 2; i >= 0; i--) acc = nodeHash(this.sha, this.peaks[i] as Uint8Array, acc);
    return acc;
  }

  /** An independent copy (peaks are never mutated in place, so sharing the arrays' elements is safe). */
  clone(): CompactRange {
    return new CompactRange(this.sha, this.size, this.peaks);
  }
}

/** RFC 6962 Merkle tree hash of a list of leaf hashes. */
export function rootOf(sha: Sha256, leafHashes: readonly Uint8Array[]): Uint8Array {
  const range = new CompactRange(sha);
  for (const h of leafHashes) range.append(h);
  return range.root();
}
