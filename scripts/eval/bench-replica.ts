/**
 * Builds a large synthetic replica (the ledger engineer's schema; default 10M entries over two years, ~10 per minute
 * across 2,000 flags and 30 services), builds the correlation index, and times rankings at random incident times.
 * Usage: node scripts/eval/bench-replica.ts [--entries N] [--rankings K] [--keep <file> | --existing <file>]
 * (`--keep` leaves the built file in place; `--existing` reuses one and only catches its index up.)
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../../main/ledger/migrations.ts';
import { LeafHasher } from '../../main/ledger/fast-hash.ts';
import { catchUpIndex } from '../../main/correlate/index-catchup.ts';
import { rankFromReplica } from '../../main/correlate/replica-rank.ts';
import { createRng, type Rng } from './rng.ts';

const START = Date.UTC(2025, 0, 1);
const SPAN_MS = 2 * 365 * 86_400_000;
const FLAGS = 2000;
const SERVICES = Array.from({ length: 30 }, (_, i) => `svc-${i}`);
const PREV = 'a'.repeat(64);

function state(enabled: boolean, pct: number): string {
  return `{"enabled":${enabled},"prerequisites":[],"rollout_pct":${pct},"rules":[],"variation":"on"}`;
}

function leaf(idx: number, ts: number, action: string, flag: string | null, env: string | null, before: string, after: string, refs = '{}'): string {
  const f = flag === null ? 'null' : `"${flag}"`;
  const e = env === null ? 'null' : `"${env}"`;
  return `{"action":"${action}","actor":{"id":"user-${idx % 50}","type":"user"},"after":${after},"before":${before},"env":${e},"flag":${f},` +
    `"idx":${idx},"log":"bench/log","prev":"${idx === 0 ? '' : PREV}","reason":"bench","refs":${refs},"ts":"${new Date(ts).toISOString()}","v":1}`;
}

function definition(rng: Rng, key: string): string {
  const services = [rng.pick(SERVICES), rng.pick(SERVICES)];
  return `{"environments":{"production":${state(false, 0)}},"key":"${key}","owner":"team-${key.length % 7}","safe_default":{"enabled":false,"rollout_pct":0},` +
    `"services":${JSON.stringify([...new Set(services)])},"tier":"${rng.pick(['LOW', 'MEDIUM', 'HIGH', 'BLOCKED'])}"}`;
}

function nextLeaf(rng: Rng, idx: number, ts: number): string {
  if (idx < FLAGS) return leaf(idx, ts, 'flag.created', `flag.k.${idx}`, null, 'null', definition(rng, `flag.k.${idx}`));
  const flag = `flag.k.${rng.int(0, FLAGS - 1)}`;
  const roll = rng.next();
  if (roll < 0.001) return leaf(idx, ts, 'flag.updated', flag, null, 'null', definition(rng, flag));
  if (roll < 0.002) {
    const svc = rng.pick(SERVICES);
    return leaf(idx, ts, 'incident.triggered', null, 'production', 'null', `{"id":"INC-${idx}","service":"${svc}","triggered_at":"${new Date(ts).toISOString()}"}`, `{"incident":"INC-${idx}"}`);
  }
  if (roll < 0.02) return leaf(idx, ts, 'change_request.approved', flag, 'production', 'null', '{"approvals":1,"required":1}', `{"change_request":"cr-${idx}"}`);
  const env = roll < 0.8 ? 'production' : 'staging';
  return leaf(idx, ts, 'flag.updated', flag, env, state(true, rng.int(0, 99)), state(true, rng.int(0, 100)));
}

function build(path: string, n: number): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  migrate(db);
  db.prepare(`INSERT INTO verification_state (id, origin, verified_size, root, peaks, updated_at) VALUES (1, 'bench/log', 0, ?, x'', 0)`).run(Buffer.alloc(32));
  const insert = db.prepare('INSERT INTO entries (idx, leaf, leaf_hash) VALUES (?, ?, ?)');
  const rng = createRng(7);
  const hasher = new LeafHasher();
  const chunk = 100_000;
  for (let start = 0; start < n; start += chunk) {
    db.transaction(() => {
      for (let idx = start; idx < Math.min(n, start + chunk); idx++) {
        const bytes = Buffer.from(nextLeaf(rng, idx, START + Math.floor((idx / n) * SPAN_MS)), 'utf8');
        insert.run(idx, bytes, hasher.hash(bytes));
      }
    })();
  }
  db.prepare('UPDATE verification_state SET verified_size = ? WHERE id = 1').run(Math.floor(n * 0.999));
  db.close();
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

function main(): void {
  const args = process.argv.slice(2);
  const opt = (name: string, fallback: string): string => { const i = args.indexOf(name); return i >= 0 ? (args[i + 1] ?? fallback) : fallback; };
  const n = Number(opt('--entries', '10000000'));
  const rankings = Number(opt('--rankings', '50'));
  const keep = opt('--keep', '');
  const existing = opt('--existing', '');
  const dir = keep === '' && existing === '' ? mkdtempSync(join(tmpdir(), 'bench-replica-')) : '';
  const path = existing !== '' ? existing : keep !== '' ? keep : join(dir, 'replica.sqlite');
  let t = performance.now();
  if (existing === '') {
    build(path, n);
    process.stdout.write(`built ${n} entries in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  }
  const db = new Database(path);
  t = performance.now();
  const indexed = catchUpIndex(db, 50_000);
  process.stdout.write(`indexed ${indexed.indexedSize} entries in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  const rng = createRng(11);
  const times: number[] = [];
  let considered = 0;
  for (let i = 0; i < rankings; i++) {
    const at = new Date(START + rng.real(0.01, 0.99) * SPAN_MS).toISOString();
    const started = performance.now();
    const r = rankFromReplica(db, { query: { kind: 'at', at }, service: rng.pick(SERVICES), environment: null, options: {}, telemetry: null });
    times.push(performance.now() - started);
    considered += r.considered;
  }
  times.sort((a, b) => a - b);
  process.stdout.write(`ranking (${rankings} random times, ~${Math.round(considered / rankings)} changes scored each): ` +
    `p50 ${percentile(times, 0.5).toFixed(1)} ms, p95 ${percentile(times, 0.95).toFixed(1)} ms, max ${times[times.length - 1]?.toFixed(1)} ms\n`);
  db.close();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
}

main();
