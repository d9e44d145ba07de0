/**
 * Full re-verification of a replica file: walks every verified row once (in aligned chunks across worker threads),
 * checks every stored checkpoint on the way and the state and high-water mark at the end, and reports the first
 * failing index with its code. Read-only: it never changes the database.
 */
import { availableParallelism } from 'node:os';
import { CompactRange, bytesEqual, toHex } from '../../shared/ledger/index.ts';
import type {
  ChunkResult,
  ChunkTask,
  FailedCheck,
  MarkCheck,
  VerifyMode,
  VerifyOptions,
  VerifyReport,
} from './verify-types.ts';
import type { CheckFailure, CheckedCheckpoint } from './verify-checks.ts';
import type { StateRow } from './store.ts';
import { checkEvidence, checkMark, checkNotes, checkStateShape } from './verify-checks.ts';
import { Store } from './store.ts';
import { BulkReader } from './bulk-read.ts';
import { TreeReader } from './tree-reader.ts';
import { openVerifyConnection } from './verify-db.ts';
import { packPeaks } from './fast-hash.ts';
import { runChunks } from './verify-pool.ts';
import { sha256 } from './node-crypto.ts';

// 4,096 rows (~1.3 MB of leaves) per SQLite aggregate read: measured fastest; larger blocks cost more in reallocations.
const DEFAULT_CHUNK = 4096;

/** Splits [0, size) into chunks aligned to `chunk` (a power of two), with the checkpoint sizes each must snapshot. */
export function planChunks(size: number, chunk: number, checkpointSizes: readonly number[]): ChunkTask[] {
  const tasks: ChunkTask[] = [];
  for (let start = 0; start < size; start += chunk) {
    const end = Math.min(start + chunk, size);
    tasks.push({ start, end, snapshotSizes: checkpointSizes.filter((s) => s > start && s <= end) });
  }
  return tasks;
}

/** Folds chunk results in index order, checking each checkpoint's root as the walk passes it. */
class Merger {
  readonly global = new CompactRange(sha256);
  failure: CheckFailure | null = null;
  checkpointsChecked = 0;
  private lastGood = 0;
  private next = 0;
  private readonly waiting = new Map<number, ChunkResult>();
  private readonly checkpoints: Map<number, CheckedCheckpoint>;
  private readonly maxIdx: number;

  constructor(checkpoints: Map<number, CheckedCheckpoint>, maxIdx: number) {
    this.checkpoints = checkpoints;
    this.maxIdx = maxIdx;
  }

  /** Accepts a result; true once a failure is pinned down (every earlier chunk done). */
  accept(index: number, result: ChunkResult): boolean {
    this.waiting.set(index, result);
    for (
      let r = this.waiting.get(this.next);
      r !== undefined && this.failure === null;
      r = this.waiting.get(this.next)
    ) {
      this.waiting.delete(this.next++);
      this.fold(r);
    }
    return this.failure !== null;
  }

  private fold(r: ChunkResult): void {
    for (const snap of r.snapshots) {
      if (r.failure !== null && snap.size > r.failure.idx) break;
      const range = this.global.clone();
      range.merge(new CompactRange(sha256, snap.size - r.start, snap.peaks));
      this.checkCheckpoint(snap.size, range);
      if (this.failure !== null) return;
    }
    if (r.failure !== null) {
      const truncated = r.failure.code === 'GAP' && r.failure.idx > this.maxIdx;
      this.failure = truncated
        ? {
            code: 'SIZE_MISMATCH',
            idx: r.failure.idx,
            detail: `the replica holds only ${r.failure.idx} entries but claims more verified (truncated)`,
          }
        : r.failure;
      return;
    }
    this.global.merge(new CompactRange(sha256, r.end - r.start, r.peaks));
  }

  /** Checks the checkpoint at `size` against the range computed from our rows. */
  checkCheckpoint(size: number, range: CompactRange): void {
    const cp = this.checkpoints.get(size);
    if (cp === undefined) return;
    if (cp.error !== null) {
      this.failure = cp.error;
      return;
    }
    if (!bytesEqual(range.root(), cp.row.root)) {
      this.failure = {
        code: 'ROOT_MISMATCH',
        idx: this.lastGood,
        detail: `the entries do not reproduce the signed root of checkpoint ${size}; the difference lies in [${this.lastGood}, ${size})`,
      };
      return;
    }
    if (!packPeaks(range.peaks).equals(cp.row.peaks)) {
      this.failure = {
        code: 'ROOT_MISMATCH',
        idx: null,
        detail: `the stored peaks of checkpoint ${size} do not match its tree`,
      };
      return;
    }
    this.lastGood = size;
    this.checkpointsChecked++;
  }
}

function report(
  base: Omit<VerifyReport, 'ok' | 'code' | 'idx' | 'detail' | 'failedCheck'>,
  failure: { check: FailedCheck; failure: CheckFailure } | null,
  okDetail: string,
): VerifyReport {
  if (failure === null) return { ok: true, code: null, idx: null, detail: okDetail, failedCheck: null, ...base };
  const f = failure.failure;
  return { ok: false, code: f.code, idx: f.idx, detail: f.detail, failedCheck: failure.check, ...base };
}

/** The first failure in precedence order: the file's own integrity, then the external mark, then stored evidence. */
function firstFailure(
  integrity: CheckFailure | null,
  mark: CheckFailure | MarkCheck,
  evidence: CheckFailure | null,
): { check: FailedCheck; failure: CheckFailure } | null {
  if (integrity !== null) return { check: 'integrity', failure: integrity };
  if (typeof mark === 'object') return { check: 'high-water-mark', failure: mark };
  if (evidence !== null) return { check: 'evidence', failure: evidence };
  return null;
}

function finalState(state: StateRow, merger: Merger): CheckFailure | null {
  if (state.verifiedSize > 0 && !bytesEqual(merger.global.root(), state.root)) {
    return {
      code: 'ROOT_MISMATCH',
      idx: null,
      detail: 'the root in the verification state does not match the entries',
    };
  }
  if (!packPeaks(merger.global.peaks).equals(state.peaks)) {
    return { code: 'ROOT_MISMATCH', idx: null, detail: 'the peaks in the verification state do not match the entries' };
  }
  return null;
}

/** Re-verifies the replica at `path` (see VerifyOptions); resolves to a report, rejects only on I/O or cancellation. */
export async function verifyReplicaFile(path: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const started = performance.now();
  const mode: VerifyMode = options.mode ?? 'deep';
  const db = openVerifyConnection(path);
  try {
    const store = new Store(db);
    // One read transaction: a sync appending and promoting meanwhile (the console's background check) cannot move the
    // state away from the checkpoints read with it. The rows below the verified size never change.
    const { state, rows, tip } = db.transaction(() => ({
      state: store.state(),
      rows: store.checkpoints(),
      tip: store.tip(),
    }))();
    if (state === null) throw new Error(`E_NOT_A_REPLICA: ${path} has no verification state`);
    const origin = options.origin ?? state.origin;
    const checkpoints = checkNotes(rows, origin, options.trustedKeys ?? store.keys());
    const pendingCount = Math.max(0, (tip === null ? 0 : tip.idx + 1) - state.verifiedSize);
    const merger = new Merger(checkpoints, tip === null ? -1 : tip.idx);
    const zero = checkpoints.get(0);
    if (zero !== undefined) merger.checkCheckpoint(0, new CompactRange(sha256));
    let failure =
      merger.failure ??
      (state.origin !== origin
        ? {
            code: 'ORIGIN_MISMATCH' as const,
            idx: null,
            detail: `the replica mirrors "${state.origin}", not "${origin}"`,
          }
        : null);
    if (failure === null) {
      const tasks = planChunks(
        state.verifiedSize,
        options.chunkSize ?? DEFAULT_CHUNK,
        [...checkpoints.keys()].sort((a, b) => a - b),
      );
      let done = 0;
      const onRows = (n: number): void => {
        done = Math.min(state.verifiedSize, done + n);
        options.onProgress?.({ done, total: state.verifiedSize });
      };
      // One chunk (≤ 4,096 entries by default, a few ms) runs inline: a worker's start-up would cost more than the work.
      const threads = options.threads ?? (tasks.length <= 1 ? 0 : Math.min(4, availableParallelism(), tasks.length));
      const background = options.background === true;
      await runChunks(tasks, { path, origin, mode, threads, background, signal: options.signal, onRows }, (i, r) =>
        merger.accept(i, r),
      );
      failure = merger.failure ?? checkStateShape(state, checkpoints) ?? finalState(state, merger);
    }
    const tree = new TreeReader(store, new BulkReader(db), sha256);
    // The mark is compared whatever the walk found: a restored older copy is worth naming even in a damaged file.
    const mark = checkMark(options.highWaterMark ?? null, state, origin, (n) => tree.rangeAt(n).root());
    const stored = checkEvidence(store.evidence(), state.halted);
    const decided = firstFailure(failure, mark, stored.failure);
    const base = {
      mode,
      origin,
      verifiedSize: state.verifiedSize,
      root: toHex(state.root),
      entriesChecked: failure === null ? state.verifiedSize : merger.global.size,
      checkpointsChecked: merger.checkpointsChecked,
      pendingCount,
      highWaterMark: typeof mark === 'object' ? ('failed' as const) : mark,
      trust: options.trustedKeys === undefined ? ('replica' as const) : ('external' as const),
      evidence: stored.evidence,
      elapsedMs: Math.round(performance.now() - started),
    };
    return report(
      base,
      decided,
      `verified ${state.verifiedSize} entries and ${merger.checkpointsChecked} checkpoints (${mode})`,
    );
  } finally {
    db.close();
  }
}
