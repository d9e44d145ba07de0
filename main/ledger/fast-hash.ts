/**
 * Allocation-light RFC 6962 hashing for bulk work (ingest, full re-verification, the bench). crypto.hash with 'binary'
 * output is the fastest one-shot call on Node 22; results are written straight into preallocated buffers.
 */
import { hash } from 'node:crypto';
import type { Sha256 } from '../../shared/ledger/index.ts';
import { CompactRange, MAX_LEAF_BYTES } from '../../shared/ledger/index.ts';

const MAX_PEAKS = 64;

/** Hashes leaves as SHA-256(0x00 ‖ bytes) through one reusable scratch buffer. */
export class LeafHasher {
  private readonly scratch = Buffer.alloc(MAX_LEAF_BYTES + 1);

  /** The leaf hash of src[start, end) as a 32-char latin1 string (one char per byte). */
  hashRange(src: Uint8Array, start: number, end: number): string {
    if (Buffer.isBuffer(src)) src.copy(this.scratch, 1, start, end);
    else this.scratch.set(src.subarray(start, end), 1);
    return hash('sha256', this.scratch.subarray(0, end - start + 1), 'binary');
  }

  /** The leaf hash of `bytes` as a new 32-byte Buffer. */
  hash(bytes: Uint8Array): Buffer {
    return Buffer.from(this.hashRange(bytes, 0, bytes.length), 'latin1');
  }
}

/** True when the 32-char latin1 digest equals buf[off, off + 32). */
export function digestEquals(digest: string, buf: Uint8Array, off: number): boolean {
  for (let k = 0; k < 32; k++) if (digest.charCodeAt(k) !== buf[off + k]) return false;
  return true;
}

/**
 * The leaf hash of src[start, end) when the byte before `start` is scratch the caller gives up (bulk blocks: the
 * separator after the previous leaf): that byte becomes the 0x00 leaf prefix and the leaf is hashed where it lies,
 * without a copy.
 */
export function hashLeafInPlace(src: Uint8Array, start: number, end: number): string {
  src[start - 1] = 0;
  return hash('sha256', new Uint8Array(src.buffer, src.byteOffset + start - 1, end - start + 1), 'binary');
}

/**
 * A compact range whose peaks live in one buffer; appends cost one hash call per carry, no allocation. Byte 0 of the
 * buffer is the 0x01 node prefix and peak k sits at 1 + 32k, so two adjacent peaks are hashed where they lie (the byte
 * before the left one is set to 0x01 for the call and restored).
 */
export class FastRange {
  size = 0;
  private count = 0;
  private readonly peaks = new Uint8Array(1 + MAX_PEAKS * 32);
  /** nodes[k]: the 65 bytes hashed to merge peaks k and k+1 (made on first use, then reused). */
  private readonly nodes: Uint8Array[] = [];

  constructor() {
    this.peaks[0] = 1;
  }

  /** A range of `size` leaves from its peaks (largest first; their count must be popcount(size)). */
  static from(size: number, peaks: readonly Uint8Array[]): FastRange {
    const r = new FastRange();
    peaks.forEach((p, i) => r.peaks.set(p, 1 + i * 32));
    r.count = peaks.length;
    r.size = size;
    return r;
  }

  /** Appends the 32-byte leaf hash at src[off, off + 32). */
  append(src: Uint8Array, off: number): void {
    const peaks = this.peaks;
    const at = 1 + this.count * 32;
    for (let k = 0; k < 32; k++) peaks[at + k] = src[off + k] ?? 0;
    this.count++;
    for (let s = this.size; s % 2 === 1; s = Math.floor(s / 2)) {
      const k = this.count - 2;
      const left = 1 + k * 32;
      const node = this.nodes[k] ?? (this.nodes[k] = new Uint8Array(peaks.buffer, peaks.byteOffset + left - 1, 65));
      const saved = peaks[left - 1] ?? 0;
      peaks[left - 1] = 1;
      const digest = hash('sha256', node, 'binary');
      peaks[left - 1] = saved;
      for (let j = 0; j < 32; j++) peaks[left + j] = digest.charCodeAt(j);
      this.count--;
    }
    this.size++;
  }

  /** Copies of the current peaks, largest first. */
  snapshot(): Uint8Array[] {
    return Array.from({ length: this.count }, (_, i) => this.peaks.slice(1 + i * 32, 1 + i * 32 + 32));
  }

  /** The same range as a shared CompactRange (for merging and roots). */
  toCompactRange(sha: Sha256): CompactRange {
    return new CompactRange(sha, this.size, this.snapshot());
  }
}

/** Peaks serialised for storage: their concatenation. */
export function packPeaks(peaks: readonly Uint8Array[]): Buffer {
  return Buffer.concat(peaks);
}

/** Peaks read back from storage (length must be a multiple of 32). */
export function unpackPeaks(blob: Uint8Array): Uint8Array[] {
  if (blob.length % 32 !== 0) throw new RangeError('stored peaks are not a multiple of 32 bytes');
  return Array.from({ length: blob.length / 32 }, (_, i) => new Uint8Array(blob.subarray(i * 32, i * 32 + 32)));
}
