/** Computes tree states of the replica from stored checkpoint peaks and stored leaf hashes, in bounded chunks. */
import type { Sha256 } from '../../shared/ledger/index.ts';
import { CompactRange, LedgerError } from '../../shared/ledger/index.ts';
import type { BulkReader } from './bulk-read.ts';
import type { Store } from './store.ts';
import { unpackPeaks } from './fast-hash.ts';

const CHUNK = 65536;

/** Reads tree states of one replica. */
export class TreeReader {
  private readonly store: Store;
  private readonly bulk: BulkReader;
  private readonly sha: Sha256;

  constructor(store: Store, bulk: BulkReader, sha: Sha256) {
    this.store = store;
    this.bulk = bulk;
    this.sha = sha;
  }

  /** Extends `base` to `size` by appending the stored leaf hashes [base.size, size); throws GAP if rows are missing. */
  extend(base: CompactRange, size: number): CompactRange {
    const range = base.clone();
    for (let start = range.size; start < size; start = Math.min(start + CHUNK, size)) {
      const end = Math.min(start + CHUNK, size);
      const hashes = this.bulk.hashes(start, end);
      if (hashes === null)
        throw new LedgerError('GAP', `entries between ${start} and ${end} are missing or malformed`, start);
      for (let i = 0; i < end - start; i++) range.append(hashes.subarray(i * 32, i * 32 + 32));
    }
    return range;
  }

  /** The compact range at `size` (≤ received size): nearest stored checkpoint at or below it, then stored hashes. */
  rangeAt(size: number): CompactRange {
    const cp = this.store.checkpointAtOrBelow(size);
    const base = cp === null ? new CompactRange(this.sha) : new CompactRange(this.sha, cp.size, unpackPeaks(cp.peaks));
    return this.extend(base, size);
  }
}
