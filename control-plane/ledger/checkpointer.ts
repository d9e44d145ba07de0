/**
 * Signs checkpoints (C2SP notes) over the committed tree: after every `every` new entries, at most `intervalMs` after
 * the first unsigned entry, and on demand. Each note is stored (append-only table) and handed to listeners.
 *
 * On PostgreSQL every instance runs one of these over the shared table. Signing happens in a transaction that holds
 * the ledger's sequence row (writer.ts), so instances sign one at a time; each signs the tree it has followed, which is
 * a prefix of the table, and `checkpoints.size` is the primary key and only grows — two instances can never store
 * two roots for one size. An instance that finds a checkpoint at or past its size adopts the newest one its tree
 * covers (checking the root when the size is its own) instead of signing.
 */
import { bytesEqual, signCheckpoint } from '../../shared/ledger/index.ts';
import { sha256 } from '../crypto/node-crypto.ts';
import type { Store } from '../db/store.ts';
import { stmt } from '../db/stmt.ts';
import type { KeyRing } from './keys.ts';
import type { LedgerWriter } from './writer.ts';

/** A signed checkpoint. */
export interface Checkpoint {
  size: number;
  note: string;
}

/** Checkpoint cadence. */
export interface CheckpointPolicy {
  every: number;
  intervalMs: number;
}

/** Produces and remembers signed checkpoints. */
export class Checkpointer {
  private readonly store: Store;
  private readonly writer: LedgerWriter;
  private readonly keys: KeyRing;
  private readonly policy: CheckpointPolicy;
  private readonly clock: () => number;
  private latestCp: Checkpoint | null;
  private timer: NodeJS.Timeout | null = null;
  private listeners: ((cp: Checkpoint) => void)[] = [];

  private readonly log: (line: string) => void;

  constructor(
    store: Store,
    writer: LedgerWriter,
    keys: KeyRing,
    policy: CheckpointPolicy,
    clock: () => number,
    log: (line: string) => void = () => undefined,
  ) {
    this.log = log;
    this.store = store;
    this.writer = writer;
    this.keys = keys;
    this.policy = policy;
    this.clock = clock;
    // At most the tree's size: on a shared database another instance may have appended and signed since it was read.
    const row = stmt(store.db, 'SELECT size, note FROM checkpoints WHERE size <= ? ORDER BY size DESC LIMIT 1').get(
      writer.size,
    ) as Checkpoint | undefined;
    this.latestCp = row ?? null;
    writer.onCommitted(() => this.onAppended());
  }

  /** The most recent checkpoint (null before the first). */
  get latest(): Checkpoint | null {
    return this.latestCp;
  }

  /** Subscribes to new checkpoints. */
  onCheckpoint(listener: (cp: Checkpoint) => void): void {
    this.listeners.push(listener);
  }

  /** Signs a checkpoint at the current committed size unless the latest already covers it; returns the latest. */
  signNow(): Checkpoint {
    this.clearTimer();
    if (this.writer.shared) return this.signShared();
    const size = this.writer.size;
    if (this.latestCp !== null && this.latestCp.size >= size) return this.latestCp;
    const root = this.writer.range.root();
    const note = signCheckpoint(sha256, { origin: this.writer.origin, size, root }, this.keys.signersFor(size));
    stmt(this.store.db, 'INSERT INTO checkpoints (size, root, note, created_at) VALUES (?, ?, ?, ?)').run(
      size,
      root,
      note,
      this.clock(),
    );
    const cp = { size, note };
    this.latestCp = cp;
    for (const l of this.listeners) l(cp);
    return cp;
  }

  private signShared(): Checkpoint {
    // Another instance may sign past this tree between following and signing; then follow again (bounded).
    for (let attempt = 0; attempt < 5; attempt++) {
      this.writer.follow();
      const cp = this.signSharedAt(this.writer.size, this.writer.range.root());
      if (cp !== null && (this.latestCp === null || cp.size > this.latestCp.size)) {
        this.latestCp = cp;
        for (const l of this.listeners) l(cp);
      }
      if (this.latestCp !== null) return this.latestCp;
    }
    throw new Error('CHECKPOINT_BEHIND: other instances kept signing past this one; try again');
  }

  /** Signs `size` unless a checkpoint is at or past it; returns the newest checkpoint at or below it (null: none). */
  private signSharedAt(size: number, root: Uint8Array): Checkpoint | null {
    return this.store.tx((): Checkpoint | null => {
      const db = this.store.db;
      const latest = stmt(db, 'SELECT size FROM checkpoints ORDER BY size DESC LIMIT 1').pluck().get() as
        number | undefined;
      if (latest !== undefined && latest >= size) {
        const known = stmt(
          db,
          'SELECT size, root, note FROM checkpoints WHERE size <= ? ORDER BY size DESC LIMIT 1',
        ).get(size) as { size: number; root: Uint8Array; note: string } | undefined;
        if (known === undefined) return null;
        if (known.size === size && !bytesEqual(new Uint8Array(known.root), root))
          throw new Error(`LEDGER_CORRUPT: the stored checkpoint at size ${size} has another root than the table's`);
        return { size: known.size, note: known.note };
      }
      const note = signCheckpoint(sha256, { origin: this.writer.origin, size, root }, this.keys.signersFor(size));
      stmt(db, 'INSERT INTO checkpoints (size, root, note, created_at) VALUES (?, ?, ?, ?)').run(
        size,
        root,
        note,
        this.clock(),
      );
      return { size, note };
    });
  }

  /** Stored checkpoint notes with size in [from, to], oldest first (bounded). */
  history(from: number, to: number, limit: number): Checkpoint[] {
    return stmt(
      this.store.db,
      'SELECT size, note FROM checkpoints WHERE size >= ? AND size <= ? ORDER BY size LIMIT ?',
    ).all(from, to, limit) as Checkpoint[];
  }

  /** Stops the pending timer (shutdown). */
  stop(): void {
    this.clearTimer();
  }

  private onAppended(): void {
    const signed = this.latestCp?.size ?? -1;
    if (this.writer.size - Math.max(signed, 0) >= this.policy.every) {
      this.signInBackground();
      return;
    }
    this.signLater();
  }

  /** Signs `intervalMs` from now, unless that is already planned. */
  private signLater(): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.signInBackground();
    }, this.policy.intervalMs);
    this.timer.unref();
  }

  /**
   * Signing that nobody waits for (after a commit, on the timer) must not fail the commit's request or end the
   * process: a failure (a database that does not answer, a lock held elsewhere) is logged and retried a little later.
   */
  private signInBackground(): void {
    try {
      this.signNow();
    } catch (err) {
      this.log(`checkpoint: ${err instanceof Error ? err.message : String(err)}; retrying`);
      this.signLater();
    }
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
