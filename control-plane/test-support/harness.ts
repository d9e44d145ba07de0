/**
 * Test harness: a real control plane on 127.0.0.1:0 with a controllable clock and one token per role. With
 * TOMBSTONE_TEST_ENGINE=postgres (the `control-plane-on-pg` vitest project) every harness runs on a fresh database of
 * the run's PostgreSQL cluster instead of SQLite in its data dir: the same tests, the other engine.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { freshPgDatabase } from '../../test-support/pg-context.ts';
import type { Db } from '../db/db.ts';
import { openPgSql, openSqliteSql } from '../db/open-db.ts';
import { PgSyncDatabase } from '../db/pg-sync.ts';
import { addUser } from '../db/users.ts';
import type { Role } from '../db/users.ts';
import type { ControlPlaneOptions } from '../options.ts';
import type { RunningControlPlane } from '../server.ts';
import { startControlPlane } from '../server.ts';

/** People every harness creates: name → role. */
export const PEOPLE: Record<string, Role> = {
  alice: 'admin',
  rita: 'responder',
  ron: 'responder',
  amy: 'approver',
  bob: 'approver',
  carl: 'approver',
  vera: 'viewer',
};

/** A response as tests see it. */
export interface Res {
  status: number;
  body: unknown;
  text: string;
  headers: Headers;
}

/** A running test server. */
export interface Harness {
  cp: RunningControlPlane;
  url: string;
  dataDir: string;
  tokens: Record<string, string>;
  clock: { now: number };
  /** Sends a request as `who` (a PEOPLE name, a raw token via `token:`, or null for none). */
  req(who: string | null, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Res>;
  /** The PostgreSQL database the server runs on (null: SQLite in dataDir). */
  database: string | null;
  /** A second read/write connection to the server's database (for raw-SQL tests). */
  rawDb(): Db;
  close(): Promise<void>;
}

/** The fixed start of every test clock. */
export const T0 = Date.parse('2026-11-25T03:00:00.000Z');

async function send(
  base: string,
  tokens: Record<string, string>,
  who: string | null,
  method: string,
  path: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<Res> {
  const h2: Record<string, string> = { ...headers };
  const token = who === null ? undefined : who.startsWith('token:') ? who.slice(6) : tokens[who];
  if (token !== undefined) h2['Authorization'] = `Bearer ${token}`;
  let payload: string | undefined;
  if (body !== undefined) {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    h2['Content-Type'] ??= 'application/json';
  }
  const res = await fetch(`${base}${path}`, { method, headers: h2, body: payload });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    parsed = null;
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

/** Starts a control plane in a fresh temp dir with users for every role. */
export async function startHarness(options: Partial<ControlPlaneOptions> = {}): Promise<Harness> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'cp-test-'));
  const database =
    options.database !== undefined
      ? options.database
      : process.env['TOMBSTONE_TEST_ENGINE'] === 'postgres'
        ? await freshPgDatabase('harness')
        : null;
  const sql = database === null ? openSqliteSql(dataDir) : await openPgSql(database, 1);
  const tokens: Record<string, string> = {};
  for (const [name, role] of Object.entries(PEOPLE)) tokens[name] = await addUser(sql, name, role, T0);
  await sql.close();
  const clock = { now: T0 };
  const cp = await startControlPlane({
    heartbeatMs: 200,
    checkpointIntervalMs: 50,
    schedulerIntervalMs: 50,
    log: () => undefined,
    clock: () => clock.now,
    ...options,
    dataDir,
    database,
  });
  const raws: Db[] = [];
  const h: Harness = {
    cp,
    url: cp.url,
    dataDir,
    database,
    tokens,
    clock,
    req: (who, method, path, body, headers = {}) => send(cp.url, tokens, who, method, path, body, headers),
    rawDb() {
      let raw: Db;
      if (database === null) {
        const file = new Database(join(dataDir, 'control-plane.sqlite'));
        file.pragma('busy_timeout = 5000');
        raw = file;
      } else raw = new PgSyncDatabase(database);
      raws.push(raw);
      return raw;
    },
    async close() {
      for (const r of raws) r.close();
      await cp.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return h;
}

/**
 * Another instance of the harness's control plane on its PostgreSQL database, as docs/deploy.md deploys one: a data
 * dir of its own holding copies of the first instance's keys and secret, and the harness's business clock. Its
 * close() also removes its data dir.
 */
export async function startPeer(h: Harness, options: Partial<ControlPlaneOptions> = {}): Promise<RunningControlPlane> {
  if (h.database === null) throw new Error('startPeer needs a harness on PostgreSQL (startHarness({ database }))');
  const dataDir = mkdtempSync(join(tmpdir(), 'cp-peer-'));
  cpSync(join(h.dataDir, 'keys'), join(dataDir, 'keys'), { recursive: true });
  cpSync(join(h.dataDir, 'secret'), join(dataDir, 'secret'));
  let cp: RunningControlPlane;
  try {
    cp = await startControlPlane({
      heartbeatMs: 200,
      checkpointIntervalMs: 50,
      log: () => undefined,
      clock: () => h.clock.now,
      ...options,
      dataDir,
      database: h.database,
    });
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const close = cp.close;
  return {
    ...cp,
    close: async () => {
      await close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The error code of an error response body. */
export function code(res: Res): string | undefined {
  const err = (res.body as { error?: { code?: string } } | null)?.error;
  return err?.code;
}

/** The body as a record (for field access in assertions). */
export function obj(res: Res): Record<string, unknown> {
  return res.body as Record<string, unknown>;
}

/** Ledger entries [start, size) parsed as objects. */
export async function entries(h: Harness, start = 0): Promise<Record<string, unknown>[]> {
  const res = await h.req('alice', 'GET', `/api/v1/ledger/entries?start=${start}`);
  return res.text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The last ledger entry. */
export async function lastEntry(h: Harness): Promise<Record<string, unknown>> {
  const size = h.cp.app.ledger.size;
  const [e] = await entries(h, size - 1);
  if (e === undefined) throw new Error('empty ledger');
  return e;
}

/** Creates a flag (MEDIUM unless given) and returns its key. */
export async function makeFlag(
  h: Harness,
  key: string,
  tier = 'MEDIUM',
  extra: Record<string, unknown> = {},
): Promise<string> {
  const res = await h.req('alice', 'POST', '/api/v1/flags', {
    key,
    type: 'release',
    owner: 'payments',
    services: ['payments'],
    tier,
    description: `test flag ${key}`,
    safe_default: { enabled: false, rollout_pct: 0 },
    ...extra,
  });
  if (res.status !== 201) throw new Error(`create ${key}: ${res.status} ${res.text}`);
  return key;
}

/** Waits until `check` returns true (polling every 20 ms), or fails after `ms`. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('condition not met in time');
}
