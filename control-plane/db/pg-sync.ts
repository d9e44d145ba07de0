/**
 * A synchronous PostgreSQL connection with the subset of better-sqlite3's `Database` API the domain code uses
 * (prepare → get / all / run / iterate / pluck / raw, exec, transaction, inTransaction, close), so Store and the
 * synchronous domain run unchanged on PostgreSQL.
 *
 * How: a worker thread (pg-sync-worker.ts) owns ONE dedicated `pg.Client`. Each call posts its request to the worker
 * and blocks this thread in Atomics.wait until the worker has put the answer on a MessagePort, which is then read
 * synchronously (receiveMessageOnPort). The trade-off is deliberate: like SQLite's disk I/O, every round trip blocks
 * the event loop, so an instance runs one statement (and one transaction) at a time; throughput comes from running
 * more instances. Every wait is bounded (`timeoutMs`, default 30 s) and the server cancels statements first
 * (`statement_timeout`, default 90 % of it): E_DATABASE_TIMEOUT. A refused or lost connection is
 * E_DATABASE_UNREACHABLE; a worker that does not answer in time is terminated and the database closed.
 *
 * Differences from better-sqlite3: statements are checked by the server when first run, not by prepare();
 * `lastInsertRowid` is always 0 (use RETURNING); BIGINT and NUMERIC read as numbers, BYTEA as Buffer, booleans as
 * booleans, JSON as text. As on PostgreSQL generally, a failed statement aborts the whole transaction (roll back to a
 * savepoint to go on); a COMMIT of such a transaction throws (SQLSTATE 25P02) instead of silently rolling back.
 * Parameters: positional `?` and `@name` (one plain object), rewritten to `$n` outside quotes and comments.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { PgSyncErrorFields, PgSyncReply, PgSyncRequest } from './pg-sync-worker.ts';

// From source the worker is the .ts file (Node type stripping); built, it is the sibling .js file.
const WORKER_FILE = import.meta.url.endsWith('.ts') ? './pg-sync-worker.ts' : './pg-sync-worker.js';

/** Options of a PgSyncDatabase. */
export interface PgSyncOptions {
  /** Longest one call may block this thread, in ms (default 30 000). */
  timeoutMs?: number;
  /** PostgreSQL statement_timeout in ms (0: none; default 90 % of timeoutMs, so the server gives up first). */
  statementTimeoutMs?: number;
  /**
   * PostgreSQL lock_timeout in ms (0: none, the default): the longest a statement waits for a lock another connection
   * holds (SQLSTATE 55P03 when it gives up), so a stuck holder elsewhere cannot block this thread for the whole wait.
   */
  lockTimeoutMs?: number;
}

/**
 * A database error rethrown on this thread. `code` is the SQLSTATE for server errors (23505, 23514, P0001, …), or
 * E_DATABASE_TIMEOUT / E_DATABASE_UNREACHABLE (then `sqlState` holds the server's code, if any).
 */
export class PgSyncError extends Error {
  readonly code: string;
  readonly sqlState: string | undefined;
  readonly constraint: string | undefined;
  readonly detail: string | undefined;
  readonly hint: string | undefined;
  readonly table: string | undefined;
  readonly column: string | undefined;

  constructor(message: string, code: string, f: Partial<PgSyncErrorFields> = {}) {
    super(message);
    this.name = 'PgSyncError';
    this.code = code;
    this.sqlState = f.code;
    this.constraint = f.constraint;
    this.detail = f.detail;
    this.hint = f.hint;
    this.table = f.table;
    this.column = f.column;
  }
}

function timeoutError(what: string, f?: PgSyncErrorFields): PgSyncError {
  return new PgSyncError(
    `E_DATABASE_TIMEOUT: ${what}; make the statement cheaper (index, smaller batch) or raise the timeout, then retry.`,
    'E_DATABASE_TIMEOUT',
    f,
  );
}

function unreachableError(what: string, f?: PgSyncErrorFields): PgSyncError {
  return new PgSyncError(
    `E_DATABASE_UNREACHABLE: ${what}; check that PostgreSQL is running and reachable with this URL, then retry.`,
    'E_DATABASE_UNREACHABLE',
    f,
  );
}

function toError(f: PgSyncErrorFields): PgSyncError {
  if (f.code === '57014') return timeoutError(`the server cancelled the statement (${f.message})`, f);
  if (f.lost) return unreachableError(`the database connection failed (${f.message})`, f);
  return new PgSyncError(f.message, f.code ?? 'E_DATABASE', f);
}

/** One placeholder of a rewritten statement: the index of a positional value, or the name of a named one. */
type Slot = number | string;

const IDENT = /[A-Za-z0-9_]/;

/**
 * Rewrites `?` and `@name` placeholders to `$1…$n` (one number per distinct name), leaving string literals, quoted
 * identifiers, dollar-quoted bodies and comments alone.
 */
export function toPgParams(sql: string): { text: string; slots: Slot[] } {
  const slots: Slot[] = [];
  const names = new Map<string, number>();
  let positional = 0;
  let out = '';
  let i = 0;
  const skipTo = (end: string, from: number): number => {
    const j = sql.indexOf(end, from);
    return j < 0 ? sql.length : j + end.length;
  };
  while (i < sql.length) {
    const ch = sql[i] as string;
    const next = sql[i + 1];
    let j = i + 1;
    if (ch === "'" || ch === '"') j = skipTo(ch, i + 1);
    else if (ch === '-' && next === '-') j = skipTo('\n', i + 2);
    else if (ch === '/' && next === '*') j = skipTo('*/', i + 2);
    else if (ch === '$' && !IDENT.test(sql[i - 1] ?? ' ')) {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i))?.[0];
      if (tag !== undefined) j = skipTo(tag, i + tag.length);
    } else if (ch === '?') {
      slots.push(positional++);
      out += `$${slots.length}`;
      i++;
      continue;
    } else if (ch === '@' && /[A-Za-z_]/.test(next ?? '')) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1))?.[0] as string;
      let n = names.get(name);
      if (n === undefined) {
        slots.push(name);
        n = slots.length;
        names.set(name, n);
      }
      out += `$${n}`;
      i += 1 + name.length;
      continue;
    }
    out += sql.slice(i, j);
    i = j;
  }
  return { text: out, slots };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Date);
}

function toValue(v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v === undefined ? null : v;
}

/** better-sqlite3's binding rules: positional values (arrays flattened) plus at most one object of named values. */
function bind(slots: readonly Slot[], args: readonly unknown[]): unknown[] {
  const positional: unknown[] = [];
  let named: Record<string, unknown> | undefined;
  for (const a of args) {
    if (Array.isArray(a)) positional.push(...(a as unknown[]));
    else if (isPlainObject(a)) {
      if (named !== undefined) throw new TypeError('You cannot specify named parameters in two different objects');
      named = a;
    } else positional.push(a);
  }
  const wanted = slots.filter((s) => typeof s === 'number').length;
  if (positional.length < wanted) throw new RangeError('Too few parameter values were provided');
  if (positional.length > wanted) throw new RangeError('Too many parameter values were provided');
  return slots.map((s) => {
    if (typeof s === 'number') return toValue(positional[s]);
    if (named === undefined || !(s in named)) throw new RangeError(`Missing named parameter "${s}"`);
    return toValue(named[s]);
  });
}

function toBuffers(v: unknown): unknown {
  return v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v;
}

/** A statement of a PgSyncDatabase (rewritten once; sent to the server each time it runs). */
export class PgSyncStatement {
  readonly source: string;
  private readonly db: PgSyncDatabase;
  private readonly text: string;
  private readonly slots: Slot[];
  private plucking = false;
  private rawRows = false;

  constructor(db: PgSyncDatabase, source: string) {
    this.db = db;
    this.source = source;
    ({ text: this.text, slots: this.slots } = toPgParams(source));
  }

  /** get / all / iterate return the first column's value only. */
  pluck(on = true): this {
    this.plucking = on;
    if (on) this.rawRows = false;
    return this;
  }

  /** get / all / iterate return each row as an array of values. */
  raw(on = true): this {
    this.rawRows = on;
    if (on) this.plucking = false;
    return this;
  }

  private rows(params: unknown[]): unknown[] {
    const rows = this.db.query(this.text, bind(this.slots, params), this.plucking || this.rawRows).rows;
    return this.plucking ? rows.map((r) => (r as unknown[])[0]) : rows;
  }

  get(...params: unknown[]): unknown {
    return this.rows(params)[0];
  }

  all(...params: unknown[]): unknown[] {
    return this.rows(params);
  }

  /** Reads every row, then iterates over them. */
  iterate(...params: unknown[]): IterableIterator<unknown> {
    return this.rows(params)[Symbol.iterator]();
  }

  run(...params: unknown[]): { changes: number; lastInsertRowid: number } {
    return { changes: this.db.query(this.text, bind(this.slots, params), false).rowCount, lastInsertRowid: 0 };
  }
}

// Allowance for starting the worker thread, on top of the first wait.
const WORKER_START_MS = 5_000;

// A fixed name, as in better-sqlite3: nested savepoints of one name stack, ROLLBACK TO / RELEASE take the newest.
const SAVEPOINT = 'pg_sync_tx';

/** One dedicated PostgreSQL connection used synchronously (see the header). */
export class PgSyncDatabase {
  private worker: Worker | null;
  private readonly port: MessagePort;
  private readonly state = new Int32Array(new SharedArrayBuffer(4));
  private readonly timeoutMs: number;
  private tx = false;

  /** Connects to `url` (postgres://…); throws E_DATABASE_UNREACHABLE if it cannot within the timeout. */
  constructor(url: string, options: PgSyncOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(new URL(WORKER_FILE, import.meta.url), {
      workerData: { state: this.state.buffer, port: port2 },
      transferList: [port2],
    });
    // Like a better-sqlite3 handle, an open connection does not keep the process alive.
    this.worker.on('error', () => undefined);
    this.worker.unref();
    const connectTimeoutMs = Math.max(1, Math.floor(this.timeoutMs * 0.9));
    const statementTimeoutMs = options.statementTimeoutMs ?? connectTimeoutMs;
    try {
      // The first wait also covers the worker's start-up (loading its modules); the connect itself is bounded above.
      this.call(
        { op: 'connect', url, connectTimeoutMs, statementTimeoutMs, lockTimeoutMs: options.lockTimeoutMs ?? 0 },
        this.timeoutMs + WORKER_START_MS,
      );
    } catch (err) {
      this.kill();
      if (err instanceof PgSyncError && err.code === 'E_DATABASE_UNREACHABLE') throw err;
      const f = err instanceof PgSyncError ? { message: err.message, code: err.sqlState, lost: true } : undefined;
      throw unreachableError(`cannot connect (${err instanceof Error ? err.message : String(err)})`, f);
    }
  }

  /** False once closed (or once a worker that stopped answering was terminated). */
  get open(): boolean {
    return this.worker !== null;
  }

  /** True while a transaction is open on the connection. */
  get inTransaction(): boolean {
    return this.tx;
  }

  prepare(sql: string): PgSyncStatement {
    return new PgSyncStatement(this, sql);
  }

  /** Runs a script of statements without parameters. */
  exec(script: string): this {
    this.call({ op: 'exec', text: script });
    return this;
  }

  /**
   * Wraps fn in a transaction: BEGIN / COMMIT, or a savepoint when one is already open (it alone rolls back when fn
   * throws). fn must be synchronous.
   */
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    return (...args: A): R => {
      const nested = this.tx;
      this.exec(nested ? `SAVEPOINT ${SAVEPOINT}` : 'BEGIN');
      try {
        const result = fn(...args);
        if (result instanceof Promise) throw new TypeError('Transaction function cannot return a promise');
        this.exec(nested ? `RELEASE ${SAVEPOINT}` : 'COMMIT');
        return result;
      } catch (err) {
        if (this.tx && this.open) this.exec(nested ? `ROLLBACK TO ${SAVEPOINT}; RELEASE ${SAVEPOINT}` : 'ROLLBACK');
        throw err;
      }
    };
  }

  /** Ends the connection and the worker. */
  close(): this {
    if (this.worker === null) return this;
    try {
      this.call({ op: 'end' });
    } finally {
      this.kill();
    }
    return this;
  }

  /** Runs one statement (internal to PgSyncStatement). */
  query(text: string, values: unknown[], array: boolean): { rows: unknown[]; rowCount: number } {
    const r = this.call({ op: 'query', text, values, array });
    if (r.bytea) {
      for (const row of r.rows as (unknown[] | Record<string, unknown>)[]) {
        if (Array.isArray(row)) row.forEach((v, i) => (row[i] = toBuffers(v)));
        else for (const k of Object.keys(row)) row[k] = toBuffers(row[k]);
      }
    }
    return r;
  }

  private kill(): void {
    const w = this.worker;
    this.worker = null;
    this.tx = false;
    this.port.close();
    void w?.terminate();
  }

  private call(req: PgSyncRequest, timeoutMs = this.timeoutMs): Extract<PgSyncReply, { ok: true }> {
    if (this.worker === null) throw unreachableError('the database connection is closed');
    // Reset "answered" (1) to "waiting" (0); "worker gone" (2) stays, so the wait below returns at once.
    Atomics.compareExchange(this.state, 0, 1, 0);
    this.worker.postMessage(req);
    const waited = Atomics.wait(this.state, 0, 0, timeoutMs);
    const m = receiveMessageOnPort(this.port)?.message as PgSyncReply | undefined;
    if (m === undefined) {
      // No answer: the worker is stuck or gone, and the connection's state unknown. Nothing more can run on it.
      this.kill();
      throw waited === 'timed-out'
        ? timeoutError(`no answer from the database within ${timeoutMs} ms; the connection was closed`)
        : unreachableError('the database worker stopped; the connection was closed');
    }
    this.tx = m.tx;
    if (!m.ok) throw toError(m.error);
    return m;
  }
}
