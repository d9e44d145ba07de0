/**
 * `npm run bench:sync`: (1) initial sync of a 1,000,000-entry ledger from a local control plane (child process) into a
 * fresh verified replica, with the control plane's own serving rate (raw NDJSON pages, nothing verified) measured in
 * the same run as the baseline; (2) live propagation latency from the control plane's commit to `ledger:verified`
 * over 1,000 changes (p50/p99). Targets: 1M ≤ 30 s, p99 ≤ 50 ms.
 *
 * `node scripts/bench-sync.ts seed --data <dir> --entries <n> [--origin <o>]` seeds a stopped control plane's data dir
 * through its own ledger writer (the sync tests use it too).
 * Environment: BENCH_SYNC_ENTRIES (default 1000000), BENCH_SYNC_CHANGES (default 1000), BENCH_SYNC_CACHE (seeded
 * template dir, default <tmp>/tombstone-bench-sync-<n>), BENCH_SYNC_TIMEOUT_S (default 600).
 */
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { createApp } from '../control-plane/app-setup.ts';
import { openSqliteSql } from '../control-plane/db/open-db.ts';
import { addUser } from '../control-plane/db/users.ts';
import { resolveOptions } from '../control-plane/options.ts';
import { Replica } from '../main/ledger/replica.ts';
import { startSync, type SyncHandle } from '../main/sync/engine.ts';

const SEED_BATCH = 10_000;
const SEED_EPOCH = Date.parse('2026-01-01T00:00:00.000Z');

/** Seeds `n` flag.updated entries through the control plane's writer and signs a checkpoint over them. */
export function seedLedger(dataDir: string, n: number, origin?: string): void {
  const app = createApp(resolveOptions({ dataDir, log: () => {}, ...(origin === undefined ? {} : { origin }) }));
  try {
    for (let b = app.ledger.size; b < n; b += SEED_BATCH) {
      app.store.tx(() => {
        for (let i = b; i < Math.min(n, b + SEED_BATCH); i++) {
          app.ledger.append({
            ts: SEED_EPOCH + i,
            actor: { type: 'user', id: `seed-${i % 7}` },
            action: 'flag.updated',
            flag: `bench.svc${i % 40}.flag${i % 500}`,
            env: i % 3 === 0 ? 'staging' : 'production',
            before: { enabled: false, rollout_pct: i % 100 },
            after: { enabled: true, rollout_pct: (i + 1) % 100 },
            reason: `seeded change ${i}`,
          });
        }
      });
    }
    app.checkpoints.signNow();
  } finally {
    app.checkpoints.stop();
    app.hub.close();
    app.db.close();
  }
}

function seedCommand(argv: string[]): void {
  const { values } = parseArgs({
    args: argv,
    options: { data: { type: 'string' }, entries: { type: 'string' }, origin: { type: 'string' } },
  });
  if (values.data === undefined || values.entries === undefined || !/^[0-9]+$/.test(values.entries)) {
    throw new Error('usage: bench-sync.ts seed --data <dir> --entries <n> [--origin <o>]');
  }
  seedLedger(values.data, Number(values.entries), values.origin);
}

interface Cp {
  url: string;
  origin: string;
  vkey: string;
  stop(): void;
}

async function spawnCp(dataDir: string): Promise<Cp> {
  const args = [
    '--disable-warning=ExperimentalWarning',
    'control-plane/cli.ts',
    '--data',
    dataDir,
    '--port',
    '0',
    '--checkpoint-every',
    '1',
    '--checkpoint-interval',
    '5ms',
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (/ledger key \S+\n/.test(out)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`control plane exited with ${code}`)));
  });
  const pick = (re: RegExp): string => re.exec(out)?.[1] ?? '';
  return {
    url: pick(/listening on (\S+)/),
    origin: pick(/ledger origin (\S+)/),
    vkey: pick(/ledger key (\S+)/),
    stop: () => child.kill('SIGTERM'),
  };
}

/** The control plane's own serving rate: every page of /entries fetched (4 in flight) and split, nothing verified. */
async function baseline(url: string, token: string, n: number): Promise<number> {
  const t0 = performance.now();
  let lines = 0;
  const page = 5000;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const start = next;
      next += page;
      const res = await fetch(`${url}/api/v1/ledger/entries?start=${start}&end=${Math.min(n, start + page)}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = Buffer.from(await res.arrayBuffer());
      for (let i = body.indexOf(10); i !== -1; i = body.indexOf(10, i + 1)) lines++;
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  if (lines !== n) throw new Error(`baseline read ${lines} entries, expected ${n}`);
  return (performance.now() - t0) / 1000;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

/** Resolves with the time of the first ledger:verified covering `idx` (already seen or still to come). */
function verifiedTimes(h: SyncHandle): (idx: number) => Promise<number> {
  const seen: { size: number; at: number }[] = [];
  const waiting: { idx: number; resolve(at: number): void }[] = [];
  h.events.on('ledger:verified', (v) => {
    const at = performance.now();
    seen.push({ size: v.verifiedSize, at });
    for (const w of waiting.splice(0))
      if (v.verifiedSize > w.idx) w.resolve(at);
      else waiting.push(w);
  });
  return (idx) => {
    const hit = seen.find((x) => x.size > idx);
    return hit !== undefined ? Promise.resolve(hit.at) : new Promise((resolve) => waiting.push({ idx, resolve }));
  };
}

async function api(
  url: string,
  token: string,
  method: string,
  path: string,
  body: unknown,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** Commit → ledger:verified over `changes` sequential flag changes: by the leaf's commit timestamp and by request start. */
async function liveLatency(
  h: SyncHandle,
  cp: Cp,
  token: string,
  changes: number,
): Promise<{ byCommit: number[]; byRequest: number[] }> {
  await api(cp.url, token, 'POST', '/api/v1/flags', {
    key: 'bench.sync.latency',
    type: 'release',
    owner: 'bench',
    services: ['bench'],
    tier: 'LOW',
    description: 'bench',
  });
  const byCommit: number[] = [];
  const byRequest: number[] = [];
  const verifiedAt = verifiedTimes(h);
  for (let i = 0; i < changes; i++) {
    const sent = performance.now();
    const body = await api(cp.url, token, 'PATCH', '/api/v1/flags/bench.sync.latency/environments/production', {
      rollout_pct: (i % 100) + 1,
      reason: `bench change ${i}`,
    });
    const at = await verifiedAt(Number(body['idx']));
    const wall = Date.now() - (performance.now() - at);
    const idx = Number(body['idx']);
    const leaf = h.replica()?.entries(idx, idx + 1)[0]?.text ?? '';
    byCommit.push(wall - Date.parse((JSON.parse(leaf) as { ts: string }).ts));
    byRequest.push(at - sent);
  }
  return { byCommit: byCommit.sort((a, b) => a - b), byRequest: byRequest.sort((a, b) => a - b) };
}

function template(n: number): string {
  const dir = process.env['BENCH_SYNC_CACHE'] ?? join(tmpdir(), `tombstone-bench-sync-${n}`);
  if (existsSync(join(dir, '.complete'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  const t0 = performance.now();
  seedLedger(dir, n);
  writeFileSync(join(dir, '.complete'), '');
  process.stdout.write(
    `seeded ${n} entries through the control plane's writer in ${((performance.now() - t0) / 1000).toFixed(1)} s (cached in ${dir})\n`,
  );
  return dir;
}

async function runBench(): Promise<void> {
  const n = Number(process.env['BENCH_SYNC_ENTRIES'] ?? 1_000_000);
  const changes = Number(process.env['BENCH_SYNC_CHANGES'] ?? 1000);
  const limit = setTimeout(
    () => {
      process.stderr.write('bench-sync: time limit reached\n');
      process.exit(1);
    },
    Number(process.env['BENCH_SYNC_TIMEOUT_S'] ?? 600) * 1000,
  );
  limit.unref();
  const work = mkdtempSync(join(tmpdir(), 'tombstone-bench-sync-'));
  const dataDir = join(work, 'cp');
  cpSync(template(n), dataDir, { recursive: true });
  const sql = openSqliteSql(dataDir);
  const token = await addUser(sql, 'bench', 'admin');
  await sql.close();
  const cp = await spawnCp(dataDir);
  try {
    const baseSeconds = await baseline(cp.url, token, n);
    const profile = {
      url: cp.url,
      token,
      origin: cp.origin,
      keys: [{ vkey: cp.vkey, validFromSize: null, validUntilSize: null, confirmedAt: '', source: 'import' as const }],
    };
    const t0 = performance.now();
    const h = startSync({ profile, replica: (init) => Replica.open({ path: join(work, 'replica.sqlite'), ...init }) });
    await new Promise<void>((resolve) => {
      h.events.on('ledger:verified', (v) => {
        if (v.verifiedSize >= n) resolve();
      });
    });
    const syncSeconds = (performance.now() - t0) / 1000;
    let lat: { byCommit: number[]; byRequest: number[] };
    try {
      lat = await liveLatency(h, cp, token, changes);
    } finally {
      await h.stop();
    }
    const rate = (s: number): string => `${Math.round(n / s).toLocaleString('en-US')} entries/s`;
    const ms = (x: number): string => `${x.toFixed(1)} ms`;
    process.stdout.write(
      [
        `control plane serving /entries (baseline): ${n} entries in ${baseSeconds.toFixed(2)} s = ${rate(baseSeconds)}`,
        `initial sync to a verified replica:        ${n} entries in ${syncSeconds.toFixed(2)} s = ${rate(syncSeconds)} (${(syncSeconds / baseSeconds).toFixed(2)}x the baseline time) — target ≤ 30 s: ${syncSeconds <= 30 ? 'MET' : 'MISSED'}`,
        `live commit → ledger:verified (${changes} changes, checkpoint every entry / 5 ms): p50 ${ms(quantile(lat.byCommit, 0.5))}, p99 ${ms(quantile(lat.byCommit, 0.99))} — target p99 ≤ 50 ms: ${quantile(lat.byCommit, 0.99) <= 50 ? 'MET' : 'MISSED'}`,
        `  (request sent → ledger:verified: p50 ${ms(quantile(lat.byRequest, 0.5))}, p99 ${ms(quantile(lat.byRequest, 0.99))}; commit time is the leaf ts, ms resolution)`,
      ].join('\n') + '\n',
    );
  } finally {
    cp.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === 'seed') {
    seedCommand(argv.slice(1));
    return;
  }
  await runBench();
}

main().then(
  () => {
    process.exitCode ??= 0;
  },
  (err: unknown) => {
    process.stderr.write(`bench-sync: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
