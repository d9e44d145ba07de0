/**
 * Verifies one aligned chunk of entries: contiguity, and in deep mode canonical form, log, idx, prev and leaf hashes,
 * building the chunk's compact range and snapshots at checkpoint sizes. The bulk path reads the chunk in one SQLite
 * row; any surprise re-runs the chunk through the per-row path, which is the authority on which index failed and why.
 */
import type Database from 'better-sqlite3';
import type { FastLeafExpectation } from '../../shared/ledger/index.ts';
import { LedgerError, acceptLeafFast, encodeLogForScan, parseLeafBytes, toHex } from '../../shared/ledger/index.ts';
import type { ChunkResult, ChunkTask, Snapshot, VerifyMode } from './verify-types.ts';
import { BulkReader } from './bulk-read.ts';
import { FastRange, LeafHasher, digestEquals, hashLeafInPlace } from './fast-hash.ts';
import type { HashTurn } from './hash-turn.ts';

const PROGRESS_EVERY = 16384;

class Failure extends Error {
  readonly result: { code: LedgerError['code']; idx: number; detail: string };
  constructor(code: LedgerError['code'], idx: number, detail: string) {
    super(detail);
    this.result = { code, idx, detail };
  }
}

/** Checks chunks of one replica file (one instance per thread). */
export class ChunkVerifier {
  private readonly bulk: BulkReader;
  private readonly rows: Database.Statement;
  private readonly hashAt: Database.Statement;
  private readonly hasher = new LeafHasher();
  private readonly expect: FastLeafExpectation;
  private readonly origin: string;
  private readonly mode: VerifyMode;
  private readonly onRows: (n: number) => void;
  private readonly turn: HashTurn | null;

  /** `turn`: taken around each deep chunk's hashing when several threads verify at once (see HashTurn). */
  constructor(
    db: Database.Database,
    origin: string,
    mode: VerifyMode,
    onRows: (n: number) => void = () => undefined,
    turn: HashTurn | null = null,
  ) {
    this.turn = turn;
    this.bulk = new BulkReader(db);
    this.rows = db
      .prepare('SELECT idx, leaf, leaf_hash FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx')
      .raw(true);
    this.hashAt = db.prepare('SELECT leaf_hash FROM entries WHERE idx = ?').pluck(true);
    this.origin = origin;
    this.mode = mode;
    this.onRows = onRows;
    this.expect = { logJson: encodeLogForScan(origin), idx: 0, prevHash: null };
  }

  /** Verifies one chunk. */
  run(task: ChunkTask): ChunkResult {
    const fast = this.mode === 'deep' ? this.fastDeep(task) : this.fastQuick(task);
    return fast ?? this.perRow(task);
  }

  private prevHashOf(start: number): Buffer | null {
    if (start === 0) return null;
    const h: unknown = this.hashAt.get(start - 1);
    return Buffer.isBuffer(h) && h.length === 32 ? h : null;
  }

  private checkLeaf(
    bytes: Uint8Array,
    s: number,
    e: number,
    idx: number,
    prevHash: Uint8Array | null,
    prevOffset = 0,
  ): void {
    this.expect.idx = idx;
    this.expect.prevHash = prevHash;
    this.expect.prevOffset = prevOffset;
    if (acceptLeafFast(bytes, s, e, this.expect)) return;
    try {
      const prev = prevHash === null ? '' : toHex(prevHash.subarray(prevOffset, prevOffset + 32));
      parseLeafBytes(bytes.subarray(s, e), { log: this.origin, idx, prev });
    } catch (err) {
      if (err instanceof LedgerError) throw new Failure(err.code, idx, err.detail);
      throw err;
    }
  }

  /**
   * Bulk deep path; null means "use the per-row path" (structure surprise or a failure to pin down). Two passes over
   * the block: the canonical checks (no hashing), then, holding the hash turn, the leaf hashes and the tree.
   */
  private fastDeep(task: ChunkTask): ChunkResult | null {
    const block = this.bulk.leaves(task.start, task.end);
    if (block === null) return null;
    const { leaves, offsets, hashes } = block;
    const n = task.end - task.start;
    try {
      for (let i = 0; i < n; i++) {
        const s = offsets[i] ?? 0;
        const e = (offsets[i + 1] ?? 0) - 1;
        if (i === 0) this.checkLeaf(leaves, s, e, task.start, this.prevHashOf(task.start));
        else this.checkLeaf(leaves, s, e, task.start + i, hashes, (i - 1) * 32);
      }
    } catch (err) {
      if (err instanceof Failure) return null;
      throw err;
    }
    const hashed = this.hashing(() => {
      const range = new FastRange();
      const snaps = new SnapshotCursor(task);
      if (!digestEquals(this.hasher.hashRange(leaves, offsets[0] ?? 0, (offsets[1] ?? 0) - 1), hashes, 0)) return null;
      this.appendAndSnap(range, hashes, 0, snaps, task.start);
      // The digests of the other leaves are joined and compared with the stored hashes once for the chunk (one flat
      // string comparison instead of 32 character reads per leaf); a mismatch anywhere sends the chunk to the per-row
      // path, which names the index. The tree is built from the stored hashes meanwhile and dropped on a mismatch.
      let digests = '';
      for (let i = 1; i < n; i++) {
        // The newline before each leaf but the first becomes its hash prefix (every check above is done).
        digests += hashLeafInPlace(leaves, offsets[i] ?? 0, (offsets[i + 1] ?? 0) - 1);
        this.appendAndSnap(range, hashes, i, snaps, task.start + i);
      }
      if (digests !== hashes.toString('latin1', 32, n * 32)) return null;
      return { peaks: range.snapshot(), snapshots: snaps.taken };
    });
    if (hashed === null) return null;
    this.onRows(n % PROGRESS_EVERY);
    return { start: task.start, end: task.end, peaks: hashed.peaks, snapshots: hashed.snapshots, failure: null };
  }

  /** Runs a batch of hashing, holding the turn when there is one. */
  private hashing<T>(fn: () => T): T {
    return this.turn === null ? fn() : this.turn.run(fn);
  }

  private fastQuick(task: ChunkTask): ChunkResult | null {
    const hashes = this.bulk.hashes(task.start, task.end);
    if (hashes === null) return null;
    const range = new FastRange();
    const snaps = new SnapshotCursor(task);
    // No turn here: with nothing but hashing to do, threads hashing at once still finish sooner than taking turns.
    for (let i = 0; i < task.end - task.start; i++) this.appendAndSnap(range, hashes, i, snaps, task.start + i);
    this.onRows((task.end - task.start) % PROGRESS_EVERY);
    return { start: task.start, end: task.end, peaks: range.snapshot(), snapshots: snaps.taken, failure: null };
  }

  private appendAndSnap(range: FastRange, hashes: Uint8Array, i: number, snaps: SnapshotCursor, idx: number): void {
    range.append(hashes, i * 32);
    snaps.after(idx + 1, range);
    if ((i + 1) % PROGRESS_EVERY === 0) this.onRows(PROGRESS_EVERY);
  }

  /** The authoritative per-row path: finds the first failing index and its code. */
  private perRow(task: ChunkTask): ChunkResult {
    const range = new FastRange();
    const snaps = new SnapshotCursor(task);
    let expected = task.start;
    let prev = this.prevHashOf(task.start);
    let failure: ChunkResult['failure'] = null;
    try {
      for (const row of this.rows.iterate(task.start, task.end) as IterableIterator<unknown[]>) {
        const [idx, leaf, hash] = row;
        if (idx !== expected)
          throw new Failure('GAP', expected, `entry ${expected} is missing (the next stored entry is ${String(idx)})`);
        if (!Buffer.isBuffer(hash) || hash.length !== 32)
          throw new Failure(
            'LEAF_HASH_MISMATCH',
            expected,
            `the stored leaf hash of entry ${expected} is not 32 bytes`,
          );
        if (this.mode === 'deep') this.deepRow(leaf, hash, expected, prev);
        this.appendAndSnap(range, hash, 0, snaps, expected);
        prev = hash;
        expected++;
      }
      if (expected < task.end) throw new Failure('GAP', expected, `entry ${expected} is missing`);
    } catch (err) {
      if (!(err instanceof Failure)) throw err;
      failure = err.result;
    }
    return { start: task.start, end: task.end, peaks: range.snapshot(), snapshots: snaps.taken, failure };
  }

  private deepRow(leaf: unknown, hash: Buffer, idx: number, prev: Buffer | null): void {
    const bytes = Buffer.isBuffer(leaf) ? leaf : typeof leaf === 'string' ? Buffer.from(leaf, 'utf8') : null;
    if (bytes === null) throw new Failure('MALFORMED_LEAF', idx, `entry ${idx} holds no leaf bytes`);
    this.checkLeaf(bytes, 0, bytes.length, idx, prev);
    if (!digestEquals(this.hasher.hashRange(bytes, 0, bytes.length), hash, 0)) {
      throw new Failure(
        'LEAF_HASH_MISMATCH',
        idx,
        `the leaf bytes of entry ${idx} do not hash to its stored leaf hash`,
      );
    }
  }
}

/** Takes peak snapshots when the range reaches each checkpoint size inside the chunk. */
class SnapshotCursor {
  readonly taken: Snapshot[] = [];
  private readonly sizes: number[];
  private next = 0;

  constructor(task: ChunkTask) {
    this.sizes = task.snapshotSizes;
  }

  after(size: number, range: FastRange): void {
    while (this.next < this.sizes.length && this.sizes[this.next] === size) {
      this.taken.push({ size, peaks: range.snapshot() });
      this.next++;
    }
  }
}
