/**
 * `npm run bench:ledger`: builds a 1,000,000-entry replica from realistic ~250-byte leaves and measures, in one run:
 * ingest rate (canonical check included), deep and quick full re-verification, the same verification done the naive way
 * (one createHash per leaf and node, single thread, per-row reads), a hashing floor (bare crypto.hash over leaves in
 * memory), their ratios, and the RSS growth during verification. BENCH_LEDGER_N overrides the size; the naive pass
 * stops after BENCH_LEDGER_NAIVE_S seconds (default 60) and extrapolates.
 */
import { createHash, hash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CompactRange, parseLeafBytes, signCheckpoint, toHex } from '../shared/ledger/index.ts';
import { Replica } from '../main/ledger/replica.ts';
import { verifyReplicaFile } from '../main/ledger/verify-run.ts';
import { BulkReader } from '../main/ledger/bulk-read.ts';
import { LeafHasher } from '../main/ledger/fast-hash.ts';
import { testSigner, trustedKeyOf } from '../main/ledger/test-support/fixtures.ts';
import { tempDir } from '../main/ledger/test-support/test-replica.ts';
import { sha256 } from '../main/ledger/node-crypto.ts';

const N = Number(process.env['BENCH_LEDGER_N'] ?? 1_000_000);
const NAIVE_BUDGET_S = Number(process.env['BENCH_LEDGER_NAIVE_S'] ?? 60);
const ORIGIN = 'acme.example/prod';
const BATCH = 10_000;
const CHECKPOINT_EVERY = 50_000;
const signer = testSigner(ORIGIN);
const trusted = [trustedKeyOf(signer)];
const ACTIONS = ['flag.updated', 'flag.killed', 'flag.rolled_back'];

/** One canonical leaf, written directly in RFC 8785 key order (canonicalize would dominate generation time). */
function leafText(idx: number, prev: string): string {
  const pct = (idx * 7) % 101;
  const ts = new Date(Date.UTC(2026, 10, 25) + idx * 1000).toISOString();
  return (
    `{"action":"${ACTIONS[idx % 3]}","actor":{"id":"u${idx % 50}","type":"user"},"after":{"on":true,"pct":${pct}},` +
    `"before":{"on":true,"pct":${Math.max(0, pct - 5)}},"env":"prod","flag":"f${idx % 997}","idx":${idx},"log":"${ORIGIN}",` +
    `"prev":"${prev}","reason":"","refs":{},"ts":"${ts}","v":1}`
  );
}

/** Generates batches of entries plus a signed checkpoint every CHECKPOINT_EVERY entries (as the control plane would). */
function* generate(): Generator<{ entries: { idx: number; leaf: string }[]; note: string | null; bytes: number }> {
  const hasher = new LeafHasher();
  const range = new CompactRange(sha256);
  let prev = '';
  for (let start = 0; start < N; start += BATCH) {
    const entries: { idx: number; leaf: string }[] = [];
    let bytes = 0;
    for (let idx = start; idx < Math.min(start + BATCH, N); idx++) {
      const leaf = leafText(idx, prev);
      const h = hasher.hash(Buffer.from(leaf));
      range.append(h);
      prev = toHex(h);
      bytes += leaf.length;
      entries.push({ idx, leaf });
    }
    const end = start + entries.length;
    const note =
      end % CHECKPOINT_EVERY === 0 || end === N
        ? signCheckpoint(sha256, { origin: ORIGIN, size: end, root: range.root() }, [signer])
        : null;
    yield { entries, note, bytes };
  }
}

async function ingest(path: string): Promise<{ seconds: number; avgBytes: number }> {
  const batches = [...generate()];
  parseLeafBytes(Buffer.from(batches[0]?.entries[1]?.leaf ?? ''), { log: ORIGIN, idx: 1 });
  const replica = Replica.open({ path, origin: ORIGIN, trustedKeys: trusted });
  const t0 = performance.now();
  for (const b of batches) {
    const r = await replica.appendEntries(b.entries);
    if (r.rejected !== null || r.appended !== b.entries.length)
      throw new Error(`ingest failed: ${JSON.stringify(r.rejected)}`);
    if (b.note !== null && (await replica.applyCheckpoint(b.note)).kind !== 'promoted')
      throw new Error('checkpoint not promoted');
  }
  const seconds = (performance.now() - t0) / 1000;
  if (replica.status().verifiedSize !== N) throw new Error('not fully verified');
  replica.close();
  return { seconds, avgBytes: batches.reduce((a, b) => a + b.bytes, 0) / N };
}

/** Runs `fn` while sampling RSS every 20 ms; returns its result, seconds and peak RSS growth in MB. */
async function measured<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number; growthMb: number }> {
  const base = process.memoryUsage.rss();
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  const t0 = performance.now();
  const value = await fn();
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage.rss());
  return { value, seconds, growthMb: (peak - base) / 2 ** 20 };
}

const naiveHash = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** The naive verification: per-row reads, the reference leaf parser, one createHash per leaf and node, one thread. */
function naiveVerify(path: string): { seconds: number; rows: number; complete: boolean } {
  const db = new Database(path, { readonly: true });
  const leafPrefix = Buffer.from([0]);
  const nodePrefix = Buffer.from([1]);
  const peaks: Buffer[] = [];
  let prev = '';
  let rows = 0;
  const t0 = performance.now();
  for (const row of db.prepare('SELECT idx, leaf, leaf_hash FROM entries ORDER BY idx').iterate() as IterableIterator<{
    idx: number;
    leaf: Buffer;
    leaf_hash: Buffer;
  }>) {
    parseLeafBytes(row.leaf, { log: ORIGIN, idx: row.idx, prev });
    const h = naiveHash(leafPrefix, row.leaf);
    if (!h.equals(row.leaf_hash)) throw new Error('naive: hash mismatch');
    let node = h;
    for (let s = rows; s % 2 === 1; s = Math.floor(s / 2))
      node = naiveHash(nodePrefix, peaks.pop() ?? Buffer.alloc(0), node);
    peaks.push(node);
    prev = h.toString('hex');
    rows++;
    if (rows % 10_000 === 0 && performance.now() - t0 > NAIVE_BUDGET_S * 1000) break;
  }
  db.close();
  return { seconds: (performance.now() - t0) / 1000, rows, complete: rows === N };
}

/** The worker of the parallel floor: hashes its share of the shared leaves when told to, and says how long it took. */
const FLOOR_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { hash } = require('node:crypto');
const { bytes, offsets, from, to } = workerData;
const leaves = Buffer.from(bytes);
const at = new Float64Array(offsets);
parentPort.once('message', () => {
  const t0 = performance.now();
  for (let i = from; i < to; i++) hash('sha256', leaves.subarray(at[i], at[i + 1] - 1), 'binary');
  parentPort.postMessage(performance.now() - t0);
});
parentPort.postMessage('ready');`;

/**
 * The same bare hashing split over `threads` worker threads the way deep verification splits its work (the leaves in
 * shared memory, each thread a contiguous share; start-up excluded): what the cores together allow for hashing alone.
 */
async function parallelFloor(path: string, threads: number): Promise<number> {
  const db = new Database(path, { readonly: true });
  const reader = new BulkReader(db);
  const blocks: { leaves: Buffer; offsets: Float64Array }[] = [];
  let total = 0;
  for (let s = 0; s < N; s += 65536) {
    const block = reader.leaves(s, Math.min(s + 65536, N));
    if (block === null) throw new Error('floor: unreadable block');
    blocks.push(block);
    total += block.leaves.length + 1;
  }
  db.close();
  const bytes = new SharedArrayBuffer(total);
  const offsets = new SharedArrayBuffer((N + 1) * 8);
  const [view, at] = [Buffer.from(bytes), new Float64Array(offsets)];
  let base = 0;
  let k = 0;
  for (const b of blocks) {
    b.leaves.copy(view, base);
    for (let i = 0; i < b.offsets.length - 1; i++) at[k++] = base + (b.offsets[i] ?? 0);
    base += b.leaves.length + 1;
  }
  at[N] = base;
  const workers = Array.from({ length: threads }, (_, t) => {
    const [from, to] = [Math.floor((N * t) / threads), Math.floor((N * (t + 1)) / threads)];
    return new Worker(FLOOR_WORKER, { eval: true, workerData: { bytes, offsets, from, to } });
  });
  try {
    await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
    const t0 = performance.now();
    await Promise.all(
      workers.map((w) => {
        const done = new Promise((resolve) => w.once('message', resolve));
        w.postMessage('go');
        return done;
      }),
    );
    return (performance.now() - t0) / 1000;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Bare crypto.hash over every leaf (already in memory): the cost of leaf hashing alone, no tree, no checks. */
function hashingFloor(path: string): { seconds: number; secondsBuffer: number } {
  const db = new Database(path, { readonly: true });
  const reader = new BulkReader(db);
  const leaves: Buffer[] = [];
  for (let s = 0; s < N; s += 65536) {
    const block = reader.leaves(s, Math.min(s + 65536, N));
    if (block === null) throw new Error('floor: unreadable block');
    for (let i = 0; i < block.end - block.start; i++)
      leaves.push(block.leaves.subarray(block.offsets[i], (block.offsets[i + 1] ?? 0) - 1));
  }
  db.close();
  let t0 = performance.now();
  for (const leaf of leaves) hash('sha256', leaf, 'binary');
  const seconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  for (const leaf of leaves) hash('sha256', leaf, 'buffer');
  return { seconds, secondsBuffer: (performance.now() - t0) / 1000 };
}

const fmt = (s: number): string => `${s.toFixed(3)} s`;

/** CPU seconds of each thread of this process by thread id (Linux /proc; empty elsewhere). */
function threadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  if (!existsSync('/proc/self/task')) return out;
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** "main 0.08 s, others 1.02 s / 0.99 s": CPU per thread between two threadCpu() readings (threads over 50 ms). */
function cpuSplit(before: Map<string, number>, after: Map<string, number>): string {
  const main = String(process.pid);
  const used = [...after].map(([tid, s]) => [tid, s - (before.get(tid) ?? 0)] as const);
  const others = used.filter(([tid, s]) => tid !== main && s >= 0.05).map(([, s]) => fmt(s));
  return `main thread ${fmt(used.find(([tid]) => tid === main)?.[1] ?? 0)}, other threads ${others.join(' / ') || 'none over 0.05 s'}`;
}

async function main(): Promise<void> {
  const dir = process.env['BENCH_LEDGER_DIR'] ?? tempDir('bench-ledger-');
  const path = join(dir, 'replica.sqlite');
  try {
    console.log(`bench:ledger — ${N.toLocaleString('en')} entries, Node ${process.versions.node}, ${process.platform}`);
    const ing = await ingest(path);
    console.log(
      `ingest            ${fmt(ing.seconds)}  ${Math.round(N / ing.seconds).toLocaleString('en')} entries/s (avg leaf ${ing.avgBytes.toFixed(0)} B; canonical, log, idx, prev checks, leaf hash, SQLite insert, a signed checkpoint every ${CHECKPOINT_EVERY.toLocaleString('en')})   target ≥ 100,000/s`,
    );
    await verifyReplicaFile(path, { mode: 'quick', trustedKeys: trusted });
    const cpu0 = process.cpuUsage();
    const threads0 = threadCpu();
    const deep = await measured(() => verifyReplicaFile(path, { mode: 'deep', trustedKeys: trusted }));
    const deepCpu = process.cpuUsage(cpu0);
    const deepThreads = cpuSplit(threads0, threadCpu());
    const quick = await measured(() => verifyReplicaFile(path, { mode: 'quick', trustedKeys: trusted }));
    if (!deep.value.ok || !quick.value.ok)
      throw new Error(`verification failed: ${deep.value.detail} / ${quick.value.detail}`);
    console.log(
      `verify deep       ${fmt(deep.seconds)}  (CPU ${fmt((deepCpu.user + deepCpu.system) / 1e6)} over all threads: ${deepThreads}; ${deep.value.checkpointsChecked} checkpoints, RSS growth ${deep.growthMb.toFixed(0)} MB; the console runs it in the background after launch)   target ≤ 1.5 s`,
    );
    console.log(
      `verify quick      ${fmt(quick.seconds)}  (RSS growth ${quick.growthMb.toFixed(0)} MB)   target ≤ 0.4 s`,
    );
    const naive = naiveVerify(path);
    const naiveFull = naive.seconds * (N / naive.rows);
    console.log(
      `verify naive      ${fmt(naiveFull)}${naive.complete ? '' : `  (extrapolated from ${naive.rows.toLocaleString('en')} rows in ${fmt(naive.seconds)})`}`,
    );
    const floor = hashingFloor(path);
    console.log(
      `hashing floor     ${fmt(floor.seconds)}  (bare crypto.hash per leaf on one thread, 'binary' output; ${fmt(floor.secondsBuffer)} with 'buffer' output)`,
    );
    const threads = Math.min(4, availableParallelism());
    const floorSplit = await parallelFloor(path, threads);
    console.log(
      `hashing floor/${threads}   ${fmt(floorSplit)}  (the same hashing split over ${threads} worker threads hashing at once; ${availableParallelism()} cores; node:crypto's SHA-256 slows down when threads of one process hash concurrently, so the deep verification's threads take turns at hashing)`,
    );
    const verdict = (ok: boolean): string => (ok ? 'MET' : 'MISSED');
    const deepFloor = deep.seconds / floor.seconds;
    const naiveDeep = naiveFull / deep.seconds;
    console.log(
      `ratios            deep/floor ${deepFloor.toFixed(2)}x (target ≤ 3x: ${verdict(deepFloor <= 3)}; the floor on one thread, deep on ${threads}), deep/(floor over ${threads} threads) ${(deep.seconds / floorSplit).toFixed(2)}x, naive/deep ${naiveDeep.toFixed(1)}x (target ≥ 10x: ${verdict(naiveDeep >= 10)}), quick/floor ${(quick.seconds / floor.seconds).toFixed(1)}x`,
    );
    console.log(
      `load average      ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} (other work on the machine skews every number above)`,
    );
    console.log(
      `memory            verification RSS growth ≤ ${Math.max(deep.growthMb, quick.growthMb).toFixed(0)} MB (target ≤ 100 MB)`,
    );
  } finally {
    if (process.env['BENCH_LEDGER_DIR'] === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
