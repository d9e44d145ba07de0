/**
 * Benchmark of the reference control plane (loopback only, bounded in time), over three configurations in one run:
 *  - sqlite: one server on SQLite in its data dir;
 *  - pg-1: one server on PostgreSQL;
 *  - pg-2: two servers on the same PostgreSQL database. The write workers, the stream clients and the paced fan-out
 *    writes are split evenly between the two, so half the deliveries cross from one instance to the other.
 * For each configuration:
 *  1. sustained write rate: flag updates/s through the HTTP API, each with its ledger append, with checkpointing on;
 *  2. SSE fan-out: latency from commit (the leaf's own timestamp) to delivery at each of 50 stream clients.
 * Then the ratios of the PostgreSQL configurations to the SQLite baseline measured in the same run (the machine's load
 * varies between runs, so only same-run ratios compare). Every server runs in a child process (the real CLI) so the
 * load generator does not share its event loop, and only one configuration runs at a time. PostgreSQL is a throwaway
 * cluster (test-support/postgres.ts) with fsync off, like the tests: its numbers leave out durable commits.
 * Usage: npm run bench:control-plane [-- --seconds 5 --clients 50 --rate 250]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startPostgres, type PostgresCluster } from '../test-support/postgres.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string' }, clients: { type: 'string' }, rate: { type: 'string' } },
});
const WRITE_SECONDS = Number(values.seconds ?? '5');
const CLIENTS = Number(values.clients ?? '50');
const FANOUT_RATE = Number(values.rate ?? '250');
const FANOUT_SECONDS = 4;
const CONCURRENCY = 32;
const FLAGS = 64;
const HARD_LIMIT_MS = 300_000;
/** A server's start (PostgreSQL: connect and migrate) and one admin command; far above what either takes. */
const STARTUP_MS = 60_000;
/** How long a server gets to exit after SIGTERM before it is killed. */
const STOP_GRACE_MS = 5_000;
/** One HTTP call; a call that hangs this long is counted as an error rather than stalling the phase. */
const CALL_TIMEOUT_MS = 10_000;
/** Bound on one write worker's loop in count as well as in time (far above what WRITE_SECONDS allows). */
const MAX_WRITES_PER_WORKER = 1_000_000;
const root = join(import.meta.dirname, '..');
const node = join(root, 'node_modules', '.bin', 'node');
const cli = join(root, 'control-plane', 'cli.ts');
const nodeArgs = ['--disable-warning=ExperimentalWarning', cli];
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

type ConfigName = 'sqlite' | 'pg-1' | 'pg-2';

/** One configuration's numbers, as written to the JSON file. */
interface ConfigResult {
  servers: number;
  writes_per_s: number;
  writes: number;
  write_errors: number;
  write_seconds: number;
  concurrency: number;
  server_cpu_s: number;
  writes_per_server_cpu_s: number;
  load_average: number;
  fanout: {
    clients: number;
    rate_per_s: number;
    deliveries: number;
    expected: number;
    p50_ms: number;
    p99_ms: number;
    max_ms: number;
  };
  targets: { writes_per_s: number; p99_ms: number };
}

/** A configuration's value divided by the SQLite value of the same run. */
interface Ratios {
  writes_per_s: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

/** Running servers that share one database, and an admin token valid on all of them. */
interface Deployment {
  urls: string[];
  token: string;
  pids: (number | undefined)[];
}

interface ServerProcess {
  url: string;
  pid: number | undefined;
  /** SIGTERM, then SIGKILL if the process has not exited within STOP_GRACE_MS; resolves once it has exited. */
  stop(): Promise<void>;
}

/** Every server child still alive: killed on any exit of this process, so none outlives the bench. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
// Registered before the PostgreSQL cluster's own handlers: exiting here runs the 'exit' handlers above and the
// cluster's, which a default signal death would skip.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => process.exit(signal === 'SIGINT' ? 130 : 143));
}

function call(base: string, token: string, method: string, path: string, body?: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${base}${path}`,
      {
        method,
        agent,
        timeout: CALL_TIMEOUT_MS,
        headers: {
          Authorization: `Bearer ${token}`,
          ...(payload === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${CALL_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** CPU seconds (user + system) the process has used so far, from /proc (Linux; NaN elsewhere). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields =
      readFileSync(`/proc/${String(pid)}/stat`, 'utf8')
        .split(') ')[1]
        ?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds used so far by all of a deployment's servers together. */
function totalCpuSeconds(pids: (number | undefined)[]): number {
  return pids.reduce<number>((sum, pid) => sum + cpuSeconds(pid), 0);
}

/** Adds the admin user `bench` to a data dir (`--data <dir>`) or a database (`--database <url>`); returns its token. */
function addUser(target: string[]): string {
  const add = spawnSync(node, [...nodeArgs, 'user', 'add', 'bench', '--role', 'admin', ...target], {
    encoding: 'utf8',
    timeout: STARTUP_MS,
  });
  const token = add.stdout.trimEnd().split('\n').at(-1) ?? '';
  if (add.status !== 0 || token === '') throw new Error(`user add failed (${String(add.status)}): ${add.stderr}`);
  return token;
}

/** Resolves to the URL the server prints once it listens; rejects if it exits or stays silent for STARTUP_MS. */
function listening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(
      () => settle(() => reject(new Error(`control plane did not start within ${STARTUP_MS} ms`))),
      STARTUP_MS,
    );
    child.stdout?.on('data', (c: Buffer) => {
      if (settled) return; // keep draining the pipe, but stop collecting
      out += c.toString();
      const m = /control-plane listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m?.[1] !== undefined) settle(() => resolve(m[1] as string));
    });
    child.once('exit', (code) => settle(() => reject(new Error(`control plane exited with ${String(code)}`))));
  });
}

/** Starts one server (the real CLI) on `dataDir`, on PostgreSQL when `database` is given. */
async function spawnServer(dataDir: string, database?: string): Promise<ServerProcess> {
  const db = database === undefined ? [] : ['--database', database];
  const child = spawn(node, [...nodeArgs, '--port', '0', '--data', dataDir, ...db], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  live.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      live.delete(child);
      resolve();
    }),
  );
  const stop = async (): Promise<void> => {
    if (!live.has(child)) return;
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const graceful = await Promise.race([
      exited.then(() => true),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(false), STOP_GRACE_MS);
      }),
    ]);
    clearTimeout(timer);
    if (!graceful) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  try {
    return { url: await listening(child), pid: child.pid, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** sqlite: one server on SQLite in a fresh data dir under `scratch`. */
async function startSqlite(scratch: string, servers: ServerProcess[]): Promise<Deployment> {
  const dataDir = join(scratch, 'sqlite');
  mkdirSync(dataDir, { recursive: true });
  const token = addUser(['--data', dataDir]);
  const server = await spawnServer(dataDir);
  servers.push(server);
  return { urls: [server.url], token, pids: [server.pid] };
}

/**
 * pg-1 / pg-2: `count` servers on one fresh database. The first server creates the signing keys and the secret in its
 * data dir; every further server gets copies of them before it starts, or it refuses to join the database.
 */
async function startPostgresServers(
  cluster: PostgresCluster,
  database: string,
  count: number,
  scratch: string,
  servers: ServerProcess[],
): Promise<Deployment> {
  const url = await cluster.createDatabase(database);
  const token = addUser(['--database', url]);
  const dirs = Array.from({ length: count }, (_, i) => join(scratch, `${database}-${i}`));
  for (const [i, dir] of dirs.entries()) {
    mkdirSync(dir, { recursive: true });
    const first = dirs[0] as string;
    if (i > 0) {
      cpSync(join(first, 'keys'), join(dir, 'keys'), { recursive: true });
      cpSync(join(first, 'secret'), join(dir, 'secret'));
    }
    servers.push(await spawnServer(dir, url));
  }
  return { urls: servers.map((s) => s.url), token, pids: servers.map((s) => s.pid) };
}

async function createFlags(url: string, token: string): Promise<string[]> {
  const keys = Array.from({ length: FLAGS }, (_, i) => `bench.load.flag-${i}`);
  for (const key of keys) {
    const status = await call(url, token, 'POST', '/api/v1/flags', {
      key,
      type: 'ops',
      owner: 'bench',
      services: ['bench'],
      tier: 'LOW',
      description: 'bench flag',
    });
    if (status !== 201) throw new Error(`create ${key}: ${status}`);
  }
  return keys;
}

/**
 * Phase 1: as many flag updates as CONCURRENCY workers can push for WRITE_SECONDS, worker w on server w mod n. Each
 * key belongs to one worker, so two servers never race on one flag and every error is the server's, not a conflict.
 */
async function writePhase(
  urls: string[],
  token: string,
  keys: string[],
): Promise<{ writes: number; errors: number; seconds: number }> {
  const counters = new Map(keys.map((k) => [k, 0]));
  let writes = 0;
  let errors = 0;
  const end = performance.now() + WRITE_SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      const url = urls[w % urls.length] as string;
      for (let i = 0; i < MAX_WRITES_PER_WORKER && performance.now() < end; i++) {
        const key = keys[(w + i * CONCURRENCY) % keys.length] as string;
        const n = (counters.get(key) ?? 0) + 1;
        counters.set(key, n);
        const status = await call(url, token, 'PATCH', `/api/v1/flags/${key}/environments/production`, {
          enabled: true,
          rollout_pct: n % 101,
          reason: 'bench write',
        }).catch(() => 0);
        if (status === 200) writes++;
        else errors++;
      }
    }),
  );
  return { writes, errors, seconds: (performance.now() - t0) / 1000 };
}

interface Client {
  latencies: number[];
  close: () => void;
}

function sseClient(url: string, token: string, from: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    const req = request(
      `${url}/api/v1/ledger/stream`,
      { headers: { Authorization: `Bearer ${token}`, 'Last-Event-ID': String(from) } },
      (res) => {
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const now = performance.timeOrigin + performance.now();
          buf += chunk;
          let i = buf.indexOf('\n\n');
          while (i >= 0) {
            const frame = buf.slice(0, i);
            buf = buf.slice(i + 2);
            if (frame.includes('event: entry')) {
              const data = frame.slice(frame.indexOf('data: ') + 6);
              latencies.push(now - Date.parse((JSON.parse(data) as { ts: string }).ts));
            }
            i = buf.indexOf('\n\n');
          }
        });
        resolve({ latencies, close: () => req.destroy() });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * Phase 2: paced writes while CLIENTS streams are connected; latency = delivery time − leaf ts. Client c listens to
 * server c mod n and write i goes to server i mod n, so with two servers half of each client's entries were committed
 * by the other instance.
 */
async function fanoutPhase(
  urls: string[],
  token: string,
  keys: string[],
  size: number,
): Promise<{ deliveries: number; p50: number; p99: number; max: number; expected: number }> {
  const clients = await Promise.all(
    Array.from({ length: CLIENTS }, (_, c) => sseClient(urls[c % urls.length] as string, token, size - 1)),
  );
  try {
    await new Promise((r) => setTimeout(r, 300));
    const total = FANOUT_RATE * FANOUT_SECONDS;
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / FANOUT_RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const key = keys[i % keys.length] as string;
      await call(urls[i % urls.length] as string, token, 'PATCH', `/api/v1/flags/${key}/environments/staging`, {
        enabled: i % 2 === 0,
        rollout_pct: i % 101,
        reason: 'fan-out probe',
      });
    }
    await new Promise((r) => setTimeout(r, 500));
    const all = clients.flatMap((c) => c.latencies).sort((a, b) => a - b);
    return {
      deliveries: all.length,
      expected: total * CLIENTS,
      p50: percentile(all, 50),
      p99: percentile(all, 99),
      max: all.at(-1) ?? Number.NaN,
    };
  } finally {
    for (const c of clients) c.close();
  }
}

/** The current ledger size, from which the stream clients start (so they receive only the fan-out's entries). */
async function ledgerSize(url: string, token: string): Promise<number> {
  const res = await fetch(`${url}/api/v1/info`, {
    headers: { Authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
  });
  return ((await res.json()) as { size: number }).size;
}

/** Both phases against a running deployment; flags are created through its first server. */
async function measure(d: Deployment): Promise<ConfigResult> {
  const first = d.urls[0] as string;
  const keys = await createFlags(first, d.token);
  const cpu0 = totalCpuSeconds(d.pids);
  const w = await writePhase(d.urls, d.token, keys);
  const serverCpu = totalCpuSeconds(d.pids) - cpu0;
  const f = await fanoutPhase(d.urls, d.token, keys, await ledgerSize(first, d.token));
  return {
    servers: d.urls.length,
    writes_per_s: Math.round(w.writes / w.seconds),
    writes: w.writes,
    write_errors: w.errors,
    write_seconds: +w.seconds.toFixed(2),
    concurrency: CONCURRENCY,
    server_cpu_s: +serverCpu.toFixed(2),
    writes_per_server_cpu_s: Math.round(w.writes / serverCpu),
    load_average: Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0] ?? 'NaN'),
    fanout: {
      clients: CLIENTS,
      rate_per_s: FANOUT_RATE,
      deliveries: f.deliveries,
      expected: f.expected,
      p50_ms: +f.p50.toFixed(2),
      p99_ms: +f.p99.toFixed(2),
      max_ms: +f.max.toFixed(2),
    },
    targets: { writes_per_s: 2000, p99_ms: 20 },
  };
}

/** Starts one configuration, measures it and stops its servers, so they do not load the next configuration's run. */
async function runConfig(start: (servers: ServerProcess[]) => Promise<Deployment>): Promise<ConfigResult> {
  // Filled by `start` as each server comes up, so the servers of a half-started deployment are stopped too.
  const servers: ServerProcess[] = [];
  try {
    return await measure(await start(servers));
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

/** The two lines this bench has always printed, for the SQLite baseline. */
function printBaseline(r: ConfigResult): void {
  process.stdout.write(
    `control plane: ${r.writes_per_s} writes/s sustained over ${r.write_seconds.toFixed(1)} s (${r.write_errors} errors; target ≥ 2000); ` +
      `server used ${r.server_cpu_s} CPU-s = ${r.writes_per_server_cpu_s} writes per server CPU-second (load average ${r.load_average})\n`,
  );
  process.stdout.write(
    `SSE fan-out to ${CLIENTS} clients at ${FANOUT_RATE} writes/s: p50 ${r.fanout.p50_ms} ms, p99 ${r.fanout.p99_ms} ms, max ${r.fanout.max_ms} ms (${r.fanout.deliveries}/${r.fanout.expected} deliveries; target p99 ≤ 20 ms)\n`,
  );
}

function printConfig(name: ConfigName, r: ConfigResult): void {
  process.stdout.write(
    `${name.padEnd(6)} (${r.servers} server${r.servers === 1 ? ' ' : 's'}): ${String(r.writes_per_s).padStart(5)} writes/s ` +
      `(${r.write_errors} errors, ${r.server_cpu_s} server CPU-s); fan-out p50 ${r.fanout.p50_ms} ms, ` +
      `p99 ${r.fanout.p99_ms} ms, max ${r.fanout.max_ms} ms (${r.fanout.deliveries}/${r.fanout.expected} deliveries)\n`,
  );
}

function ratio(value: number, base: number): number {
  return +(value / base).toFixed(2);
}

function ratiosOf(r: ConfigResult, base: ConfigResult): Ratios {
  return {
    writes_per_s: ratio(r.writes_per_s, base.writes_per_s),
    p50_ms: ratio(r.fanout.p50_ms, base.fanout.p50_ms),
    p99_ms: ratio(r.fanout.p99_ms, base.fanout.p99_ms),
    max_ms: ratio(r.fanout.max_ms, base.fanout.max_ms),
  };
}

function printRatios(ratios: Record<'pg-1' | 'pg-2', Ratios>): void {
  const parts = (['pg-1', 'pg-2'] as const).map(
    (name) =>
      `${name} writes/s = ${ratios[name].writes_per_s}x sqlite, p50 = ${ratios[name].p50_ms}x, ` +
      `p99 = ${ratios[name].p99_ms}x, max = ${ratios[name].max_ms}x`,
  );
  process.stdout.write(`ratios: ${parts.join('; ')}\n`);
}

async function main(): Promise<void> {
  const guard = setTimeout(() => {
    process.stderr.write('bench: hard time limit reached\n');
    process.exit(2); // the 'exit' handlers kill the servers and stop the PostgreSQL cluster
  }, HARD_LIMIT_MS);
  const scratch = mkdtempSync(join(tmpdir(), 'bench-cp-'));
  // The hard limit and a signal exit without running `finally`: remove the data dirs then too.
  const removeScratch = (): void => rmSync(scratch, { recursive: true, force: true });
  process.once('exit', removeScratch);
  let cluster: PostgresCluster | undefined;
  try {
    const sqlite = await runConfig((servers) => startSqlite(scratch, servers));
    printBaseline(sqlite);
    const pg = await startPostgres();
    cluster = pg;
    const pg1 = await runConfig((servers) => startPostgresServers(pg, 'bench_pg1', 1, scratch, servers));
    const pg2 = await runConfig((servers) => startPostgresServers(pg, 'bench_pg2', 2, scratch, servers));
    const configs = { sqlite, 'pg-1': pg1, 'pg-2': pg2 };
    for (const [name, r] of Object.entries(configs)) printConfig(name as ConfigName, r);
    const ratios = { 'pg-1': ratiosOf(pg1, sqlite), 'pg-2': ratiosOf(pg2, sqlite) };
    printRatios(ratios);
    mkdirSync(join(root, 'bench-results'), { recursive: true });
    writeFileSync(
      join(root, 'bench-results', 'control-plane.json'),
      `${JSON.stringify({ configs, ratios }, null, 2)}\n`,
    );
  } finally {
    agent.destroy();
    await cluster?.stop();
    for (const child of live) child.kill('SIGKILL'); // runConfig stopped them all; this only covers a bug there
    clearTimeout(guard);
    process.removeListener('exit', removeScratch);
    removeScratch();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
