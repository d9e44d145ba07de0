/**
 * Benchmark of the reference control plane (loopback only, bounded in time):
 *  1. sustained write rate: flag updates/s through the HTTP API, each with its ledger append, with checkpointing on;
 *  2. SSE fan-out: latency from commit (the leaf's own timestamp) to delivery at each of 50 stream clients.
 * The server runs in a child process (the real CLI) so the load generator does not share its event loop.
 * Usage: npm run bench:control-plane [-- --seconds 5 --clients 50 --rate 250]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { seconds: { type: 'string' }, clients: { type: 'string' }, rate: { type: 'string' } },
});
const WRITE_SECONDS = Number(values.seconds ?? '5');
const CLIENTS = Number(values.clients ?? '50');
const FANOUT_RATE = Number(values.rate ?? '250');
const FANOUT_SECONDS = 4;
const CONCURRENCY = 32;
const FLAGS = 64;
const HARD_LIMIT_MS = 120_000;
const root = join(import.meta.dirname, '..');
const node = join(root, 'node_modules', '.bin', 'node');
const cli = join(root, 'control-plane', 'cli.ts');
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function call(base: string, token: string, method: string, path: string, body?: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${base}${path}`,
      {
        method,
        agent,
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

async function startServer(
  dataDir: string,
): Promise<{ url: string; token: string; pid: number | undefined; stop: () => void }> {
  const add = spawnSync(
    node,
    ['--disable-warning=ExperimentalWarning', cli, 'user', 'add', 'bench', '--role', 'admin', '--data', dataDir],
    { encoding: 'utf8' },
  );
  const token = add.stdout.trimEnd().split('\n').at(-1) ?? '';
  const child = spawn(node, ['--disable-warning=ExperimentalWarning', cli, '--port', '0', '--data', dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /control-plane listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m?.[1] !== undefined) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`control plane exited with ${String(code)}`)));
  });
  return { url, token, pid: child.pid, stop: () => child.kill('SIGTERM') };
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

/** Phase 1: as many flag updates as CONCURRENCY workers can push for WRITE_SECONDS. */
async function writePhase(
  url: string,
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
      for (let i = 0; performance.now() < end; i++) {
        const key = keys[(w + i * CONCURRENCY) % keys.length] as string;
        const n = (counters.get(key) ?? 0) + 1;
        counters.set(key, n);
        const status = await call(url, token, 'PATCH', `/api/v1/flags/${key}/environments/production`, {
          enabled: true,
          rollout_pct: n % 101,
          reason: 'bench write',
        });
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

/** Phase 2: paced writes while CLIENTS streams are connected; latency = delivery time − leaf ts. */
async function fanoutPhase(
  url: string,
  token: string,
  keys: string[],
  size: number,
): Promise<{ deliveries: number; p50: number; p99: number; max: number; expected: number }> {
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => sseClient(url, token, size - 1)));
  await new Promise((r) => setTimeout(r, 300));
  const total = FANOUT_RATE * FANOUT_SECONDS;
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / FANOUT_RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const key = keys[i % keys.length] as string;
    await call(url, token, 'PATCH', `/api/v1/flags/${key}/environments/staging`, {
      enabled: i % 2 === 0,
      rollout_pct: i % 101,
      reason: 'fan-out probe',
    });
  }
  await new Promise((r) => setTimeout(r, 500));
  for (const c of clients) c.close();
  const all = clients.flatMap((c) => c.latencies).sort((a, b) => a - b);
  return {
    deliveries: all.length,
    expected: total * CLIENTS,
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    max: all.at(-1) ?? Number.NaN,
  };
}

async function main(): Promise<void> {
  const guard = setTimeout(() => {
    process.stderr.write('bench: hard time limit reached\n');
    process.exit(2);
  }, HARD_LIMIT_MS);
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-cp-'));
  const server = await startServer(dataDir);
  try {
    const keys = await createFlags(server.url, server.token);
    const cpu0 = cpuSeconds(server.pid);
    const w = await writePhase(server.url, server.token, keys);
    const serverCpu = cpuSeconds(server.pid) - cpu0;
    const info = (await fetch(`${server.url}/api/v1/info`, {
      headers: { Authorization: `Bearer ${server.token}` },
    }).then((r) => r.json())) as { size: number };
    const f = await fanoutPhase(server.url, server.token, keys, info.size);
    const result = {
      writes_per_s: Math.round(w.writes / w.seconds),
      writes: w.writes,
      write_errors: w.errors,
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
    process.stdout.write(
      `control plane: ${result.writes_per_s} writes/s sustained over ${w.seconds.toFixed(1)} s (${w.errors} errors; target ≥ 2000); ` +
        `server used ${result.server_cpu_s} CPU-s = ${result.writes_per_server_cpu_s} writes per server CPU-second (load average ${result.load_average})\n`,
    );
    process.stdout.write(
      `SSE fan-out to ${CLIENTS} clients at ${FANOUT_RATE} writes/s: p50 ${result.fanout.p50_ms} ms, p99 ${result.fanout.p99_ms} ms, max ${result.fanout.max_ms} ms (${f.deliveries}/${f.expected} deliveries; target p99 ≤ 20 ms)\n`,
    );
    mkdirSync(join(root, 'bench-results'), { recursive: true });
    writeFileSync(join(root, 'bench-results', 'control-plane.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    server.stop();
    agent.destroy();
    clearTimeout(guard);
    setTimeout(() => rmSync(dataDir, { recursive: true, force: true }), 300);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
