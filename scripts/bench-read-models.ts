/**
 * Perf sanity check of the read models on a large replica (not a test): builds BENCH_VIEWS_N (default 1,000,000)
 * realistic entries — flag definitions, env changes, kills, rollbacks, change requests, incidents — straight into a
 * replica database, then times the initial catch-up, page queries and the other read models. Run:
 * `node_modules/.bin/node --disable-warning=ExperimentalWarning scripts/bench-read-models.ts`.
 */
import canonicalize from 'canonicalize';
import Database from 'better-sqlite3';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CompactRange, toHex } from '../shared/ledger/index.ts';
import { LeafHasher, packPeaks } from '../main/ledger/fast-hash.ts';
import { migrate } from '../main/ledger/migrations.ts';
import { sha256 } from '../main/ledger/node-crypto.ts';
import { tempDir } from '../main/ledger/test-support/test-replica.ts';
import {
  catchUpReadModels,
  entryDetail,
  flagDetail,
  inclusionCheck,
  listChangeRequests,
  listFlags,
  listIncidents,
  queryLedger,
} from '../main/read-models/index.ts';
import { benchLeaf } from './bench-leaves.ts';

const N = Number(process.env['BENCH_VIEWS_N'] ?? 1_000_000);
/** Optional path of a replica built by an earlier run (copied, never modified). */
const KEEP = process.env['BENCH_VIEWS_KEEP'];
const ORIGIN = 'bench.example/ledger';

function build(path: string): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  migrate(db);
  const range = new CompactRange(sha256);
  const hasher = new LeafHasher();
  const insert = db.prepare('INSERT INTO entries (idx, leaf, leaf_hash) VALUES (?, ?, ?)');
  let prev = '';
  db.prepare(
    `INSERT INTO verification_state (id, origin, verified_size, root, peaks, updated_at) VALUES (1, ?, 0, ?, x'', 0)`,
  ).run(ORIGIN, Buffer.alloc(32));
  for (let start = 0; start < N; start += 50_000) {
    db.transaction(() => {
      for (let idx = start; idx < Math.min(N, start + 50_000); idx++) {
        const text = canonicalize({ ...benchLeaf(idx), v: 1, log: ORIGIN, idx, prev }) as string;
        const bytes = Buffer.from(text, 'utf8');
        const h = hasher.hash(bytes);
        insert.run(idx, bytes, h);
        range.append(h);
        prev = toHex(h);
      }
    })();
  }
  db.prepare('UPDATE verification_state SET verified_size = ?, root = ?, peaks = ? WHERE id = 1').run(
    N,
    range.root(),
    packPeaks(range.peaks),
  );
  db.close();
}

function appendOne(db: Database.Database): void {
  const last = db
    .prepare('SELECT leaf_hash FROM entries WHERE idx = ?')
    .pluck()
    .get(N - 1) as Buffer;
  const text = canonicalize({ ...benchLeaf(N), v: 1, log: ORIGIN, idx: N, prev: toHex(last) }) as string;
  const bytes = Buffer.from(text, 'utf8');
  db.prepare('INSERT INTO entries (idx, leaf, leaf_hash) VALUES (?, ?, ?)').run(N, bytes, new LeafHasher().hash(bytes));
}

/** Runs fn and prints wall time and this process's CPU time (the machine may be shared, so both are shown). */
function time<T>(label: string, fn: () => T): T {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const out = fn();
  const cpu = process.cpuUsage(c0);
  console.log(
    `${label.padEnd(52)} ${(performance.now() - t0).toFixed(1).padStart(9)} ms  (cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms)`,
  );
  return out;
}

const dir = tempDir('read-models-bench-');
const path = join(dir, 'replica.sqlite');
try {
  if (KEEP !== undefined && existsSync(KEEP)) copyFileSync(KEEP, path);
  else time(`build ${N} entries`, () => build(path));
  if (KEEP !== undefined && !existsSync(KEEP)) copyFileSync(path, KEEP);
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const up = time('catchUpReadModels (initial, all entries)', () => catchUpReadModels(db));
  console.log(`  indexed ${up.indexedSize}, complete ${up.complete}`);
  appendOne(db);
  time('catchUpReadModels (one appended entry)', () => catchUpReadModels(db));
  const page = (label: string, filter: object, offset: number, order: 'asc' | 'desc' = 'desc'): void => {
    const r = time(`${label} @${offset} ${order}`, () => queryLedger(db, { filter, offset, limit: 100, order }));
    if (r.rows.length === 0 && r.total > offset) throw new Error(`empty page for ${label}`);
  };
  for (const off of [0, Math.floor(N / 2), N - 100]) page('page unfiltered', {}, off);
  page('page unfiltered', {}, Math.floor(N / 3), 'asc');
  const filters: [string, object][] = [
    ['changesOnly', { changesOnly: true }],
    ['actor', { actor: 'user7' }],
    ['team', { team: 'team3' }],
    ['service', { service: 'svc11' }],
    ['tier HIGH', { tier: 'HIGH' }],
    ['flag prefix', { flag: 'team4.' }],
    ['action prefix', { action: 'change_request.' }],
    ['env + changes', { env: 'production', changesOnly: true }],
    [
      'time window',
      {
        from: new Date(Date.UTC(2026, 0, 1) + N * 250).toISOString(),
        to: new Date(Date.UTC(2026, 0, 1) + N * 260).toISOString(),
      },
    ],
  ];
  for (const [label, f] of filters) {
    const total = time(`  ${label} first page (cold: count + anchors)`, () =>
      queryLedger(db, { filter: f, offset: 0, limit: 100, order: 'desc' }),
    ).total;
    console.log(`  ${label}: ${total} matches`);
    page(`  ${label} first (warm)`, f, 0);
    page(`  ${label} deep`, f, Math.floor(total / 2));
    page(`  ${label} deep asc`, f, Math.floor(total * 0.9), 'asc');
  }
  time('entryDetail', () => entryDetail(db, Math.floor(N / 2)));
  time('inclusionCheck (cold cache)', () => inclusionCheck(db, N - 3));
  time('inclusionCheck (warm)', () => inclusionCheck(db, 12_345));
  time('listFlags("team1")', () => listFlags(db, { query: 'team1', limit: 20 }));
  time('flagDetail', () => flagDetail(db, 'team2.dom.f42'));
  time('listChangeRequests(PENDING)', () => listChangeRequests(db, 'PENDING'));
  time('listChangeRequests(ALL)', () => listChangeRequests(db, 'ALL'));
  time('listIncidents', () => listIncidents(db, { resolvedLimit: 50 }));
  db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
