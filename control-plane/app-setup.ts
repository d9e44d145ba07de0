/**
 * Builds the App (database, ledger, keys, checkpoints, stream hub, services) for a data dir, on SQLite in the data
 * dir or on a shared PostgreSQL database (`database`): one code path over both, through the `Db` handle.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CompactRange, bytesEqual } from '../shared/ledger/index.ts';
import { hmacHex, randomHex, sha256 } from './crypto/node-crypto.ts';
import type { Db, Engine } from './db/db.ts';
import { openDatabase, openPgSql } from './db/open-db.ts';
import { PgSyncDatabase } from './db/pg-sync.ts';
import { SqliteSql, type Sql } from './db/sql.ts';
import { Store } from './db/store.ts';
import type { App } from './domain/app.ts';
import { CircuitBreaker } from './domain/circuit-breaker.ts';
import { MetricsStore } from './domain/metrics-store.ts';
import { Notifier } from './domain/notifier.ts';
import { Checkpointer } from './ledger/checkpointer.ts';
import { DEMO_KEY_SEED, KeyRing } from './ledger/keys.ts';
import { StreamHub } from './ledger/stream-hub.ts';
import { LedgerWriter } from './ledger/writer.ts';
import type { ResolvedOptions } from './options.ts';
import { DEFAULT_ORIGIN, DEMO_ORIGIN } from './options.ts';

function loadSecret(dataDir: string): Buffer {
  const file = join(dataDir, 'secret');
  if (!existsSync(file)) writeFileSync(file, `${randomHex(32)}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
}

function pinOrigin(store: Store, opts: ResolvedOptions): string {
  const stored = store.db.prepare("SELECT value FROM meta WHERE key = 'origin'").pluck().get() as string | undefined;
  if (stored !== undefined) {
    if (opts.origin !== null && opts.origin !== stored) {
      throw new Error(
        `ORIGIN_MISMATCH: ${opts.dataDir} holds the log "${stored}", not "${opts.origin}"; use another --data dir`,
      );
    }
    return stored;
  }
  const origin = opts.origin ?? (opts.demo !== null ? DEMO_ORIGIN : DEFAULT_ORIGIN);
  // Another instance may pin it at the same moment: the first insert wins and every instance reads it back.
  store.db.prepare("INSERT INTO meta (key, value) VALUES ('origin', ?) ON CONFLICT (key) DO NOTHING").run(origin);
  return pinOrigin(store, opts);
}

/**
 * Several instances share one database, so they must share the secret rollback links are signed with: the database
 * keeps a fingerprint of the first instance's secret and refuses an instance whose data dir holds another.
 */
function checkSharedSecret(store: Store, secret: Buffer, dataDir: string): void {
  const id = hmacHex(secret, 'tombstone secret fingerprint v1');
  store.db.prepare("INSERT INTO meta (key, value) VALUES ('secret_id', ?) ON CONFLICT (key) DO NOTHING").run(id);
  const stored = store.db.prepare("SELECT value FROM meta WHERE key = 'secret_id'").pluck().get() as string;
  if (stored !== id) {
    throw new Error(
      `SECRET_MISMATCH: ${join(dataDir, 'secret')} differs from the secret the other instances of this database use; ` +
        'copy the secret file (and keys/) from an instance that runs on it into this data dir',
    );
  }
}

/** Refuses to start when the stored leaves no longer reproduce the latest signed checkpoint. */
function selfCheck(store: Store, writer: LedgerWriter): void {
  const cp = store.db.prepare('SELECT size, root FROM checkpoints ORDER BY size DESC LIMIT 1').get() as
    { size: number; root: Uint8Array } | undefined;
  if (cp === undefined) return;
  if (cp.size > writer.size)
    throw new Error(`LEDGER_CORRUPT: a checkpoint covers ${cp.size} entries but only ${writer.size} are stored`);
  const range = new CompactRange(sha256);
  for (let i = 0; i < cp.size; i++) range.append(writer.hashes.at(i));
  if (!bytesEqual(range.root(), cp.root))
    throw new Error(`LEDGER_CORRUPT: the stored entries do not reproduce the checkpoint at size ${cp.size}`);
}

/** Opens everything on SQLite in the data dir; the caller sets baseUrl once listening. */
export function createApp(opts: ResolvedOptions): App {
  const db = openDatabase(opts.dataDir);
  try {
    return assemble(opts, db, 'sqlite', new SqliteSql(db));
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Opens everything on the engine the options name: SQLite in the data dir, or the PostgreSQL database (migrated
 * first, under a lock, so instances starting together migrate it once). The caller sets baseUrl once listening.
 */
export async function openApp(opts: ResolvedOptions): Promise<App> {
  if (opts.database === null) return createApp(opts);
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const sql = await openPgSql(opts.database);
  let db: PgSyncDatabase | null = null;
  try {
    // A request waits at most 5 s for the ledger's sequence row (another instance's transaction holds it for
    // milliseconds; longer means that instance is stuck): then DATABASE_UNAVAILABLE, instead of a frozen event loop.
    db = new PgSyncDatabase(opts.database, { timeoutMs: 15_000, lockTimeoutMs: 5_000 });
    return assemble(opts, db, 'postgres', sql);
  } catch (err) {
    db?.close();
    await sql.close();
    throw err;
  }
}

function assemble(opts: ResolvedOptions, db: Db, engine: Engine, sql: Sql): App {
  const store = new Store(db, engine);
  const origin = pinOrigin(store, opts);
  const secret = loadSecret(opts.dataDir);
  if (engine === 'postgres') checkSharedSecret(store, secret, opts.dataDir);
  const ledger = new LedgerWriter(store, origin);
  ledger.onFollowError((err) =>
    opts.log(`ledger follow: ${err instanceof Error ? err.message : String(err)}; the next poll reads it again`),
  );
  // Shared: under the sequence row's lock no instance can append or sign meanwhile, so the tree read up to the
  // table's end and the latest checkpoint describe one moment.
  if (ledger.shared)
    store.tx(() => {
      ledger.follow();
      selfCheck(store, ledger);
    });
  else selfCheck(store, ledger);
  const keys = new KeyRing(store, opts.dataDir, origin, opts.demo !== null ? DEMO_KEY_SEED : undefined);
  const checkpoints = new Checkpointer(
    store,
    ledger,
    keys,
    { every: opts.checkpointEvery, intervalMs: opts.checkpointIntervalMs },
    opts.clock,
    opts.log,
  );
  const hub = new StreamHub(ledger, checkpoints, {
    heartbeatMs: opts.heartbeatMs,
    stallMs: opts.streamStallMs,
    maxClients: opts.maxStreamClients,
    clock: opts.clock,
  });
  return {
    options: opts,
    store,
    db,
    sql,
    ledger,
    checkpoints,
    keys,
    hub,
    secret,
    baseUrl: '',
    notifier: new Notifier(opts.webhooks, opts.log),
    metrics: new MetricsStore(),
    flagMetrics: new MetricsStore(),
    breaker: new CircuitBreaker({ window: opts.breakerWindow, threshold: opts.breakerThreshold }),
    clock: opts.clock,
  };
}
