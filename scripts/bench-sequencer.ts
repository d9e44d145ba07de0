/**
 * Benchmark of the ledger layer over the async seam (control-plane/db/sql.ts, ledger/sequencer.ts) on both engines,
 * in one run (loopback only, bounded in time): SQLite, PostgreSQL with one instance, PostgreSQL with two instances
 * (two pools in this process, each with its own follower). Not the HTTP server: it measures what the database layer
 * costs before the domain code runs on it.
 *  1. sequenced appends per second (one transaction each, 32 concurrent writers split across the instances);
 *  2. follow lag: from an append's start to its arrival at every instance's follower, at a paced rate below
 *     capacity (at most half the measured append rate).
 * PostgreSQL is a throwaway cluster (test-support/postgres.ts), fsync off, like the tests.
 * Usage: npm run bench:sequencer [-- --seconds 3 --rate 200]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../control-plane/db/open-db.ts';
import { migratePg } from '../control-plane/db/pg-schema.ts';
import { PgSql, SqliteSql, type Sql } from '../control-plane/db/sql.ts';
import type { LeafInput } from '../control-plane/ledger/writer.ts';
import { appendSequenced, LedgerFollower } from '../control-plane/ledger/sequencer.ts';
import { startPostgres } from '../test-support/postgres.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string' }, rate: { type: 'string' } } });
const SECONDS = Math.min(Number(values.seconds ?? '3'), 30);
const RATE = Math.min(Number(values.rate ?? '200'), 2000);
const WRITERS = 32;
const ORIGIN = 'bench.example/log';

interface Config {
  name: string;
  instances: Sql[];
}

interface Result {
  name: string;
  writesPerSecond: number;
  rate: number;
  p50: number;
  p99: number;
}

let seq = 0;
function input(now: number): LeafInput {
  const i = seq++;
  return {
    ts: now,
    actor: { type: 'user', id: 'bench' },
    action: 'flag.update',
    flag: `bench.flag${i % 64}`,
    env: 'production',
    before: { enabled: false },
    after: { enabled: true },
    reason: `bench ${i}`,
  };
}

async function writes(cfg: Config): Promise<number> {
  const end = Date.now() + SECONDS * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      const sql = cfg.instances[w % cfg.instances.length] as Sql;
      while (Date.now() < end) {
        await sql.tx(() => appendSequenced(sql, ORIGIN, input(Date.now())));
        done++;
      }
    }),
  );
  return done / SECONDS;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function followLag(cfg: Config, rate: number): Promise<{ p50: number; p99: number }> {
  const followers = cfg.instances.map((sql) => new LedgerFollower(sql));
  for (const f of followers) await f.start(1000);
  // Send time per index (set when the append's transaction resolves, before or after a follower sees it).
  const sentAt = new Map<number, number>();
  const early = new Map<number, number[]>();
  const measured: number[] = [];
  for (const f of followers) {
    f.onCommitted((batch) => {
      const now = Date.now();
      for (const e of batch) {
        const t = sentAt.get(e.idx);
        if (t !== undefined) measured.push(now - t);
        else early.set(e.idx, [...(early.get(e.idx) ?? []), now]);
      }
    });
  }
  const total = Math.round(rate * SECONDS);
  const start = Date.now();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const sql = cfg.instances[i % cfg.instances.length] as Sql;
    const t = Date.now();
    pending.push(
      sql
        .tx(() => appendSequenced(sql, ORIGIN, input(t)))
        .then((e) => {
          sentAt.set(e.idx, t);
          for (const seen of early.get(e.idx) ?? []) measured.push(seen - t);
          early.delete(e.idx);
        }),
    );
  }
  await Promise.all(pending);
  const deadline = Date.now() + 10_000;
  while (measured.length < total * followers.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    for (const f of followers) await f.catchUp();
  }
  for (const f of followers) await f.stop();
  const sorted = measured.sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

async function run(cfg: Config): Promise<Result> {
  const writesPerSecond = await writes(cfg);
  // Lag is measured below capacity (at most half the write rate just measured), or it only measures the queue.
  const rate = Math.max(1, Math.min(RATE, Math.floor(writesPerSecond / 2)));
  const { p50, p99 } = await followLag(cfg, rate);
  return { name: cfg.name, writesPerSecond, rate, p50, p99 };
}

const dir = mkdtempSync(join(tmpdir(), 'bench-sequencer-'));
const cluster = await startPostgres();
const closers: Sql[] = [];
try {
  const sqlite = new SqliteSql(openDatabase(join(dir, 'sqlite')));
  const one = PgSql.connect(await cluster.createDatabase('bench_one'), 16);
  const url = await cluster.createDatabase('bench_two');
  const twoA = PgSql.connect(url, 8);
  const twoB = PgSql.connect(url, 8);
  closers.push(sqlite, one, twoA, twoB);
  await Promise.all([migratePg(one), migratePg(twoA)]);
  const results: Result[] = [];
  for (const cfg of [
    { name: 'SQLite', instances: [sqlite] },
    { name: 'PostgreSQL, 1 instance', instances: [one] },
    { name: 'PostgreSQL, 2 instances', instances: [twoA, twoB] },
  ]) {
    results.push(await run(cfg));
  }
  const base = results[0] as Result;
  process.stdout.write(
    `sequenced appends (${WRITERS} writers, ${SECONDS} s); follow lag at min(${RATE}/s, half that rate), every instance's follower\n`,
  );
  for (const r of results) {
    process.stdout.write(
      `${r.name.padEnd(26)} ${r.writesPerSecond.toFixed(0).padStart(7)} appends/s (x${(r.writesPerSecond / base.writesPerSecond).toFixed(2)})` +
        `   lag at ${r.rate}/s: p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms (x${(r.p99 / Math.max(base.p99, 0.1)).toFixed(2)})\n`,
    );
  }
} finally {
  for (const s of closers) await s.close().catch(() => undefined);
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}
