/**
 * Another control-plane instance in its own process, for the multi-instance ledger tests: the production path
 * (PgSyncDatabase, Store, LedgerWriter, KeyRing, Checkpointer signing after every entry) on the PostgreSQL database at
 * argv[2], with the signing keys of the data dir argv[3]. Mode `loop` appends argv[5] entries, one transaction each,
 * printing `committed <idx>` after each; mode `hold` opens one transaction, appends, prints `holding <idx>` and blocks
 * (holding the ledger's sequence row) until it is SIGKILLed. Output is written synchronously, so a line is out before
 * the next statement.
 */
import { writeSync } from 'node:fs';
import { PgSyncDatabase } from '../db/pg-sync.ts';
import { Store } from '../db/store.ts';
import { Checkpointer } from '../ledger/checkpointer.ts';
import { KeyRing } from '../ledger/keys.ts';
import { LedgerWriter } from '../ledger/writer.ts';
import { testEntry } from './ledger-entry.ts';

const [url, dataDir, mode = 'loop', who = 'child', count = '1000'] = process.argv.slice(2);
if (url === undefined || dataDir === undefined)
  throw new Error('usage: pg-appender.ts <postgres-url> <data dir> [loop|hold] [name] [count]');
const store = new Store(new PgSyncDatabase(url), 'postgres');
const origin = store.db.prepare("SELECT value FROM meta WHERE key = 'origin'").pluck().get() as string;
const writer = new LedgerWriter(store, origin);
const keys = new KeyRing(store, dataDir, origin);
new Checkpointer(store, writer, keys, { every: 1, intervalMs: 20 }, Date.now, (line) =>
  writeSync(2, `${who}: ${line}\n`),
);
if (mode === 'hold') {
  store.tx(() => {
    const e = writer.append({ ...testEntry(who, 0), reason: 'held' });
    writeSync(1, `holding ${e.idx}\n`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  });
} else {
  for (let i = 0; i < Number(count); i++) {
    const e = store.tx(() => writer.append(testEntry(who, i)));
    writeSync(1, `committed ${e.idx}\n`);
  }
  store.db.close();
}
