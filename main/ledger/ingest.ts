/**
 * Entry ingestion: validates each leaf against the pinned log, its index and the previous leaf's hash, appends it at
 * the tip, treats identical re-deliveries as replays, holds entries beyond a gap, and turns a contradicting copy of a
 * held index into equivocation evidence. A batch runs in one transaction; the valid prefix of a batch is kept.
 */
import {
  LedgerError,
  MAX_LEAF_BYTES,
  acceptLeafFast,
  encodeLogForScan,
  isWellFormedText,
  parseLeafBytes,
  toHex,
} from '../../shared/ledger/index.ts';
import type { AppendResult, IncomingEntry, LedgerProblem } from './replica-types.ts';
import type { LeafRecord, Store } from './store.ts';
import { LeafHasher } from './fast-hash.ts';

/** The tip of the received log: its size and the hash of its last leaf. */
export interface Tip {
  size: number;
  lastHash: Buffer | null;
}

/** Mutable state of one batch. */
interface BatchState {
  tip: Tip;
  result: AppendResult;
  stop: boolean;
  /** Validated entries not yet written (flushed in multi-row inserts, and before any read of entries). */
  rows: LeafRecord[];
  /** Whether any out-of-order entry may be held (avoids a lookup after every append). */
  anyHeld: boolean;
}

function toBytes(leaf: string | Uint8Array, idx: number): Buffer {
  if (typeof leaf !== 'string') return Buffer.from(leaf.buffer, leaf.byteOffset, leaf.byteLength);
  // A lone surrogate would be silently replaced by U+FFFD on encoding, changing the leaf; refuse it instead.
  if (!isWellFormedText(leaf)) throw new LedgerError('NOT_CANONICAL', 'the leaf text contains a lone surrogate', idx);
  return Buffer.from(leaf, 'utf8');
}

function problemOf(err: unknown, idx: number): LedgerProblem {
  if (err instanceof LedgerError) return { code: err.code, idx: err.idx ?? idx, detail: err.detail };
  throw err;
}

/** Validates and appends entries for one replica. */
export class Ingestor {
  private readonly store: Store;
  private readonly origin: string;
  private readonly logJson: Uint8Array;
  private readonly hasher = new LeafHasher();

  constructor(store: Store, origin: string) {
    this.store = store;
    this.origin = origin;
    this.logJson = encodeLogForScan(origin);
  }

  /** Checks one leaf for position idx after a leaf whose hash is `prevHash`; throws a coded LedgerError. */
  check(bytes: Uint8Array, idx: number, prevHash: Buffer | null): void {
    if (bytes.length > MAX_LEAF_BYTES)
      throw new LedgerError('OVERSIZE_ENTRY', `the leaf is larger than ${MAX_LEAF_BYTES} bytes`, idx);
    if (acceptLeafFast(bytes, 0, bytes.length, { logJson: this.logJson, idx, prevHash })) return;
    parseLeafBytes(bytes, { log: this.origin, idx, prev: prevHash === null ? '' : toHex(prevHash) });
  }

  /** Applies a batch inside the caller's transaction; returns the new tip and the result. */
  apply(
    batch: readonly IncomingEntry[],
    tip: Tip,
    verifiedSize: number,
    now: number,
  ): { tip: Tip; result: AppendResult } {
    const result: AppendResult = {
      appended: 0,
      replayed: 0,
      held: 0,
      receivedSize: tip.size,
      verifiedSize,
      gap: null,
      rejected: null,
      equivocation: null,
      checkpoint: null,
    };
    const state: BatchState = {
      tip: { ...tip },
      result,
      stop: false,
      rows: [],
      anyHeld: this.store.heldMin() !== null,
    };
    for (const entry of batch) {
      if (state.stop) break;
      this.one(state, entry, now);
      if (state.rows.length >= 1024) this.flush(state);
    }
    this.flush(state);
    result.receivedSize = state.tip.size;
    const heldMin = this.store.heldMin();
    if (heldMin !== null && result.equivocation === null) result.gap = { from: state.tip.size, to: heldMin };
    return { tip: state.tip, result };
  }

  private one(state: BatchState, entry: IncomingEntry, now: number): void {
    const idx = entry.idx;
    let bytes: Buffer;
    try {
      if (!Number.isSafeInteger(idx) || idx < 0)
        throw new LedgerError('MALFORMED_LEAF', `entry index ${String(idx)} is not a non-negative safe integer`);
      bytes = toBytes(entry.leaf, idx);
    } catch (err) {
      state.result.rejected = problemOf(err, idx);
      state.stop = true;
      return;
    }
    if (idx < state.tip.size) {
      this.flush(state);
      this.replayOrEquivocation(state, idx, bytes, this.store.entry(idx)?.leaf ?? null, now);
    } else if (idx > state.tip.size) this.hold(state, idx, bytes, now);
    else if (this.appendAt(state, idx, bytes)) this.drainHeld(state);
  }

  private replayOrEquivocation(
    state: BatchState,
    idx: number,
    bytes: Buffer,
    existing: Buffer | null,
    now: number,
  ): void {
    if (existing === null || existing.equals(bytes)) {
      state.result.replayed++;
      return;
    }
    const evidenceId = this.store.insertEvidence({
      kind: 'EQUIVOCATION',
      idx,
      noteA: null,
      noteB: null,
      leafA: existing,
      leafB: bytes,
      proof: null,
      detectedAt: now,
      detail: `the log sent two different leaves for index ${idx}`,
    });
    this.store.halt('EQUIVOCATION', now);
    state.result.equivocation = { idx, evidenceId };
    state.stop = true;
  }

  private hold(state: BatchState, idx: number, bytes: Buffer, now: number): void {
    const held = this.store.held(idx);
    if (held !== null) {
      this.replayOrEquivocation(state, idx, bytes, held, now);
      return;
    }
    this.store.hold(idx, bytes, now);
    state.anyHeld = true;
    state.result.held++;
  }

  private appendAt(state: BatchState, idx: number, bytes: Buffer): boolean {
    try {
      this.check(bytes, idx, state.tip.lastHash);
    } catch (err) {
      state.result.rejected = problemOf(err, idx);
      state.stop = true;
      return false;
    }
    const leafHash = this.hasher.hash(bytes);
    state.rows.push({ idx, leaf: bytes, leafHash });
    state.tip = { size: idx + 1, lastHash: leafHash };
    state.result.appended++;
    return true;
  }

  private flush(state: BatchState): void {
    this.store.insertEntries(state.rows);
    state.rows = [];
  }

  private drainHeld(state: BatchState): void {
    if (!state.anyHeld) return;
    for (let next = this.store.held(state.tip.size); next !== null; next = this.store.held(state.tip.size)) {
      const idx = state.tip.size;
      this.store.unhold(idx);
      if (!this.appendAt(state, idx, next)) return;
    }
  }
}
