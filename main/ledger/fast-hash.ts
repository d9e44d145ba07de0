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

/** A compact range whose peaks live in one buffer; appends cost one hash call per carry, no allocation. */
export class FastRange {
  size = 0;
  private count = 0;
  private readonly peaks = Buffer.alloc(MAX_PEAKS * 32);
  private readonly scratch = Buffer.alloc(65);

  constructor() {
    this.scratch[0] = 1;
  }

  /** A range of `size` leaves from its peaks (largest first; their count must be popcount(size)). */
  static from(size: number, peaks: readonly Uint8Array[]): FastRange {
    const r = new FastRange();
    peaks.forEach((p, i) => r.peaks.set(p, i * 32));
    r.count = peaks.length;
    r.size = size;
    return r;
  }

  /** Appends the 32-byte leaf hash at src[off, off + 32). */
  append(src: Uint8Array, off: number): void {
    if (Buffer.isBuffer(src)) src.copy(this.peaks, this.count * 32, off, off + 32);
    else this.peaks.set(src.subarray(off, off + 32), this.count * 32);
    this.count++;
    for (let s = this.size; s % 2 === 1; s = Math.floor(s / 2)) {
      const left = (this.count - 2) * 32;
      this.peaks.copy(this.scratch, 1, left, left + 64);
      this.peaks.write(hash('sha256', this.scratch, 'binary'), left, 'latin1');
      this.count--;
    }
    this.size++;
  }

  /** Copies of the current peaks, largest first. */
  snapshot(): Uint8Array[] {
    return Array.from({ length: this.count }, (_, i) => new Uint8Array(this.peaks.subarray(i * 32, i * 32 + 32)));
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
