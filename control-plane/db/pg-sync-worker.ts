/**
 * Worker-thread side of PgSyncDatabase (pg-sync.ts): holds ONE dedicated `pg.Client` and runs the requests the main
 * thread posts, one at a time. Each answer goes onto the MessagePort handed over in workerData, then the shared state
 * word is set and notified, so the main thread, blocked in Atomics.wait, wakes up and reads it with
 * receiveMessageOnPort. When the worker ends for any reason the state word says so (the main thread stops waiting).
 *
 * The connection reports the server's transaction status after every request (ReadyForQuery: idle, in a transaction,
 * failed transaction). A connection lost outside a transaction is reopened by the next request; one lost inside a
 * transaction refuses everything but ROLLBACK, so the rest of that transaction can never run in autocommit mode.
 * A COMMIT the server turned into a rollback (the transaction had failed) is reported as an error, never as success.
 *
 * Plain erasable TypeScript without project imports: it runs as-is under Node's type stripping.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import pg from 'pg';

/** What the main thread asks for. */
export type PgSyncRequest =
  | { op: 'connect'; url: string; connectTimeoutMs: number; statementTimeoutMs: number; lockTimeoutMs: number }
  | { op: 'query'; text: string; values: unknown[]; array: boolean }
  | { op: 'exec'; text: string }
  | { op: 'end' };

/** A PostgreSQL error (or a connection failure) as plain fields. */
export interface PgSyncErrorFields {
  message: string;
  /** SQLSTATE, or a Node error code (ECONNREFUSED) for a connection failure. */
  code?: string;
  constraint?: string;
  detail?: string;
  hint?: string;
  table?: string;
  column?: string;
  schema?: string;
  /** True when the connection is gone (refused, reset, terminated by the server). */
  lost: boolean;
}

/** The answer to one request; `tx` is true while a transaction is open (or lost and not yet rolled back). */
export type PgSyncReply =
  | { ok: true; rows: unknown[]; rowCount: number; bytea: boolean; tx: boolean }
  | { ok: false; error: PgSyncErrorFields; tx: boolean };

const BYTEA = 17;
const PASS = (v: string): string => v;
const NUMBER = (v: string): number => Number(v);

const { state: sab, port } = workerData as { state: SharedArrayBuffer; port: MessagePort };
const state = new Int32Array(sab);

let config: Extract<PgSyncRequest, { op: 'connect' }> | null = null;
let client: pg.Client | null = null;
let status = 'I';
let lostInTx = false;

function signal(value: number): void {
  Atomics.store(state, 0, value);
  Atomics.notify(state, 0);
}

function reply(m: PgSyncReply): void {
  port.postMessage(m);
  signal(1);
}

process.on('exit', () => signal(2));

function fields(err: unknown): PgSyncErrorFields {
  const e = (err ?? {}) as Record<string, unknown>;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const text = (k: string): string | undefined => (typeof e[k] === 'string' ? e[k] : undefined);
  // SQLSTATE class 08 (connection exception), 57P01-57P03 (server shutting down), or no SQLSTATE at all.
  const lost = code === undefined || !/^[0-9A-Z]{5}$/.test(code) || code.startsWith('08') || /^57P0[123]$/.test(code);
  return {
    message: err instanceof Error ? err.message : String(err),
    code,
    constraint: text('constraint'),
    detail: text('detail'),
    hint: text('hint'),
    table: text('table'),
    column: text('column'),
    schema: text('schema'),
    lost,
  };
}

function drop(c: pg.Client): void {
  if (client !== c) return;
  client = null;
  if (status !== 'I') lostInTx = true;
  status = 'I';
  void c.end().catch(() => undefined);
}

async function open(): Promise<pg.Client> {
  if (client !== null) return client;
  if (config === null) throw new Error('not connected');
  const c = new pg.Client({
    connectionString: config.url,
    connectionTimeoutMillis: config.connectTimeoutMs,
    statement_timeout: config.statementTimeoutMs,
    lock_timeout: config.lockTimeoutMs,
    application_name: 'tombstone-pg-sync',
  });
  // This client only: integers and numerics as numbers (as from SQLite), JSON as its text (as SQLite stores it).
  c.setTypeParser(pg.types.builtins.INT8, NUMBER);
  c.setTypeParser(pg.types.builtins.NUMERIC, NUMBER);
  c.setTypeParser(pg.types.builtins.JSON, PASS);
  c.setTypeParser(pg.types.builtins.JSONB, PASS);
  c.on('error', () => drop(c));
  c.on('end', () => drop(c));
  await c.connect();
  (c as unknown as { connection: { on(e: string, f: (m: { status: string }) => void): void } }).connection.on(
    'readyForQuery',
    (m) => (status = m.status),
  );
  client = c;
  return c;
}

function lostInTxError(): PgSyncErrorFields {
  return {
    message: 'the connection was lost inside a transaction (the server rolled it back); roll back, then retry',
    code: '08006',
    lost: true,
  };
}

async function handle(m: PgSyncRequest): Promise<PgSyncReply> {
  if (m.op === 'end') {
    const c = client;
    client = null;
    await c?.end();
    return { ok: true, rows: [], rowCount: 0, bytea: false, tx: false };
  }
  if (m.op === 'connect') config = m;
  if (lostInTx) {
    if (m.op === 'connect' || !/^\s*ROLLBACK\s*;?\s*$/i.test(m.text))
      return { ok: false, error: lostInTxError(), tx: true };
    lostInTx = false;
    return { ok: true, rows: [], rowCount: 0, bytea: false, tx: false };
  }
  const c = await open();
  if (m.op === 'connect') return { ok: true, rows: [], rowCount: 0, bytea: false, tx: false };
  const values = m.op === 'query' ? m.values.map((v) => (v instanceof Uint8Array ? Buffer.from(v) : v)) : undefined;
  const q = { text: m.text, values, rowMode: m.op === 'query' && m.array ? 'array' : undefined };
  const res = (await c.query(q as pg.QueryConfig)) as pg.QueryResult | pg.QueryResult[];
  const last = Array.isArray(res) ? res[res.length - 1] : res;
  if (last?.command === 'ROLLBACK' && /^\s*(COMMIT|END)\b/i.test(m.text)) {
    const error = {
      message: 'the transaction was rolled back at COMMIT because a statement in it had failed',
      code: '25P02',
      lost: false,
    };
    return { ok: false, error, tx: false };
  }
  const rows = m.op === 'query' && last !== undefined ? last.rows : [];
  const bytea = last?.fields?.some((f) => f.dataTypeID === BYTEA) ?? false;
  return { ok: true, rows, rowCount: last?.rowCount ?? 0, bytea, tx: status !== 'I' };
}

parentPort?.on('message', (m: PgSyncRequest) => {
  handle(m).then(reply, (err: unknown) => {
    const error = fields(err);
    if (error.lost && client !== null && m.op !== 'connect') drop(client);
    if (m.op === 'connect' && client === null) config = null;
    reply({ ok: false, error, tx: status !== 'I' || lostInTx });
  });
});
