/**
 * The ledger producer: appends canonical leaves in the caller's transaction and, only after COMMIT, advances the
 * in-memory tree (compact range + all leaf hashes) and tells listeners (checkpointer, stream hub). A rolled-back
 * transaction leaves no trace in memory.
 *
 * On PostgreSQL several instances append to one table, so the table is the only truth: every transaction first locks
 * the sequence row (`ledger_head … FOR UPDATE`, held until COMMIT; see pg-schema.ts), which names the last committed
 * entry, and appends right after it — concurrent writers on any instance serialise and can never produce a gap, a
 * duplicate index or a `prev` that does not match. The in-memory tree then follows the table (`follow()`: after this
 * instance's COMMIT, when another instance's COMMIT notifies, and on a timer), in index order and each entry once,
 * whichever instance wrote it.
 */
import {
  buildLeafText,
  CompactRange,
  leafHash,
  type LedgerLeaf,
  MAX_LEAF_BYTES,
  toHex,
  utf8Encode,
} from '../../shared/ledger/index.ts';
import { sha256 } from '../crypto/node-crypto.ts';
import type { Store, TxParticipant } from '../db/store.ts';
import { stmt } from '../db/stmt.ts';
import { DomainError } from '../domain/errors.ts';
import { HashList } from './hash-list.ts';

/** What a mutation records (the leaf's own fields, `ts` as epoch ms, refs optional); the writer adds v, log, idx, ts text and prev. */
export type LeafInput = Pick<LedgerLeaf, 'actor' | 'action' | 'flag' | 'env' | 'before' | 'after' | 'reason'> & {
  ts: number;
  refs?: Record<string, string>;
};

/** An appended entry: its index, exact canonical text and leaf hash. */
export interface AppendedEntry {
  idx: number;
  text: string;
  hash: Uint8Array;
}

const RING = 8192;
const FOLLOW_PAGE = 1000;

/**
 * The notification channel a commit with new entries wakes every instance's follower on (PostgreSQL): the ledger's
 * insert trigger notifies it with the log's size after the entry (see `behind`).
 */
export const LEDGER_CHANNEL = 'tombstone_ledger';

/**
 * The canonical text and leaf hash of the entry at `idx` after the entry whose leaf hash is `prevHex` ('' for the
 * first); throws 422 ENTRY_TOO_LARGE for leaves over 64 KiB.
 */
export function makeLeaf(
  origin: string,
  idx: number,
  prevHex: string,
  input: LeafInput,
): { text: string; hash: Uint8Array; ts: string } {
  const leaf: LedgerLeaf = {
    v: 1,
    log: origin,
    idx,
    ts: new Date(input.ts).toISOString(),
    actor: input.actor,
    action: input.action,
    flag: input.flag,
    env: input.env,
    before: input.before,
    after: input.after,
    reason: input.reason,
    refs: input.refs ?? {},
    prev: prevHex,
  };
  const text = buildLeafText(leaf);
  const bytes = utf8Encode(text);
  if (bytes.length > MAX_LEAF_BYTES) {
    throw new DomainError(
      'ENTRY_TOO_LARGE',
      `the resulting ledger entry exceeds ${MAX_LEAF_BYTES} bytes; shorten rules or text`,
    );
  }
  return { text, hash: leafHash(sha256, bytes), ts: leaf.ts };
}

/** Appends leaves and holds the committed tree state. */
export class LedgerWriter implements TxParticipant {
  readonly origin: string;
  readonly range = new CompactRange(sha256);
  readonly hashes = new HashList();
  private readonly store: Store;
  private staged: AppendedEntry[] = [];
  private listeners: ((entries: readonly AppendedEntry[]) => void)[] = [];
  private ring: string[] = [];
  private ringStart = 0;
  /** PostgreSQL: the sequence row as locked by the open transaction (null outside one). */
  private head: { size: number; prev: string } | null = null;
  private following = false;
  private delivering = false;
  private undelivered: (readonly AppendedEntry[])[] = [];
  private errorListeners: ((err: unknown) => void)[] = [];
  private followAgain = false;

  constructor(store: Store, origin: string) {
    this.store = store;
    this.origin = origin;
    this.load();
    store.addParticipant(this);
    if (store.engine === 'postgres') store.onBegin(() => this.lockHead());
  }

  /** True when the table is shared with other instances (PostgreSQL) and the tree follows it. */
  get shared(): boolean {
    return this.store.engine === 'postgres';
  }

  /** Savepoint support: how many entries are staged now. */
  mark(): number {
    return this.staged.length;
  }

  /** Savepoint support: forgets entries staged after `mark`. */
  reset(mark: number): void {
    this.staged.length = mark;
  }

  /** Committed size of the log. */
  get size(): number {
    return this.hashes.size;
  }

  /** The index the next append in the current transaction will get. */
  nextIdx(): number {
    return (this.head?.size ?? this.size) + this.staged.length;
  }

  /** Subscribes to failures of reading the shared table after this instance's own COMMIT (PostgreSQL). */
  onFollowError(listener: (err: unknown) => void): void {
    this.errorListeners.push(listener);
  }

  /** Subscribes to committed batches of entries (in index order). */
  onCommitted(listener: (entries: readonly AppendedEntry[]) => void): void {
    this.listeners.push(listener);
  }

  /** Appends one leaf inside the current transaction; throws 422 ENTRY_TOO_LARGE for leaves over 64 KiB. */
  append(input: LeafInput): AppendedEntry {
    if (!this.store.inTx) throw new Error('ledger appends must run inside Store.tx');
    const idx = this.nextIdx();
    const { text, hash, ts } = makeLeaf(this.origin, idx, this.prevHex(), input);
    stmt(
      this.store.db,
      'INSERT INTO ledger (idx, leaf, leaf_hash, action, flag, env, ts) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(idx, text, hash, input.action, input.flag, input.env, ts);
    if (this.staged.length === 0) {
      // Shared: the table held exactly this tree when the sequence row was locked, or other instances' entries came
      // first. (The insert trigger queues the wake-up for other instances; see pg-schema.ts.)
      const caughtUp = this.head === null || this.head.size === this.size;
      this.store.afterCommit(() => this.commitStaged(caughtUp));
      this.store.onRollback(() => {
        this.staged = [];
      });
    }
    const entry = { idx, text, hash };
    this.staged.push(entry);
    return entry;
  }

  /** Exact leaf texts for [start, end) of the committed log (memory for the recent tail, else the database). */
  texts(start: number, end: number): string[] {
    const to = Math.min(end, this.size);
    if (start >= to) return [];
    if (start >= this.ringStart) return this.ring.slice(start - this.ringStart, to - this.ringStart);
    const rows = stmt(this.store.db, 'SELECT leaf FROM ledger WHERE idx >= ? AND idx < ? ORDER BY idx')
      .pluck()
      .all(start, to);
    return rows as string[];
  }

  /**
   * Whether a notification on LEDGER_CHANNEL names entries this tree lacks: its payload is the size after an entry
   * ('' when a listening connection was re-opened and anything may have been missed). An instance's own commits are
   * in its tree before their notifications arrive, so they are skipped without a read.
   */
  behind(payload: string): boolean {
    const size = Number(payload);
    return payload === '' || !Number.isSafeInteger(size) || size > this.size;
  }

  /**
   * PostgreSQL: reads every entry committed past the in-memory size, in index order, and tells listeners (each entry
   * once). A call from a listener while following only makes the running call read once more.
   */
  follow(): void {
    if (!this.shared) return;
    if (this.following) {
      this.followAgain = true;
      return;
    }
    this.following = true;
    try {
      do {
        this.followAgain = false;
        for (;;) {
          const rows = stmt(
            this.store.db,
            'SELECT idx, leaf, leaf_hash FROM ledger WHERE idx >= ? ORDER BY idx LIMIT ?',
          )
            .raw()
            .all(this.size, FOLLOW_PAGE) as [number, string, Uint8Array][];
          const batch: AppendedEntry[] = [];
          for (const [idx, text, hash] of rows) {
            if (idx !== this.size + batch.length)
              throw new Error(`LEDGER_CORRUPT: the ledger table has a gap before idx ${idx}`);
            batch.push({ idx, text, hash: new Uint8Array(hash) });
          }
          if (batch.length > 0) this.advance(batch);
          if (rows.length < FOLLOW_PAGE) break;
        }
      } while (this.followAgain);
    } finally {
      this.following = false;
    }
  }

  /** PostgreSQL, first in every transaction: lock the sequence row until COMMIT or ROLLBACK. */
  private lockHead(): void {
    const row = stmt(this.store.db, 'SELECT size, last_hash FROM ledger_head WHERE id = 1 FOR UPDATE').get() as
      { size: number; last_hash: Uint8Array | null } | undefined;
    if (row === undefined) throw new Error('LEDGER_CORRUPT: the ledger_head row is missing');
    this.head = { size: row.size, prev: row.last_hash === null ? '' : toHex(new Uint8Array(row.last_hash)) };
    const release = (): void => {
      this.head = null;
    };
    this.store.afterCommit(release);
    this.store.onRollback(release);
  }

  private prevHex(): string {
    const last = this.staged[this.staged.length - 1];
    if (last !== undefined) return toHex(last.hash);
    if (this.head !== null) return this.head.prev;
    return this.size === 0 ? '' : toHex(this.hashes.at(this.size - 1));
  }

  private commitStaged(caughtUp: boolean): void {
    const batch = this.staged;
    this.staged = [];
    // The entries follow this tree directly (SQLite; or shared when the table held nothing more at the lock): no
    // read. Otherwise they are in the table after other instances' entries this tree has not seen yet; they are
    // committed whatever happens here, so a failed read is only reported and the next notification or poll retries.
    if (!this.shared || caughtUp) this.advance(batch);
    else {
      try {
        this.follow();
      } catch (err) {
        for (const l of this.errorListeners) l(err);
      }
    }
  }

  private advance(batch: readonly AppendedEntry[]): void {
    for (const e of batch) {
      this.hashes.push(e.hash);
      this.range.append(e.hash);
      this.ring.push(e.text);
    }
    if (this.ring.length > RING * 2) {
      const drop = this.ring.length - RING;
      this.ring = this.ring.slice(drop);
      this.ringStart += drop;
    }
    // A listener may advance the tree again (the checkpointer follows the table before it signs): that batch is
    // queued and delivered after this one, so every listener sees every entry once and in index order.
    this.undelivered.push(batch);
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let next = this.undelivered.shift(); next !== undefined; next = this.undelivered.shift())
        for (const l of this.listeners) l(next);
    } finally {
      this.delivering = false;
    }
  }

  private load(): void {
    const rows = stmt(this.store.db, 'SELECT idx, leaf_hash FROM ledger ORDER BY idx')
      .raw()
      .iterate() as IterableIterator<[number, Uint8Array]>;
    for (const [idx, hash] of rows) {
      if (idx !== this.hashes.size) throw new Error(`LEDGER_CORRUPT: the ledger table has a gap before idx ${idx}`);
      this.hashes.push(hash);
      this.range.append(new Uint8Array(hash));
    }
    this.ringStart = this.size;
  }
}
