/**
 * One asynchronous data-access seam over both engines: `Sql` runs parameterised statements (`?` placeholders, SQLite
 * style, rewritten to `$n` for PostgreSQL) and transactions with the same discipline as Store: `tx(fn)` is one
 * transaction, a nested `tx` is a SAVEPOINT that rolls back alone, hooks registered with `afterCommit` run only after
 * the outermost COMMIT and `onRollback` hooks only after a rollback (of the whole transaction, or of the savepoint
 * they were registered in). In-memory state (ledger tree, streams) therefore never gets ahead of the database.
 *
 * `lock(key)` takes a transaction-scoped exclusive lock: a PostgreSQL advisory lock, so writers on different instances
 * of one database serialise on it (ledger sequencing, scheduler, break-glass); on SQLite every transaction already
 * runs alone on the one connection, so it is a no-op.
 *
 * SQLite: one better-sqlite3 connection; transactions and statements outside them are queued on one async mutex, so a
 * statement issued while another caller's transaction awaits never reads or joins that transaction's uncommitted work.
 * PostgreSQL: a `pg` pool; each outermost transaction holds one pooled client for its duration.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import type Database from 'better-sqlite3';
import pg from 'pg';

/** A statement parameter (BLOB / bytea as Buffer). */
export type Param = string | number | bigint | boolean | Buffer | Uint8Array | null;
/** One result row, column name to value. */
export type Row = Record<string, unknown>;

type Hook = () => void;

/** The seam every piece of domain code reaches the database through. */
export interface Sql {
  readonly engine: 'sqlite' | 'postgres';
  /** The first row, or undefined. */
  get<T = Row>(sql: string, params?: readonly Param[]): Promise<T | undefined>;
  /** Every row. */
  all<T = Row>(sql: string, params?: readonly Param[]): Promise<T[]>;
  /** Runs a statement; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly Param[]): Promise<{ changes: number }>;
  /** Runs a script of several statements without parameters. */
  exec(script: string): Promise<void>;
  /** Runs fn atomically (nested calls: a savepoint that rolls back alone); hooks run after COMMIT / ROLLBACK. */
  tx<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Group commit for request handlers: like tx(fn), but on SQLite the jobs queued in the same event-loop turn share
   * one transaction, each in its own savepoint (a failing job rolls back alone), and every job settles only after the
   * shared COMMIT. On PostgreSQL each job is its own transaction (the pool runs them side by side).
   */
  batch<T>(fn: () => Promise<T>): Promise<T>;
  /** True inside tx(). */
  readonly inTx: boolean;
  /** Exclusive lock on `key` until the current transaction ends (across instances on PostgreSQL). */
  lock(key: string): Promise<void>;
  /** Registers work to run after the outermost transaction commits (immediately when not in one). */
  afterCommit(hook: Hook): void;
  /** Registers work to run if the current transaction or savepoint rolls back. */
  onRollback(hook: Hook): void;
  /** Wakes every listener of `channel` (on every instance) once the current transaction commits. */
  notify(channel: string, payload: string): Promise<void>;
  /** Calls fn on each notification of `channel`; resolves to the unsubscribe. A wake-up only: read the tables. */
  listen(channel: string, fn: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

const CHANNEL_RE = /^[a-z_][a-z0-9_]{0,62}$/;

function checkChannel(channel: string): void {
  if (!CHANNEL_RE.test(channel)) throw new Error(`invalid notification channel ${channel}`);
}

interface Frame {
  depth: number;
  savepoints: number;
  commitHooks: Hook[];
  rollbackHooks: Hook[];
}

interface PgFrame extends Frame {
  client: pg.PoolClient;
}

function runHooks(hooks: readonly Hook[]): void {
  for (const h of hooks) h();
}

/** Shared savepoint logic: `exec` runs one control statement on the transaction's connection. */
async function inSavepoint<T>(frame: Frame, exec: (sql: string) => Promise<void>, fn: () => Promise<T>): Promise<T> {
  const name = `sp_${++frame.savepoints}`;
  const commits = frame.commitHooks.length;
  const rollbacks = frame.rollbackHooks.length;
  await exec(`SAVEPOINT ${name}`);
  frame.depth++;
  try {
    const result = await fn();
    await exec(`RELEASE SAVEPOINT ${name}`);
    return result;
  } catch (err) {
    await exec(`ROLLBACK TO SAVEPOINT ${name}`);
    await exec(`RELEASE SAVEPOINT ${name}`);
    frame.commitHooks.length = commits;
    const undo = frame.rollbackHooks.splice(rollbacks);
    runHooks(undo);
    throw err;
  } finally {
    frame.depth--;
  }
}

/** A FIFO async mutex. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

function sqliteParams(params: readonly Param[]): unknown[] {
  return params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));
}

interface Job {
  fn: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

const MAX_BATCH = 512;

/** The seam over one better-sqlite3 connection. */
export class SqliteSql implements Sql {
  readonly engine = 'sqlite' as const;
  private readonly als = new AsyncLocalStorage<Frame>();
  private readonly mutex = new Mutex();
  private readonly cache = new Map<string, Database.Statement>();
  // One process owns a SQLite database: notifications stay in it.
  private readonly events = new EventEmitter();
  private queue: Job[] = [];
  private flushScheduled = false;

  readonly db: Database.Database;

  constructor(db: Database.Database) {
    this.db = db;
  }

  get inTx(): boolean {
    return this.als.getStore() !== undefined;
  }

  private prepare(sql: string): Database.Statement {
    let s = this.cache.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  /** Runs fn on the connection: directly inside this caller's transaction, else after every queued transaction. */
  private use<T>(fn: () => T): Promise<T> {
    if (this.als.getStore() !== undefined) return Promise.resolve().then(fn);
    return this.mutex.run(async () => fn());
  }

  get<T = Row>(sql: string, params: readonly Param[] = []): Promise<T | undefined> {
    return this.use(() => {
      const s = this.prepare(sql);
      return (s.reader ? s.get(...sqliteParams(params)) : (s.run(...sqliteParams(params)), undefined)) as T | undefined;
    });
  }

  all<T = Row>(sql: string, params: readonly Param[] = []): Promise<T[]> {
    return this.use(() => this.prepare(sql).all(...sqliteParams(params)) as T[]);
  }

  run(sql: string, params: readonly Param[] = []): Promise<{ changes: number }> {
    return this.use(() => ({ changes: this.prepare(sql).run(...sqliteParams(params)).changes }));
  }

  exec(script: string): Promise<void> {
    return this.use(() => void this.db.exec(script));
  }

  async lock(_key: string): Promise<void> {
    // Every SQLite transaction runs alone on the one connection (the mutex): nothing to wait for.
  }

  afterCommit(hook: Hook): void {
    const frame = this.als.getStore();
    if (frame === undefined) hook();
    else frame.commitHooks.push(hook);
  }

  onRollback(hook: Hook): void {
    this.als.getStore()?.rollbackHooks.push(hook);
  }

  tx<T>(fn: () => Promise<T>): Promise<T> {
    const outer = this.als.getStore();
    const exec = async (s: string): Promise<void> => void this.db.exec(s);
    if (outer !== undefined) return inSavepoint(outer, exec, fn);
    return this.mutex.run(async () => {
      const frame: Frame = { depth: 1, savepoints: 0, commitHooks: [], rollbackHooks: [] };
      this.db.exec('BEGIN IMMEDIATE');
      let result: T;
      try {
        result = await this.als.run(frame, fn);
        this.db.exec('COMMIT');
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        runHooks(frame.rollbackHooks);
        throw err;
      }
      runHooks(frame.commitHooks);
      return result;
    });
  }

  batch<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inTx) return this.tx(fn);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (this.queue.length >= MAX_BATCH) void this.flush();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const jobs = this.queue;
    this.queue = [];
    if (jobs.length === 0) return;
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      await this.tx(async () => {
        for (const job of jobs) {
          try {
            outcomes.push({ ok: true, value: await this.tx(job.fn) });
          } catch (err) {
            outcomes.push({ ok: false, value: err });
          }
        }
      });
    } catch (err) {
      for (const job of jobs) job.reject(err);
      return;
    }
    jobs.forEach((job, i) => {
      const o = outcomes[i];
      if (o?.ok === true) job.resolve(o.value);
      else job.reject(o?.value);
    });
  }

  async notify(channel: string, payload: string): Promise<void> {
    checkChannel(channel);
    this.afterCommit(() => this.events.emit(channel, payload));
  }

  async listen(channel: string, fn: (payload: string) => void): Promise<() => Promise<void>> {
    checkChannel(channel);
    this.events.on(channel, fn);
    return async () => void this.events.off(channel, fn);
  }

  async close(): Promise<void> {
    await this.mutex.run(async () => this.db.close());
  }
}

/** Rewrites `?` placeholders (outside quotes) to `$1`, `$2`, … */
export function toPgPlaceholders(sql: string): string {
  let out = '';
  let n = 0;
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote !== null) {
      if (ch === quote) quote = null;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') out += `$${++n}`;
    else out += ch;
  }
  return out;
}

// BIGINT columns (ledger indexes, millisecond timestamps) come back as numbers, as they do from SQLite; every value
// the control plane stores fits in 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

function pgParams(params: readonly Param[]): unknown[] {
  return params.map((p) => (typeof p === 'bigint' ? p.toString() : p instanceof Uint8Array ? Buffer.from(p) : p));
}

/** The seam over a PostgreSQL pool. */
export class PgSql implements Sql {
  readonly engine = 'postgres' as const;
  private readonly als = new AsyncLocalStorage<PgFrame>();
  private readonly texts = new Map<string, string>();

  readonly pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.pool = pool;
    // An idle pooled connection the server drops (restart, failover) is discarded by the pool; without a listener its
    // 'error' event would end the process. The next query opens a new connection.
    pool.on('error', () => undefined);
  }

  /** A pool on `url` (`postgres://…`) with at most `max` connections. */
  static connect(url: string, max = 10): PgSql {
    return new PgSql(new pg.Pool({ connectionString: url, max }));
  }

  get inTx(): boolean {
    return this.als.getStore() !== undefined;
  }

  private text(sql: string): string {
    let t = this.texts.get(sql);
    if (t === undefined) {
      t = toPgPlaceholders(sql);
      this.texts.set(sql, t);
    }
    return t;
  }

  private async query(sql: string, params: readonly Param[]): Promise<pg.QueryResult> {
    const frame = this.als.getStore();
    const q = { text: this.text(sql), values: pgParams(params) };
    return frame === undefined ? this.pool.query(q) : frame.client.query(q);
  }

  async get<T = Row>(sql: string, params: readonly Param[] = []): Promise<T | undefined> {
    return (await this.query(sql, params)).rows[0] as T | undefined;
  }

  async all<T = Row>(sql: string, params: readonly Param[] = []): Promise<T[]> {
    return (await this.query(sql, params)).rows as T[];
  }

  async run(sql: string, params: readonly Param[] = []): Promise<{ changes: number }> {
    return { changes: (await this.query(sql, params)).rowCount ?? 0 };
  }

  async exec(script: string): Promise<void> {
    const frame = this.als.getStore();
    await (frame === undefined ? this.pool.query(script) : frame.client.query(script));
  }

  async lock(key: string): Promise<void> {
    if (this.als.getStore() === undefined) throw new Error('Sql.lock must run inside tx()');
    await this.query('SELECT pg_advisory_xact_lock(hashtext(?))', [key]);
  }

  afterCommit(hook: Hook): void {
    const frame = this.als.getStore();
    if (frame === undefined) hook();
    else frame.commitHooks.push(hook);
  }

  onRollback(hook: Hook): void {
    this.als.getStore()?.rollbackHooks.push(hook);
  }

  async tx<T>(fn: () => Promise<T>): Promise<T> {
    const outer = this.als.getStore();
    if (outer !== undefined) return inSavepoint(outer, async (s) => void (await outer.client.query(s)), fn);
    const client = await this.pool.connect();
    const frame: PgFrame = { client, depth: 1, savepoints: 0, commitHooks: [], rollbackHooks: [] };
    let result: T;
    try {
      await client.query('BEGIN');
      result = await this.als.run(frame, fn);
      await client.query('COMMIT');
    } catch (err) {
      let broken: Error | undefined;
      try {
        await client.query('ROLLBACK');
      } catch (e) {
        broken = e instanceof Error ? e : new Error(String(e));
      }
      client.release(broken);
      runHooks(frame.rollbackHooks);
      throw err;
    }
    client.release();
    runHooks(frame.commitHooks);
    return result;
  }

  batch<T>(fn: () => Promise<T>): Promise<T> {
    return this.tx(fn);
  }

  async notify(channel: string, payload: string): Promise<void> {
    checkChannel(channel);
    // Inside a transaction PostgreSQL delivers it at COMMIT (and drops it on ROLLBACK).
    await this.query('SELECT pg_notify(?, ?)', [channel, payload]);
  }

  /**
   * LISTENs on a connection of its own. When the server drops it (restart, failover, a terminated backend) it listens
   * again on a new one, retrying every second, and then calls fn once with '' — notifications sent in between are
   * lost, so the listener must read the tables again.
   */
  async listen(channel: string, fn: (payload: string) => void): Promise<() => Promise<void>> {
    checkChannel(channel);
    let done = false;
    let client: pg.PoolClient | null = null;
    let retry: NodeJS.Timeout | null = null;
    const onNote = (n: pg.Notification): void => {
      if (n.channel === channel) fn(n.payload ?? '');
    };
    const lost = (c: pg.PoolClient): void => {
      if (client !== c) return;
      client = null;
      c.off('notification', onNote);
      c.release(new Error('the listening connection was lost'));
      if (!done) again();
    };
    const attach = async (): Promise<void> => {
      const c = await this.pool.connect();
      c.on('error', () => lost(c));
      c.on('end', () => lost(c));
      c.on('notification', onNote);
      client = c;
      try {
        await c.query(`LISTEN ${channel}`);
      } catch (err) {
        if (client === c) {
          client = null;
          c.off('notification', onNote);
          c.release(err instanceof Error ? err : new Error(String(err)));
        }
        throw err;
      }
    };
    const again = (): void => {
      if (done || retry !== null) return;
      retry = setTimeout(() => {
        retry = null;
        if (done) return;
        attach().then(
          () => fn(''),
          () => {
            if (client === null) again();
          },
        );
      }, 1000);
      retry.unref();
    };
    await attach();
    return async () => {
      if (done) return;
      done = true;
      if (retry !== null) clearTimeout(retry);
      const c = client;
      client = null;
      if (c === null) return;
      c.off('notification', onNote);
      try {
        await c.query(`UNLISTEN ${channel}`);
        c.release();
      } catch (err) {
        c.release(err instanceof Error ? err : new Error(String(err)));
      }
    };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
