/**
 * The ledger producer: appends canonical leaves in the caller's transaction and, only after COMMIT, advances the
 * in-memory tree (compact range + all leaf hashes) and tells listeners (checkpointer, stream hub). A rolled-back
 * transaction leaves no trace in memory.
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

  constructor(store: Store, origin: string) {
    this.store = store;
    this.origin = origin;
    this.load();
    store.addParticipant(this);
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
    return this.size + this.staged.length;
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
      this.store.afterCommit(() => this.commitStaged());
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

  private prevHex(): string {
    const last = this.staged[this.staged.length - 1];
    if (last !== undefined) return toHex(last.hash);
    return this.size === 0 ? '' : toHex(this.hashes.at(this.size - 1));
  }

  private commitStaged(): void {
    const batch = this.staged;
    this.staged = [];
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
    for (const l of this.listeners) l(batch);
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
