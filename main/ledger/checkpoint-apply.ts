/**
 * Applies a signed checkpoint to the replica, classified as docs/protocol.md (Ledger) describes: replay, stale, equivocation, fork,
 * waiting for entries, promotion (one transaction, only when our own leaves reproduce the signed root), or — for a
 * larger checkpoint our leaves do not reproduce — a consistency proof that tells a rewritten history (fork evidence)
 * from entries corrupted in transit (drop and refetch).
 */
import type Database from 'better-sqlite3';
import type { Ed25519Verify, ParsedCheckpoint, Sha256 } from '../../shared/ledger/index.ts';
import {
  CompactRange,
  LedgerError,
  bytesEqual,
  parseCheckpoint,
  toHex,
  verifyCheckpoint,
  verifyConsistency,
} from '../../shared/ledger/index.ts';
import type { CheckpointOutcome, ConsistencyProofFetcher, ReplicaHooks } from './replica-types.ts';
import type { StateRow, Store } from './store.ts';
import type { TreeReader } from './tree-reader.ts';
import type { HighWaterMarkStore } from './high-water-mark.ts';
import { markOf } from './high-water-mark.ts';
import { packPeaks, unpackPeaks } from './fast-hash.ts';

/** What the applier needs from the replica. */
export interface ApplyContext {
  db: Database.Database;
  store: Store;
  tree: TreeReader;
  sha: Sha256;
  verify: Ed25519Verify;
  origin: string;
  hwm: HighWaterMarkStore | null;
  fetcher: ConsistencyProofFetcher | undefined;
  hooks: ReplicaHooks | undefined;
  now: () => number;
  /** Current received size. */
  receivedSize(): number;
  /** Called after unverified entries were dropped, so the replica reloads its tip. */
  reloadTip(): void;
}

/** Classifies and applies checkpoint notes for one replica. */
export class CheckpointApplier {
  private readonly ctx: ApplyContext;

  constructor(ctx: ApplyContext) {
    this.ctx = ctx;
  }

  /** Applies one note (the full signed text). */
  async apply(text: string, retried = false): Promise<CheckpointOutcome> {
    const { store } = this.ctx;
    const state = store.state();
    if (state === null) throw new Error('E_INTERNAL: replica state missing');
    if (state.halted !== null) return { kind: 'halted', code: state.halted };
    let note: ParsedCheckpoint;
    try {
      note = verifyCheckpoint(this.ctx.sha, this.ctx.verify, text, { origin: this.ctx.origin, trusted: store.keys() });
    } catch (err) {
      if (err instanceof LedgerError) return { kind: 'rejected', code: err.code, detail: err.detail };
      throw err;
    }
    if (note.size <= state.verifiedSize) return this.applyOld(state, note);
    return this.applyNew(state, note, retried);
  }

  /**
   * The server's entries do not chain onto ours: decides with its signed note `text` (and, when it is larger than the
   * verified size, a consistency proof from our verified checkpoint) whether its history contradicts what we verified
   * (FORK / EQUIVOCATION evidence, halt) or only our unverified entries are wrong (they are dropped: refetch).
   */
  async checkDivergence(text: string): Promise<CheckpointOutcome> {
    const state = this.ctx.store.state();
    if (state === null) throw new Error('E_INTERNAL: replica state missing');
    if (state.halted !== null) return { kind: 'halted', code: state.halted };
    let note: ParsedCheckpoint;
    try {
      note = verifyCheckpoint(this.ctx.sha, this.ctx.verify, text, {
        origin: this.ctx.origin,
        trusted: this.ctx.store.keys(),
      });
    } catch (err) {
      if (err instanceof LedgerError) return { kind: 'rejected', code: err.code, detail: err.detail };
      throw err;
    }
    if (note.size <= state.verifiedSize) return this.applyOld(state, note);
    return this.resolveMismatch(state, note, false);
  }

  /** A note at or below the verified size: replay, stale, equivocation or fork. */
  private applyOld(state: StateRow, note: ParsedCheckpoint): CheckpointOutcome {
    const stored = this.ctx.store.checkpoint(note.size);
    if (stored !== null) {
      if (!bytesEqual(stored.root, note.root))
        return this.evidence(
          'EQUIVOCATION',
          stored.note,
          note,
          null,
          'two validly signed checkpoints of the same size have different roots',
        );
      return note.size === state.verifiedSize
        ? { kind: 'duplicate', size: note.size }
        : { kind: 'stale', code: 'STALE_CHECKPOINT', size: note.size };
    }
    const ours = note.size === state.verifiedSize ? state.root : this.ctx.tree.rangeAt(note.size).root();
    if (bytesEqual(ours, note.root)) {
      return note.size === state.verifiedSize
        ? { kind: 'duplicate', size: note.size }
        : { kind: 'stale', code: 'STALE_CHECKPOINT', size: note.size };
    }
    return this.evidence(
      'FORK',
      state.latestNote,
      note,
      null,
      `a validly signed checkpoint of size ${note.size} contradicts the verified history of size ${state.verifiedSize}`,
    );
  }

  /** A note beyond the verified size. */
  private async applyNew(state: StateRow, note: ParsedCheckpoint, retried: boolean): Promise<CheckpointOutcome> {
    const { store } = this.ctx;
    const awaiting = state.awaitingNote === null ? null : parseCheckpoint(state.awaitingNote);
    if (awaiting !== null && awaiting.size === note.size && !bytesEqual(awaiting.root, note.root)) {
      return this.evidence(
        'EQUIVOCATION',
        awaiting.text,
        note,
        null,
        'two validly signed checkpoints of the same size have different roots',
      );
    }
    const received = this.ctx.receivedSize();
    if (note.size > received) {
      if (awaiting === null || note.size >= awaiting.size) store.setAwaiting(note.text, this.ctx.now());
      return { kind: 'awaiting_entries', size: note.size, receivedSize: received };
    }
    const base = new CompactRange(this.ctx.sha, state.verifiedSize, unpackPeaks(state.peaks));
    const range = this.ctx.tree.extend(base, note.size);
    if (bytesEqual(range.root(), note.root)) return this.promote(state, note, range, awaiting);
    return this.resolveMismatch(state, note, retried);
  }

  private promote(
    state: StateRow,
    note: ParsedCheckpoint,
    range: CompactRange,
    awaiting: ParsedCheckpoint | null,
  ): CheckpointOutcome {
    const { store, db, hooks } = this.ctx;
    const now = this.ctx.now();
    const peaks = packPeaks(range.peaks);
    const keep = awaiting !== null && awaiting.size > note.size ? awaiting.text : null;
    db.transaction(() => {
      store.insertCheckpoint(note.size, note.root, note.text, peaks, now);
      hooks?.beforeStateUpdate?.();
      store.promote(note.size, note.root, peaks, note.text, keep, now);
    })();
    this.ctx.hwm?.write(markOf(this.ctx.origin, note.size, note.root));
    return { kind: 'promoted', from: state.verifiedSize, to: note.size, root: toHex(note.root) };
  }

  /** Our leaves do not reproduce a larger signed root: a consistency proof decides between fork and corruption. */
  private async resolveMismatch(state: StateRow, note: ParsedCheckpoint, retried: boolean): Promise<CheckpointOutcome> {
    const [oldSize, newSize] = [state.verifiedSize, note.size];
    const fetcher = this.ctx.fetcher;
    if (fetcher === undefined) {
      return {
        kind: 'needs_consistency_proof',
        oldSize,
        newSize,
        detail: 'our leaves do not reproduce the signed root and no proof fetcher is configured',
      };
    }
    let proof: readonly Uint8Array[];
    try {
      proof = await fetcher(oldSize, newSize);
    } catch (err) {
      return {
        kind: 'needs_consistency_proof',
        oldSize,
        newSize,
        detail: `fetching the consistency proof failed: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
    const now = this.ctx.store.state();
    if (now === null || now.verifiedSize !== oldSize || now.halted !== null) {
      return retried
        ? {
            kind: 'needs_consistency_proof',
            oldSize,
            newSize,
            detail: 'the replica changed while the proof was fetched',
          }
        : this.apply(note.text, true);
    }
    try {
      verifyConsistency(this.ctx.sha, oldSize, newSize, proof, state.root, note.root);
    } catch (err) {
      if (!(err instanceof LedgerError) || err.code !== 'BAD_PROOF') throw err;
      return this.evidence(
        'FORK',
        state.latestNote,
        note,
        proof,
        `the checkpoint of size ${newSize} is not consistent with the verified history of size ${oldSize}: ${err.detail}`,
      );
    }
    this.ctx.db.transaction(() => {
      this.ctx.store.dropUnverified(oldSize);
      this.ctx.store.setAwaiting(note.text, this.ctx.now());
    })();
    this.ctx.reloadTip();
    return { kind: 'refetch', from: oldSize, to: newSize };
  }

  private evidence(
    kind: 'EQUIVOCATION' | 'FORK',
    other: string | null,
    note: ParsedCheckpoint,
    proof: readonly Uint8Array[] | null,
    detail: string,
  ): CheckpointOutcome {
    const { store, db } = this.ctx;
    const now = this.ctx.now();
    const evidenceId = db.transaction(() => {
      const id = store.insertEvidence({
        kind,
        idx: null,
        noteA: other,
        noteB: note.text,
        leafA: null,
        leafB: null,
        detail,
        detectedAt: now,
        proof: proof === null ? null : Buffer.concat(proof.map((p) => Buffer.from(p))),
      });
      store.halt(kind, now);
      return id;
    })();
    return kind === 'FORK'
      ? { kind: 'fork', code: 'FORK', size: note.size, evidenceId }
      : { kind: 'equivocation', code: 'EQUIVOCATION', size: note.size, evidenceId };
  }
}
