/** Builds the App (database, ledger, keys, checkpoints, stream hub, services) for a data dir. */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CompactRange, bytesEqual } from '../shared/ledger/index.ts';
import { randomHex, sha256 } from './crypto/node-crypto.ts';
import { openDatabase } from './db/open-db.ts';
import { SqliteSql } from './db/sql.ts';
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
  store.db.prepare("INSERT INTO meta (key, value) VALUES ('origin', ?)").run(origin);
  return origin;
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

/** Opens everything; the caller sets baseUrl once listening. */
export function createApp(opts: ResolvedOptions): App {
  const db = openDatabase(opts.dataDir);
  const store = new Store(db);
  const origin = pinOrigin(store, opts);
  const secret = loadSecret(opts.dataDir);
  const ledger = new LedgerWriter(store, origin);
  selfCheck(store, ledger);
  const keys = new KeyRing(store, opts.dataDir, origin, opts.demo !== null ? DEMO_KEY_SEED : undefined);
  const checkpoints = new Checkpointer(
    store,
    ledger,
    keys,
    { every: opts.checkpointEvery, intervalMs: opts.checkpointIntervalMs },
    opts.clock,
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
    sql: new SqliteSql(db),
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
