/**
 * The console's local ledger replica: a better-sqlite3 database (WAL) holding the exact leaves, the signed checkpoints
 * that verified them, the trust store and evidence. The sync engine feeds it with appendEntries and applyCheckpoint;
 * everything else reads. Mutations are serialised, so an awaited proof fetch never interleaves with another write.
 */
import type Database from 'better-sqlite3';
import type { TrustedKey } from '../../shared/ledger/index.ts';
import { LedgerError, emptyRoot, toHex } from '../../shared/ledger/index.ts';
import type {
  AppendResult,
  CheckpointOutcome,
  StoredEvidence,
  IncomingEntry,
  ReplicaOptions,
  StoredEntry,
  ReplicaStatus,
} from './replica-types.ts';
import type { EvidenceRow, StateRow } from './store.ts';
import type { HighWaterMarkStore } from './high-water-mark.ts';
import type { Tip } from './ingest.ts';
import { Store } from './store.ts';
import { migrate } from './migrations.ts';
import { openReplicaDatabase } from './replica-db.ts';
import { BulkReader } from './bulk-read.ts';
import { TreeReader } from './tree-reader.ts';
import { Ingestor } from './ingest.ts';
import { CheckpointApplier } from './checkpoint-apply.ts';
import { checkHighWaterMark, fileHighWaterMark, markOf } from './high-water-mark.ts';
import { ed25519Verify, sha256 } from './node-crypto.ts';
import type { VerifyOptions, VerifyReport } from './verify-types.ts';
import { verifyReplicaFile } from './verify-run.ts';

/** Largest range `entries()` returns in one call. */
export const MAX_ENTRIES_PER_READ = 10_000;

export { openReplicaDatabase } from './replica-db.ts';

/** The size line of a stored (already verified) note. */
function noteSize(note: string): number {
  return Number(note.split('\n')[1]);
}

function evidenceOf(row: EvidenceRow): StoredEvidence {
  const p = row.proof;
  const proof =
    p === null ? [] : Array.from({ length: p.length / 32 }, (_, i) => toHex(p.subarray(i * 32, i * 32 + 32)));
  return {
    id: row.id,
    kind: row.kind,
    idx: row.idx,
    noteA: row.noteA,
    noteB: row.noteB,
    proof,
    detail: row.detail,
    detectedAt: row.detectedAt,
    leafA: row.leafA === null ? null : row.leafA.toString('utf8'),
    leafB: row.leafB === null ? null : row.leafB.toString('utf8'),
  };
}

/** A ledger replica bound to one database file and one pinned origin. */
export class Replica {
  readonly origin: string;
  readonly path: string;
  readonly db: Database.Database;
  private readonly store: Store;
  private readonly tree: TreeReader;
  private readonly ingestor: Ingestor;
  private readonly applier: CheckpointApplier;
  private readonly now: () => number;
  private tip: Tip = { size: 0, lastHash: null };
  private readonly hwm: HighWaterMarkStore | null;
  private queue: Promise<unknown> = Promise.resolve();
  /** Set when a write gate (holdWrites) failed: every write is refused with this code, as on a halted replica. */
  private refusal: string | null = null;

  private constructor(options: ReplicaOptions, db: Database.Database, hwm: HighWaterMarkStore | null) {
    this.origin = options.origin;
    this.path = options.path;
    this.db = db;
    this.now = options.now ?? Date.now;
    this.hwm = hwm;
    this.store = new Store(db);
    this.tree = new TreeReader(this.store, new BulkReader(db), sha256);
    this.ingestor = new Ingestor(this.store, options.origin);
    this.applier = new CheckpointApplier({
      db,
      store: this.store,
      tree: this.tree,
      sha: sha256,
      verify: ed25519Verify,
      origin: options.origin,
      hwm,
      fetcher: options.fetchConsistencyProof,
      hooks: options.hooks,
      now: this.now,
      receivedSize: () => this.tip.size,
      reloadTip: () => this.reloadTip(),
    });
  }

  /**
   * Opens (creating and migrating if needed) the replica at options.path. Creation is one transaction (schema, state
   * row, keys): a run killed meanwhile leaves an empty file, which is an empty replica. Throws ORIGIN_MISMATCH for
   * another log's database, HIGH_WATER_MARK_ROLLBACK when an older or different copy of the database was put in place,
   * SIZE_MISMATCH when verified entries are missing, and E_NOT_A_REPLICA for a file that is not a replica.
   */
  static open(options: ReplicaOptions): Replica {
    const db = openReplicaDatabase(options.path);
    try {
      const hwm =
        options.highWaterMark !== undefined
          ? options.highWaterMark
          : options.path === ':memory:'
            ? null
            : fileHighWaterMark(`${options.path}.hwm`);
      return db.transaction(() => {
        migrate(db);
        options.hooks?.afterSchema?.();
        const replica = new Replica(options, db, hwm);
        replica.init(options.trustedKeys ?? [], hwm);
        return replica;
      })();
    } catch (err) {
      db.close();
      throw err;
    }
  }

  private init(keys: readonly TrustedKey[], hwm: HighWaterMarkStore | null): void {
    let state = this.store.state();
    if (state === null) {
      this.store.initState(this.origin, emptyRoot(sha256), this.now());
      state = this.stateRow();
    }
    if (state.origin !== this.origin) {
      throw new LedgerError(
        'ORIGIN_MISMATCH',
        `the replica at ${this.path} mirrors "${state.origin}", not "${this.origin}"`,
      );
    }
    for (const k of keys) this.store.upsertKey(k, this.now());
    this.reloadTip();
    if (this.tip.size < state.verifiedSize) {
      throw new LedgerError(
        'SIZE_MISMATCH',
        `the replica holds ${this.tip.size} entries but verified ${state.verifiedSize}: verified entries were removed`,
        this.tip.size,
      );
    }
    if (hwm === null) return;
    const mark = hwm.read();
    if (mark !== null) {
      const current = {
        origin: state.origin,
        size: state.verifiedSize,
        root: state.root,
        rootAt: (n: number) => this.tree.rangeAt(n).root(),
      };
      checkHighWaterMark(mark, current, hwm.location);
    }
    if (mark === null || mark.size < state.verifiedSize)
      hwm.write(markOf(state.origin, state.verifiedSize, state.root));
  }

  private stateRow(): StateRow {
    const state = this.store.state();
    if (state === null) throw new Error('E_INTERNAL: replica state missing');
    return state;
  }

  private reloadTip(): void {
    const last = this.store.tip();
    this.tip = last === null ? { size: 0, lastHash: null } : { size: last.idx + 1, lastHash: last.leafHash };
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Holds every write (appendEntries, applyCheckpoint, checkDivergence) until `gate` settles; reads go on. A gate that
   * resolves to a code (e.g. the deep launch check failed) or rejects refuses every write from then on, the way a
   * halted replica does, and leaves the file as it is.
   */
  holdWrites(gate: Promise<string | null>): void {
    const held = gate.then(
      (code) => {
        if (code !== null) this.refusal ??= code;
      },
      () => {
        this.refusal ??= 'E_VERIFY_IO';
      },
    );
    this.queue = this.queue.then(() => held);
  }

  /** Closes the database (pending mutations finish first only if awaited by the caller). */
  close(): void {
    this.db.close();
  }

  /** Ingests entries from SSE or backfill (see AppendResult for replay, gap, rejection and equivocation handling). */
  appendEntries(batch: readonly IncomingEntry[]): Promise<AppendResult> {
    return this.serial(async () => {
      const state = this.stateRow();
      const halted = state.halted ?? this.refusal;
      if (halted !== null) {
        const base = { appended: 0, replayed: 0, held: 0, gap: null, rejected: null, equivocation: null };
        return {
          ...base,
          receivedSize: this.tip.size,
          verifiedSize: state.verifiedSize,
          checkpoint: { kind: 'halted', code: halted },
        };
      }
      const { tip, result } = this.db.transaction(() =>
        this.ingestor.apply(batch, this.tip, state.verifiedSize, this.now()),
      )();
      this.tip = tip;
      const awaiting = this.stateRow().awaitingNote;
      if (
        result.appended > 0 &&
        awaiting !== null &&
        result.equivocation === null &&
        noteSize(awaiting) <= this.tip.size
      ) {
        result.checkpoint = await this.applier.apply(awaiting);
        result.verifiedSize = this.stateRow().verifiedSize;
        result.receivedSize = this.tip.size;
      }
      return result;
    });
  }

  /** Applies a signed checkpoint note (SSE `checkpoint` event or `GET /checkpoint`). */
  applyCheckpoint(note: string): Promise<CheckpointOutcome> {
    return this.serial(() => this.refused() ?? this.applier.apply(note));
  }

  private refused(): Promise<CheckpointOutcome> | null {
    return this.refusal === null ? null : Promise.resolve({ kind: 'halted', code: this.refusal });
  }

  /**
   * The control plane's entries do not chain onto ours (an authoritative entry at the received size failed its `prev`
   * check): `note` is its current signed checkpoint. Returns fork or equivocation (evidence stored, halted), refetch
   * (our unverified entries were the wrong ones and were dropped), or the note's ordinary classification.
   */
  checkDivergence(note: string): Promise<CheckpointOutcome> {
    return this.serial(() => this.refused() ?? this.applier.checkDivergence(note));
  }

  /**
   * Full re-verification of this replica's file on worker threads (see verifyReplicaFile); the high-water mark and, by
   * default, the replica's trust store are used. Not available for ':memory:' replicas (workers open the file).
   */
  verify(options: VerifyOptions = {}): Promise<VerifyReport> {
    if (this.path === ':memory:')
      return Promise.reject(new Error('E_UNSUPPORTED: an in-memory replica cannot be re-verified on worker threads'));
    return verifyReplicaFile(this.path, { highWaterMark: this.hwm, trustedKeys: this.store.keys(), ...options });
  }

  /** Adds or updates a trusted key (revocation is sticky). */
  addTrustedKey(key: TrustedKey): void {
    this.store.upsertKey(key, this.now());
  }

  /** Revokes a trusted key; returns false if it was not in the store. */
  revokeTrustedKey(name: string, keyId: string): boolean {
    return this.store.revokeKey(name, keyId);
  }

  /** The trust store. */
  trustedKeys(): TrustedKey[] {
    return this.store.keys();
  }

  /** The number of entries held contiguously from 0 (verified or not). */
  receivedSize(): number {
    return this.tip.size;
  }

  /** One entry by index, or null if not held. */
  entry(idx: number): StoredEntry | null {
    const row = this.store.entry(idx);
    if (row === null) return null;
    return {
      idx,
      text: row.leaf.toString('utf8'),
      leafHash: toHex(row.leafHash),
      verified: idx < this.stateRow().verifiedSize,
    };
  }

  /** Entries [start, end) in order (at most MAX_ENTRIES_PER_READ). */
  entries(start: number, end: number): StoredEntry[] {
    const verified = this.stateRow().verifiedSize;
    const rows = this.store.entries(start, Math.min(end, start + MAX_ENTRIES_PER_READ));
    return rows.map((r) => ({
      idx: r.idx,
      text: r.leaf.toString('utf8'),
      leafHash: toHex(r.leafHash),
      verified: r.idx < verified,
    }));
  }

  /** Every stored (verified) checkpoint, by size. */
  checkpoints(): { size: number; root: string; note: string; receivedAt: number }[] {
    return this.store
      .checkpoints()
      .map((c) => ({ size: c.size, root: toHex(c.root), note: c.note, receivedAt: c.receivedAt }));
  }

  /** Every evidence record, oldest first. */
  evidence(): StoredEvidence[] {
    return this.store.evidence().map(evidenceOf);
  }

  /** The verification status for the badge, the ledger drawer and reports. */
  status(): ReplicaStatus {
    const s = this.stateRow();
    const awaiting = s.awaitingNote === null ? null : noteSize(s.awaitingNote);
    return {
      origin: s.origin,
      verifiedSize: s.verifiedSize,
      root: toHex(s.root),
      latestNote: s.latestNote,
      updatedAt: s.updatedAt,
      receivedSize: this.tip.size,
      pendingCount: this.tip.size - s.verifiedSize,
      heldCount: this.store.heldCount(),
      awaitingCheckpointSize: awaiting,
      halted: s.halted,
      evidence: this.evidence(),
    };
  }
}
