/** All leaf hashes of the log in one growable buffer (32 bytes each): proofs read them by index without the database. */

const HASH = 32;

/** An append-only list of 32-byte hashes. */
export class HashList {
  private buf = new Uint8Array(HASH * 1024);
  private count = 0;

  /** Number of hashes held. */
  get size(): number {
    return this.count;
  }

  /** Appends one 32-byte hash (copied). */
  push(hash: Uint8Array): void {
    if (hash.length !== HASH) throw new RangeError('a leaf hash is 32 bytes');
    if ((this.count + 1) * HASH > this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf.set(hash, this.count * HASH);
    this.count++;
  }

  /** The hash at index i (a view; do not mutate). */
  at(i: number): Uint8Array {
    if (!Number.isSafeInteger(i) || i < 0 || i >= this.count) throw new RangeError(`no leaf hash at ${i}`);
    return this.buf.subarray(i * HASH, (i + 1) * HASH);
  }
}
