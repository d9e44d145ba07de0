/**
 * The ledger over the async seam, for any number of instances on one database. The table is the truth:
 *
 * - `appendSequenced` sequences inside the caller's transaction: on PostgreSQL it locks the sequence row
 *   (`ledger_head`, FOR UPDATE, held until COMMIT), which names the last committed entry, and appends right after it,
 *   so concurrent writers on different instances serialise and never produce a gap, a duplicate index or a `prev`
 *   that does not match; COMMIT wakes every instance's follower.
 * - `LedgerFollower` is one instance's view: it reads committed entries from the table in index order (a
 *   notification only wakes it; a timer catches anything a lost connection missed) and keeps the Merkle tree of
 *   exactly what is committed, so nothing in memory is ever ahead of the database.
 * - `signCheckpointFromDb` signs the follower's tree and stores it; `checkpoints.size` is the primary key and the
 *   tree at a size is fixed by the append-only table, so two instances can never store two roots for one size.
 */
import {
  CompactRange,
  leafHash,
  signCheckpoint,
  toHex,
  utf8Encode,
  type NoteSigner,
} from '../../shared/ledger/index.ts';
import { sha256 } from '../crypto/node-crypto.ts';
import type { Param, Sql } from '../db/sql.ts';
import type { Checkpoint } from './checkpointer.ts';
import { HashList } from './hash-list.ts';
import { LEDGER_CHANNEL, makeLeaf, type AppendedEntry, type LeafInput } from './writer.ts';

export { LEDGER_CHANNEL };

/** Appends one entry after the last committed one, inside the caller's transaction. */
export async function appendSequenced(sql: Sql, origin: string, input: LeafInput): Promise<AppendedEntry> {
  if (!sql.inTx) throw new Error('ledger appends must run inside Sql.tx');
  return sql.engine === 'postgres' ? appendPg(sql, origin, input) : appendSqlite(sql, origin, input);
}

const INSERT_LEDGER = 'INSERT INTO ledger (idx, leaf, leaf_hash, action, flag, env, ts) VALUES (?, ?, ?, ?, ?, ?, ?)';

function row(idx: number, text: string, hash: Uint8Array, input: LeafInput, ts: string): Param[] {
  return [idx, text, Buffer.from(hash), input.action, input.flag, input.env, ts];
}

/** SQLite: the one connection runs one transaction at a time; the last row is the head. */
async function appendSqlite(sql: Sql, origin: string, input: LeafInput): Promise<AppendedEntry> {
  const last = await sql.get<{ idx: number; leaf_hash: Uint8Array }>(
    'SELECT idx, leaf_hash FROM ledger ORDER BY idx DESC LIMIT 1',
  );
  const idx = last === undefined ? 0 : last.idx + 1;
  const { text, hash, ts } = makeLeaf(
    origin,
    idx,
    last === undefined ? '' : toHex(new Uint8Array(last.leaf_hash)),
    input,
  );
  await sql.run(INSERT_LEDGER, row(idx, text, hash, input, ts));
  await sql.notify(LEDGER_CHANNEL, String(idx));
  return { idx, text, hash };
}

/**
 * PostgreSQL: lock and read the sequence row in one round trip (FOR UPDATE waits for the previous appender's COMMIT
 * and then returns the row as it committed it), then append (a trigger advances the row) and queue the wake-up in a
 * second one.
 */
async function appendPg(sql: Sql, origin: string, input: LeafInput): Promise<AppendedEntry> {
  const head = await sql.get<{ size: number; last_hash: Uint8Array | null }>(
    'SELECT size, last_hash FROM ledger_head WHERE id = 1 FOR UPDATE',
  );
  if (head === undefined) throw new Error('LEDGER_CORRUPT: the ledger_head row is missing');
  const idx = head.size;
  const prev = head.last_hash === null ? '' : toHex(new Uint8Array(head.last_hash));
  const { text, hash, ts } = makeLeaf(origin, idx, prev, input);
  await sql.get(`WITH ins AS (${INSERT_LEDGER}) SELECT pg_notify(?, ?)`, [
    ...row(idx, text, hash, input, ts),
    LEDGER_CHANNEL,
    String(idx),
  ]);
  return { idx, text, hash };
}

const PAGE = 1000;

/** One instance's committed view of the ledger, fed from the table in index order. */
export class LedgerFollower {
  readonly range = new CompactRange(sha256);
  readonly hashes = new HashList();
  private listeners: ((entries: readonly AppendedEntry[]) => void)[] = [];
  private running: Promise<void> | null = null;
  private again = false;
  private unlisten: (() => Promise<void>) | null = null;
  private timer: NodeJS.Timeout | null = null;

  private readonly sql: Sql;

  constructor(sql: Sql) {
    this.sql = sql;
  }

  /** Committed size seen so far. */
  get size(): number {
    return this.hashes.size;
  }

  /** Subscribes to newly seen committed entries (in index order, each once). */
  onCommitted(listener: (entries: readonly AppendedEntry[]) => void): void {
    this.listeners.push(listener);
  }

  /** Follows the table: wakes on notifications and every `pollMs` (a lost notification is only a delay). */
  async start(pollMs = 1000): Promise<void> {
    await this.catchUp();
    this.unlisten = await this.sql.listen(LEDGER_CHANNEL, () => void this.catchUp().catch(() => undefined));
    this.timer = setInterval(() => void this.catchUp().catch(() => undefined), pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.unlisten?.();
    this.unlisten = null;
    await this.running?.catch(() => undefined);
  }

  /** Reads every entry committed past `size`; concurrent calls share one reader (a call during a read re-reads). */
  catchUp(): Promise<void> {
    if (this.running !== null) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          while (await this.readPage());
        } while (this.again);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private async readPage(): Promise<boolean> {
    const rows = await this.sql.all<{ idx: number; leaf: string; leaf_hash: Uint8Array }>(
      'SELECT idx, leaf, leaf_hash FROM ledger WHERE idx >= ? ORDER BY idx LIMIT ?',
      [this.size, PAGE],
    );
    const batch: AppendedEntry[] = [];
    for (const r of rows) {
      const hash = new Uint8Array(r.leaf_hash);
      if (r.idx !== this.size) throw new Error(`LEDGER_CORRUPT: the ledger table has a gap before idx ${r.idx}`);
      if (toHex(leafHash(sha256, utf8Encode(r.leaf))) !== toHex(hash))
        throw new Error(`LEDGER_CORRUPT: the stored hash of entry ${r.idx} does not match its leaf`);
      this.hashes.push(hash);
      this.range.append(hash);
      batch.push({ idx: r.idx, text: r.leaf, hash });
    }
    if (batch.length > 0) for (const l of this.listeners) l(batch);
    return rows.length === PAGE;
  }
}

/**
 * Signs the committed tree (as of a fresh read of the table) unless a checkpoint already covers it, stores it and
 * returns the latest checkpoint. Throws LEDGER_CORRUPT if the database holds a different root for the size
 * (impossible while the ledger is append-only: it means the table was tampered with).
 */
export async function signCheckpointFromDb(
  sql: Sql,
  origin: string,
  follower: LedgerFollower,
  signersFor: (size: number) => NoteSigner[],
  now: number,
): Promise<Checkpoint> {
  await follower.catchUp();
  const size = follower.size;
  const root = follower.range.root();
  return sql.tx(async () => {
    await sql.lock('tombstone:checkpoint');
    const latest = await sql.get<{ size: number; root: Uint8Array; note: string }>(
      'SELECT size, root, note FROM checkpoints ORDER BY size DESC LIMIT 1',
    );
    if (latest !== undefined && latest.size >= size) {
      if (latest.size === size && toHex(new Uint8Array(latest.root)) !== toHex(root))
        throw new Error(`LEDGER_CORRUPT: the stored checkpoint at size ${size} has another root than the table's`);
      return { size: latest.size, note: latest.note };
    }
    const note = signCheckpoint(sha256, { origin, size, root }, signersFor(size));
    await sql.run('INSERT INTO checkpoints (size, root, note, created_at) VALUES (?, ?, ?, ?)', [
      size,
      Buffer.from(root),
      note,
      now,
    ]);
    return { size, note };
  });
}
