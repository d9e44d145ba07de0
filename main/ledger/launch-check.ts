/**
 * The cheap half of the launch check: what must hold before anything new is appended to a replica, in time that does
 * not grow with the ledger. It proves that the state the next append builds on is the one the log signed:
 *   - every stored checkpoint note is signed by a trusted key for its stored size and root, and its stored peaks fold
 *     to that root (so the peaks an append extends cannot be forged without breaking a signature);
 *   - the verification state points at the largest checkpoint, with its root and peaks;
 *   - the stored leaf hashes since the previous checkpoint extend its peaks to the last checkpoint's signed root;
 *   - the tail since the verified size (received, not yet covered by a checkpoint, promoted by the next one) passes
 *     the deep checks: canonical form, log, idx, `prev` chained onto the last verified leaf, leaf hash.
 * Opening the replica (Replica.open) adds the log origin, the high-water mark against the stored state and the
 * presence of every verified row. What only the deep check (verifyReplicaFile) proves: that every older row's bytes,
 * order and hash are the ones the log signed — a row edited, swapped or deleted below the previous checkpoint leaves
 * every signed root above intact, so the console runs that check in the background (see background-check.ts).
 */
import type { TrustedKey } from '../../shared/ledger/index.ts';
import { CompactRange, LedgerError, bytesEqual } from '../../shared/ledger/index.ts';
import { BulkReader } from './bulk-read.ts';
import { ChunkVerifier } from './verify-chunk.ts';
import { checkNotes, checkStateShape, type CheckFailure } from './verify-checks.ts';
import { openVerifyConnection } from './verify-db.ts';
import { FastRange, unpackPeaks } from './fast-hash.ts';
import { sha256 } from './node-crypto.ts';
import { Store, type CheckpointRow } from './store.ts';

/** Entries per bulk read of the checked ranges. */
const CHUNK = 16384;

/** What the cheap check covered, for logs and the bench. */
export interface CheapCheckResult {
  failure: CheckFailure | null;
  verifiedSize: number;
  /** Entries whose stored leaf hashes were folded to the last signed root (since the previous checkpoint). */
  hashesChecked: number;
  /** Entries beyond the verified size checked in deep mode. */
  tailChecked: number;
}

function peaksFailure(row: CheckpointRow): CheckFailure | null {
  try {
    const range = new CompactRange(sha256, row.size, unpackPeaks(row.peaks));
    if (bytesEqual(range.root(), row.root)) return null;
  } catch (err) {
    if (!(err instanceof LedgerError) && !(err instanceof RangeError)) throw err;
  }
  return {
    code: 'ROOT_MISMATCH',
    idx: null,
    detail: `the stored peaks of checkpoint ${row.size} do not match its tree`,
  };
}

/** Folds the stored leaf hashes [base.size, size) onto `base`; null when rows are missing or malformed. */
function extend(bulk: BulkReader, base: CompactRange, size: number): CompactRange | null {
  const range = FastRange.from(base.size, base.peaks);
  for (let start = base.size; start < size; start = Math.min(start + CHUNK, size)) {
    const end = Math.min(start + CHUNK, size);
    const hashes = bulk.hashes(start, end);
    if (hashes === null) return null;
    for (let i = 0; i < end - start; i++) range.append(hashes, i * 32);
  }
  return range.toCompactRange(sha256);
}

/**
 * Runs the cheap check on the replica file at `path` (read-only, its own connection). `origin` and `trustedKeys` are
 * what the caller trusts (the profile's, or the sync's). A failure here is certain but not always the first failing
 * index: callers that need the verdict run the deep check to name it.
 */
export function cheapCheck(path: string, origin: string, trustedKeys: readonly TrustedKey[]): CheapCheckResult {
  const db = openVerifyConnection(path);
  try {
    const store = new Store(db);
    // One read transaction: a sync writing meanwhile cannot move the state between these reads.
    const { state, rows, tip } = db.transaction(() => ({
      state: store.state(),
      rows: store.checkpoints(),
      tip: store.tip(),
    }))();
    if (state === null) throw new Error(`E_NOT_A_REPLICA: ${path} has no verification state`);
    const result = { failure: null, verifiedSize: state.verifiedSize, hashesChecked: 0, tailChecked: 0 };
    const fail = (failure: CheckFailure): CheapCheckResult => ({ ...result, failure });
    if (state.origin !== origin)
      return fail({
        code: 'ORIGIN_MISMATCH',
        idx: null,
        detail: `the replica mirrors "${state.origin}", not "${origin}"`,
      });
    const checkpoints = checkNotes(rows, origin, trustedKeys);
    for (const cp of checkpoints.values()) {
      const f = cp.error ?? peaksFailure(cp.row);
      if (f !== null) return fail(f);
    }
    const shape = checkStateShape(state, checkpoints);
    if (shape !== null) return fail(shape);
    const top = checkpoints.get(state.verifiedSize)?.row;
    if (top !== undefined && (!bytesEqual(top.root, state.root) || !top.peaks.equals(state.peaks)))
      return fail({ code: 'ROOT_MISMATCH', idx: null, detail: 'the verification state does not match its checkpoint' });
    if (state.verifiedSize === 0 && state.peaks.length !== 0)
      return fail({
        code: 'ROOT_MISMATCH',
        idx: null,
        detail: 'the peaks in the verification state do not match the entries',
      });
    // The previous checkpoint's peaks (bound to its signed root above) extended by the stored leaf hashes since.
    const below = rows.filter((r) => r.size < state.verifiedSize).at(-1);
    const base =
      below === undefined ? new CompactRange(sha256) : new CompactRange(sha256, below.size, unpackPeaks(below.peaks));
    const from = base.size;
    const bulk = new BulkReader(db);
    if (top !== undefined) {
      const range = extend(bulk, base, state.verifiedSize);
      if (range === null)
        return fail({
          code: 'GAP',
          idx: from,
          detail: `entries between ${from} and ${state.verifiedSize} are missing or malformed`,
        });
      if (!bytesEqual(range.root(), top.root))
        return fail({
          code: 'ROOT_MISMATCH',
          idx: from,
          detail: `the entries do not reproduce the signed root of checkpoint ${state.verifiedSize}; the difference lies in [${from}, ${state.verifiedSize})`,
        });
    }
    result.hashesChecked = state.verifiedSize - from;
    // The tail the next checkpoint will promote from its stored hashes: deep, chained onto the last verified leaf.
    const received = tip === null ? 0 : tip.idx + 1;
    const verifier = new ChunkVerifier(db, origin, 'deep');
    for (let start = state.verifiedSize; start < received; start = Math.min(start + CHUNK, received)) {
      const r = verifier.run({ start, end: Math.min(start + CHUNK, received), snapshotSizes: [] });
      if (r.failure !== null) return fail(r.failure);
    }
    result.tailChecked = Math.max(0, received - state.verifiedSize);
    return result;
  } finally {
    db.close();
  }
}
