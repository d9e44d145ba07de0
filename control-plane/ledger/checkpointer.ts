/**
 * Signs checkpoints (C2SP notes) over the committed tree: after every `every` new entries, at most `intervalMs` after
 * the first unsigned entry, and on demand. Each note is stored (append-only table) and handed to listeners.
 */
import { signCheckpoint } from '../../shared/ledger/index.ts';
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

  constructor(store: Store, writer: LedgerWriter, keys: KeyRing, policy: CheckpointPolicy, clock: () => number) {
    this.store = store;
    this.writer = writer;
    this.keys = keys;
    this.policy = policy;
    this.clock = clock;
    const row = stmt(store.db, 'SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1').get() as
      Checkpoint | undefined;
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
      this.signNow();
      return;
    }
    if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.signNow();
      }, this.policy.intervalMs);
      this.timer.unref();
    }
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
