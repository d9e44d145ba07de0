/**
 * `npm run bench:correlate`: ranking time over a large replica (issue #7: ≤ 20 ms over 10M entries). It builds a
 * synthetic replica in the ledger's schema once (default 10M entries over two years, ~10 a minute across 2,000 flags
 * and 30 services; cached in the temp dir, reused while complete), builds the correlation index, then ranks at random
 * incident times through `rankFromReplica` (index catch-up included). The baseline, measured in the same run on the
 * same file and times, is the same ranking without the correlation index: one scan of every entry for the window, the
 * flag definitions and the approvals, then the same pure scorer. Both must name the same top 3.
 * Options: --entries N, --rankings K (200), --baseline-rankings B (3; bounded to 120 s), --fresh (rebuild the cache),
 * --file PATH (use or build this replica instead of the cache).
 */
import Database from 'better-sqlite3';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../main/ledger/migrations.ts';
import { LeafHasher } from '../main/ledger/fast-hash.ts';
import { catchUpIndex } from '../main/correlate/index-catchup.ts';
import { rankFromReplica } from '../main/correlate/replica-rank.ts';
import { rankCandidates, type CorrelationEntry, type CorrelationResult } from '../shared/correlate/index.ts';
import { validateLeafValue } from '../shared/ledger/index.ts';
import { createRng, type Rng } from './eval/rng.ts';

const START = Date.UTC(2025, 0, 1);
const SPAN_MS = 2 * 365 * 86_400_000;
const FLAGS = 2000;
const SERVICES = Array.from({ length: 30 }, (_, i) => `svc-${i}`);
const PREV = 'a'.repeat(64);

function state(enabled: boolean, pct: number): string {
  return `{"enabled":${enabled},"prerequisites":[],"rollout_pct":${pct},"rules":[],"variation":"on"}`;
}

function leaf(
  idx: number,
  ts: number,
  action: string,
  flag: string | null,
  env: string | null,
  before: string,
  after: string,
  refs = '{}',
): string {
  const f = flag === null ? 'null' : `"${flag}"`;
  const e = env === null ? 'null' : `"${env}"`;
  return (
    `{"action":"${action}","actor":{"id":"user-${idx % 50}","type":"user"},"after":${after},"before":${before},"env":${e},"flag":${f},` +
    `"idx":${idx},"log":"bench/log","prev":"${idx === 0 ? '' : PREV}","reason":"bench","refs":${refs},"ts":"${new Date(ts).toISOString()}","v":1}`
  );
}

function definition(rng: Rng, key: string): string {
  const services = [rng.pick(SERVICES), rng.pick(SERVICES)];
  return (
    `{"environments":{"production":${state(false, 0)}},"key":"${key}","owner":"team-${key.length % 7}","safe_default":{"enabled":false,"rollout_pct":0},` +
    `"services":${JSON.stringify([...new Set(services)])},"tier":"${rng.pick(['LOW', 'MEDIUM', 'HIGH', 'BLOCKED'])}"}`
  );
}

function nextLeaf(rng: Rng, idx: number, ts: number): string {
  if (idx < FLAGS)
    return leaf(idx, ts, 'flag.created', `flag.k.${idx}`, null, 'null', definition(rng, `flag.k.${idx}`));
  const flag = `flag.k.${rng.int(0, FLAGS - 1)}`;
  const roll = rng.next();
  if (roll < 0.001) return leaf(idx, ts, 'flag.updated', flag, null, 'null', definition(rng, flag));
  if (roll < 0.002) {
    const svc = rng.pick(SERVICES);
    return leaf(
      idx,
      ts,
      'incident.triggered',
      null,
      'production',
      'null',
      `{"id":"INC-${idx}","service":"${svc}","triggered_at":"${new Date(ts).toISOString()}"}`,
      `{"incident":"INC-${idx}"}`,
    );
  }
  if (roll < 0.02)
    return leaf(
      idx,
      ts,
      'change_request.approved',
      flag,
      'production',
      'null',
      '{"approvals":1,"required":1}',
      `{"change_request":"cr-${idx}"}`,
    );
  const env = roll < 0.8 ? 'production' : 'staging';
  return leaf(idx, ts, 'flag.updated', flag, env, state(true, rng.int(0, 99)), state(true, rng.int(0, 100)));
}

function build(path: string, n: number): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  migrate(db);
  db.prepare(
    `INSERT INTO verification_state (id, origin, verified_size, root, peaks, updated_at) VALUES (1, 'bench/log', 0, ?, x'', 0)`,
  ).run(Buffer.alloc(32));
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

/** True when `path` holds a finished build of `n` entries (the build writes verified_size last). */
function complete(path: string, n: number): boolean {
  if (!existsSync(path)) return false;
  const db = new Database(path, { readonly: true });
  try {
    const v = db.prepare('SELECT verified_size AS v FROM verification_state WHERE id = 1').get() as
      { v: number } | undefined;
    return v?.v === Math.floor(n * 0.999);
  } catch {
    return false;
  } finally {
    db.close();
  }
}

/** The same ranking without the correlation index: one scan for the window, the definitions and the approvals. */
function rankWithoutIndex(db: Database.Database, at: string, service: string): CorrelationResult {
  const t = Date.parse(at);
  const [from, to] = [new Date(t - (1800 + 120) * 1000).toISOString(), new Date(t + 120 * 1000).toISOString()];
  const verified = (db.prepare('SELECT verified_size AS v FROM verification_state WHERE id = 1').get() as { v: number })
    .v;
  const rows = db
    .prepare(
      `SELECT idx, CAST(leaf AS TEXT) AS leaf FROM entries WHERE
      json_extract(CAST(leaf AS TEXT), '$.ts') BETWEEN ? AND ?
      OR json_extract(CAST(leaf AS TEXT), '$.action') IN ('flag.created', 'change_request.approved')
      OR (json_extract(CAST(leaf AS TEXT), '$.action') = 'flag.updated' AND json_extract(CAST(leaf AS TEXT), '$.env') IS NULL)
      ORDER BY idx`,
    )
    .all(from, to) as { idx: number; leaf: string }[];
  const entries: CorrelationEntry[] = rows.map((r) => ({
    ...validateLeafValue(JSON.parse(r.leaf)),
    verified: r.idx < verified,
  }));
  const first = (db.prepare('SELECT CAST(leaf AS TEXT) AS leaf FROM entries WHERE idx = 0').get() as { leaf: string })
    .leaf;
  return rankCandidates({
    entries,
    incident: { id: null, service, environment: null, at },
    options: {},
    firstEntryAt: (JSON.parse(first) as { ts: string }).ts,
  });
}

function main(): void {
  const args = process.argv.slice(2);
  const opt = (name: string, fallback: string): string => {
    const i = args.indexOf(name);
    return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
  };
  const n = Number(opt('--entries', '10000000'));
  const rankings = Number(opt('--rankings', '200'));
  const baselineRankings = Number(opt('--baseline-rankings', '3'));
  const path = opt('--file', join(tmpdir(), `tombstone-bench-correlate-${n}-v1.sqlite`));
  if (args.includes('--fresh') || !complete(path, n)) {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    const t = performance.now();
    build(path, n);
    process.stdout.write(
      `built ${n} entries in ${((performance.now() - t) / 1000).toFixed(1)} s (cached at ${path}; --fresh rebuilds)\n`,
    );
  } else {
    process.stdout.write(`reusing the ${n}-entry replica at ${path}\n`);
  }
  const db = new Database(path);
  const t = performance.now();
  const indexed = catchUpIndex(db, 50_000);
  process.stdout.write(
    `correlation index: ${indexed.added} entries added in ${((performance.now() - t) / 1000).toFixed(1)} s (${indexed.indexedSize} indexed)\n`,
  );
  const rng = createRng(11);
  const queries = Array.from({ length: rankings }, () => ({
    at: new Date(START + rng.real(0.01, 0.99) * SPAN_MS).toISOString(),
    service: rng.pick(SERVICES),
  }));
  const times: number[] = [];
  let considered = 0;
  const tops: number[][] = [];
  for (const q of queries) {
    const started = performance.now();
    const r = rankFromReplica(db, {
      query: { kind: 'at', at: q.at },
      service: q.service,
      environment: null,
      options: {},
      telemetry: null,
    });
    times.push(performance.now() - started);
    considered += r.considered;
    tops.push(r.candidates.map((c) => c.ledger_idx));
  }
  const sorted = [...times].sort((a, b) => a - b);
  const p50 = percentile(sorted, 0.5);
  const p95 = percentile(sorted, 0.95);
  process.stdout.write(
    `indexed ranking (${rankings} random times, ~${Math.round(considered / rankings)} changes scored each): ` +
      `p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${sorted[sorted.length - 1]?.toFixed(1)} ms — target p95 ≤ 20 ms: ${p95 <= 20 ? 'met' : 'MISSED'}\n`,
  );
  const base: number[] = [];
  let same = 0;
  const deadline = performance.now() + 120_000;
  for (let i = 0; i < baselineRankings && (i === 0 || performance.now() < deadline); i++) {
    const q = queries[i]!;
    const started = performance.now();
    const r = rankWithoutIndex(db, q.at, q.service);
    base.push(performance.now() - started);
    if (JSON.stringify(r.candidates.map((c) => c.ledger_idx)) === JSON.stringify(tops[i])) same++;
  }
  const baseMedian = percentile(
    [...base].sort((a, b) => a - b),
    0.5,
  );
  process.stdout.write(
    `baseline without the index (${base.length} of the same rankings): median ${(baseMedian / 1000).toFixed(2)} s; ` +
      `indexed p50 is ${(baseMedian / Math.max(p50, 0.001)).toFixed(0)}× faster; same top 3 on ${same}/${base.length}\n`,
  );
  db.close();
  if (same !== base.length) process.exitCode = 1;
}

main();
