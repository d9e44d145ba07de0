/**
 * A second control-plane instance in its own process, for the multi-instance tests: appends ledger entries to the
 * PostgreSQL database at argv[2], one transaction each, and prints each committed index. With argv[3] = 'hold' it
 * opens one transaction, appends, prints `holding <idx>` and waits forever (holding the ledger lock) — to be SIGKILLed.
 */
import { PgSql } from '../db/sql.ts';
import { appendSequenced } from '../ledger/sequencer.ts';

const [url, mode = 'loop', count = '1000'] = process.argv.slice(2);
if (url === undefined) throw new Error('usage: pg-appender.ts <postgres-url> [loop|hold] [count]');
const sql = PgSql.connect(url, 2);
const entry = (i: number) => ({
  ts: Date.UTC(2026, 0, 1) + i,
  actor: { type: 'user' as const, id: 'child' },
  action: 'flag.create' as const,
  flag: `child.flag${i}`,
  env: null,
  before: null,
  after: { i },
  reason: `child ${i}`,
});

if (mode === 'hold') {
  await sql.tx(async () => {
    const e = await appendSequenced(sql, 'test.example/log', { ...entry(0), reason: 'held' });
    process.stdout.write(`holding ${e.idx}\n`);
    await new Promise(() => undefined);
  });
} else {
  for (let i = 0; i < Number(count); i++) {
    const e = await sql.tx(() => appendSequenced(sql, 'test.example/log', entry(i)));
    process.stdout.write(`committed ${e.idx}\n`);
  }
  await sql.close();
}
