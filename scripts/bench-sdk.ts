/**
 * Benchmark of flag evaluation and SDK delivery (loopback only, bounded in time and count):
 *  1. evaluations per second on one core over the demo's flags (rules and prerequisites included): our compiled
 *     evaluator against @openfeature/flagd-core on the exported flagd document, same contexts — goal ≥ 3×;
 *  2. propagation: N real SDK clients (default 1,000) on the stream; each kill's commit (its ledger timestamp) →
 *     applied in every SDK's cache, p50/p99/max — goal p99 ≤ 10 ms — against the transport floor measured in the same
 *     run (a bare SSE server writing one timestamped frame to N bare sockets); server memory per connection;
 *  3. restart: the control plane stops and starts on the same data dir; the N SDKs resume from their versions
 *     (snapshot bytes sent vs. catch-up bytes, against N full snapshots);
 *  4. kill → applied by all n SDK instances, for n = 100 and N: the control plane's applied report of each kill
 *     (GET /api/v1/sdk/fleet/applied: each instance's ack receipt time minus the kill's commit time, both on the
 *     control plane's clock), p50/p99 over every instance and kill, and the time until the last one acked; against
 *     the transport floor for n sockets measured in the same run.
 * The control plane runs in a child process (the real CLI, demo data) so the clients do not share its event loop.
 * Usage: npm run bench:sdk [-- --clients 1000 --kills 20]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FlagdCore } from '@openfeature/flagd-core';
import { TombstoneClient } from '../sdk/client.ts';
import { randomContexts } from '../shared/eval/differential.ts';
import { Evaluator } from '../shared/eval/index.ts';
import type { EvalContext } from '../shared/eval/index.ts';
import type { SdkConfig } from '../shared/protocol/sdk.ts';

const root = join(import.meta.dirname, '..');
const node = process.execPath;
const cli = join(root, 'control-plane', 'cli.ts');
const NODE_ARGS = ['--disable-warning=ExperimentalWarning'];
const HARD_LIMIT_MS = 240_000;
const KILL_TARGET = 'bench.sdk.kill-target';
const SMALL_N = 100;

function ackLine(a: AckLatencies, kills: number): string {
  return (
    `kill → applied by all ${a.n} SDK instances (acks received by the control plane, ${kills} kills/re-enables): ` +
    `per instance p50 ${a.p50_ms} ms, p99 ${a.p99_ms} ms; until the last ack p50 ${a.all_applied_p50_ms} ms, max ${a.all_applied_max_ms} ms ` +
    `(${a.acks} acks, ${a.missing} missing)\n`
  );
}

// --- transport floor server (a child process: `bench-sdk.ts floor-server`) -------------------------------------------
if (process.argv[2] === 'floor-server') {
  const clients = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    if (req.url === '/stream') {
      req.socket.setNoDelay(true);
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.flushHeaders();
      clients.add(res);
      res.on('close', () => clients.delete(res));
      return;
    }
    // POST /fire: one frame, serialized once, written to every socket.
    const frame = Buffer.from(`event: t\ndata: ${Date.now()}\n\n`);
    for (const c of clients) c.write(frame);
    res.end(String(clients.size));
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`floor on ${(server.address() as AddressInfo).port}\n`));
  process.on('SIGTERM', () => process.exit(0));
} else {
  main().catch((err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const nowMs = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const round = (n: number, d = 2): number => +n.toFixed(d);

interface Cp {
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function startCp(dataDir: string, port: number, demo: boolean): Promise<Cp> {
  const args = [...NODE_ARGS, cli, '--port', String(port), '--data', dataDir, '--heartbeat', '5s'];
  if (demo) args.push('--demo', '--no-telemetry', '--incident-after', '3600s');
  const child = spawn(node, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /control-plane listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m?.[1] !== undefined) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`control plane exited with ${String(code)}`)));
  });
  return {
    url,
    port: Number(new URL(url).port),
    child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function cliLast(args: string[]): string {
  const r = spawnSync(node, [...NODE_ARGS, cli, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trimEnd().split('\n').at(-1) ?? '';
}

/** One request on a fresh connection (no keep-alive: the bench's pauses outlast the server's idle timeout). */
function httpCall(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function api(cp: Cp, token: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await httpCall(
    `${cp.url}${path}`,
    method,
    headers,
    body === undefined ? undefined : JSON.stringify(body),
  );
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
  return res.text === '' ? null : (JSON.parse(res.text) as unknown);
}

// --- 1. evaluation throughput -----------------------------------------------------------------------------------------

function evalThroughput(config: SdkConfig, flagdDoc: string): Record<string, number> {
  const contexts = randomContexts(config, 4000, 5)
    .filter((c) => typeof c['targetingKey'] !== 'string' || /^[\x00-\x7f]*$/.test(c['targetingKey']))
    .slice(0, 1000);
  const keys = config.flags.map((f) => f.key);
  const ours = new Evaluator(config);
  const core = new FlagdCore();
  core.setConfigurations(flagdDoc);
  const run = (fn: (key: string, ctx: EvalContext) => unknown): number => {
    const end = performance.now() + 1500;
    const t0 = performance.now();
    let n = 0;
    let sink = 0;
    while (performance.now() < end) {
      for (const ctx of contexts) {
        for (const k of keys) if (fn(k, ctx) !== undefined) sink++;
        n += keys.length;
      }
    }
    if (sink < 0) process.stdout.write('');
    return n / ((performance.now() - t0) / 1000);
  };
  const oursFn = (k: string, ctx: EvalContext): unknown => ours.evaluate(k, ctx, false).value;
  const flagdFn = (k: string, ctx: EvalContext): unknown =>
    core.resolveBooleanEvaluation(k, false, ctx as Record<string, string>).value;
  let bestOurs = 0;
  let bestFlagd = 0;
  for (let round = 0; round < 3; round++) {
    bestOurs = Math.max(bestOurs, run(oursFn));
    bestFlagd = Math.max(bestFlagd, run(flagdFn));
  }
  return {
    flags: keys.length,
    with_rules: config.flags.filter((f) => f.rules.length > 0).length,
    with_prerequisites: config.flags.filter((f) => f.prerequisites.length > 0).length,
    contexts: contexts.length,
    ours_per_s: Math.round(bestOurs),
    flagd_core_per_s: Math.round(bestFlagd),
    ratio: round(bestOurs / bestFlagd),
  };
}

// --- 2. propagation -----------------------------------------------------------------------------------------------------

interface Fleet {
  clients: TombstoneClient[];
  applied: Map<number, number[]>;
}

async function connectFleet(cp: Cp, sdkKey: string, n: number, prefix = 'bench'): Promise<Fleet> {
  const applied = new Map<number, number[]>();
  const clients: TombstoneClient[] = [];
  for (let i = 0; i < n; i++) {
    const c = new TombstoneClient({
      url: cp.url,
      sdkKey,
      service: 'bench',
      telemetryIntervalMs: 0,
      backoffMinMs: 250,
      backoffMaxMs: 2000,
      instanceId: `${prefix}-${i}`,
    });
    c.on('changed', (e: { version: number }) => {
      const t = nowMs();
      let list = applied.get(e.version);
      if (list === undefined) applied.set(e.version, (list = []));
      list.push(t);
    });
    clients.push(c);
    if (i % 100 === 99) await sleep(50);
  }
  await Promise.all(clients.map((c) => c.ready(60_000)));
  return { clients, applied };
}

async function leafTs(cp: Cp, token: string, idx: number): Promise<number> {
  const res = await httpCall(`${cp.url}/api/v1/ledger/entries?start=${idx}&end=${idx + 1}`, 'GET', {
    Authorization: `Bearer ${token}`,
  });
  const line = res.text.trim();
  return Date.parse((JSON.parse(line) as { ts: string }).ts);
}

interface AckLatencies {
  n: number;
  acks: number;
  missing: number;
  /** Over every instance's ack of every kill. */
  p50_ms: number;
  p99_ms: number;
  /** Per kill, until the last instance acked. */
  all_applied_p50_ms: number;
  all_applied_max_ms: number;
}

interface Latencies {
  deliveries: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

/** Acks of a kill as the control plane saw them: each instance's ms after the commit (this fleet's instances only). */
interface Acked {
  ms: number[];
  missing: number;
}

async function ackedBy(cp: Cp, token: string, idx: number, prefix: string, n: number): Promise<Acked> {
  type Report = { instances: { instance_id: string; ms: number | null }[] };
  const mine = (r: Report): Report['instances'] => r.instances.filter((i) => i.instance_id.startsWith(`${prefix}-`));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const r = (await api(cp, token, 'GET', `/api/v1/sdk/fleet/applied?environment=production&idx=${idx}`)) as Report;
    const got = mine(r).flatMap((i) => (i.ms === null ? [] : [i.ms]));
    if (got.length >= n || Date.now() > deadline) return { ms: got, missing: n - got.length };
    await sleep(20);
  }
}

async function propagation(
  cp: Cp,
  token: string,
  fleet: Fleet,
  kills: number,
  prefix = 'bench',
): Promise<Latencies & { kills: number; missing: number; acked: AckLatencies }> {
  const latencies: number[] = [];
  const acked: number[] = [];
  const lastAck: number[] = [];
  let ackMissing = 0;
  let missing = 0;
  for (let i = 0; i < kills; i++) {
    const body =
      i % 2 === 0
        ? await api(cp, token, 'POST', `/api/v1/flags/${KILL_TARGET}/kill`, {
            environment: 'production',
            reason: 'bench kill switch',
          })
        : await api(cp, token, 'PATCH', `/api/v1/flags/${KILL_TARGET}/environments/production`, {
            enabled: true,
            rollout_pct: 100,
            reason: 'bench re-enable',
          });
    const idx = (body as { idx: number }).idx;
    const version = idx + 1;
    const deadline = Date.now() + 10_000;
    while ((fleet.applied.get(version)?.length ?? 0) < fleet.clients.length && Date.now() < deadline) await sleep(5);
    const committed = await leafTs(cp, token, idx);
    const got = fleet.applied.get(version) ?? [];
    missing += fleet.clients.length - got.length;
    for (const t of got) latencies.push(t - committed);
    const a = await ackedBy(cp, token, idx, prefix, fleet.clients.length);
    acked.push(...a.ms);
    ackMissing += a.missing;
    if (a.missing === 0) lastAck.push(Math.max(...a.ms));
    await sleep(200);
  }
  latencies.sort((a, b) => a - b);
  acked.sort((a, b) => a - b);
  lastAck.sort((a, b) => a - b);
  return {
    acked: {
      n: fleet.clients.length,
      acks: acked.length,
      missing: ackMissing,
      p50_ms: round(percentile(acked, 50)),
      p99_ms: round(percentile(acked, 99)),
      all_applied_p50_ms: round(percentile(lastAck, 50)),
      all_applied_max_ms: round(lastAck.at(-1) ?? Number.NaN),
    },
    kills,
    deliveries: latencies.length,
    missing,
    p50_ms: round(percentile(latencies, 50)),
    p99_ms: round(percentile(latencies, 99)),
    max_ms: round(latencies.at(-1) ?? Number.NaN),
  };
}

async function transportFloor(n: number, fires: number): Promise<Latencies> {
  const child = spawn(node, [...NODE_ARGS, join(root, 'scripts', 'bench-sdk.ts'), 'floor-server'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise<number>((resolve) => {
      child.stdout?.on('data', (c: Buffer) => {
        const m = /floor on (\d+)/.exec(c.toString());
        if (m?.[1] !== undefined) resolve(Number(m[1]));
      });
    });
    const latencies: number[] = [];
    const reqs = [];
    let open = 0;
    for (let i = 0; i < n; i++) {
      const req = request(`http://127.0.0.1:${port}/stream`, (res) => {
        open++;
        res.setEncoding('utf8');
        res.socket.setNoDelay(true);
        res.on('data', (chunk: string) => {
          const t = nowMs();
          const m = /data: (\d+)/.exec(chunk);
          if (m?.[1] !== undefined) latencies.push(t - Number(m[1]));
        });
      });
      req.end();
      reqs.push(req);
      if (i % 100 === 99) await sleep(20);
    }
    while (open < n) await sleep(10);
    for (let i = 0; i < fires; i++) {
      await httpCall(`http://127.0.0.1:${port}/fire`, 'POST', {});
      const want = (i + 1) * n;
      const deadline = Date.now() + 5000;
      while (latencies.length < want && Date.now() < deadline) await sleep(5);
      await sleep(200);
    }
    for (const r of reqs) r.destroy();
    latencies.sort((a, b) => a - b);
    return {
      deliveries: latencies.length,
      p50_ms: round(percentile(latencies, 50)),
      p99_ms: round(percentile(latencies, 99)),
      max_ms: round(latencies.at(-1) ?? Number.NaN),
    };
  } finally {
    child.kill('SIGTERM');
  }
}

interface Stats {
  connections: Record<string, number>;
  counters: Record<string, number>;
  memory: { rss: number; heapUsed: number; external: number };
}

async function stats(cp: Cp, token: string): Promise<Stats> {
  return (await api(cp, token, 'GET', '/api/v1/sdk/stats')) as Stats;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { clients: { type: 'string' }, kills: { type: 'string' } } });
  const N = Math.min(5000, Number(values.clients ?? '1000'));
  const KILLS = Math.min(200, Number(values.kills ?? '20'));
  const guard = setTimeout(() => {
    process.stderr.write('bench: hard time limit reached\n');
    process.exit(2);
  }, HARD_LIMIT_MS);
  guard.unref();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-sdk-'));
  const token = cliLast(['user', 'add', 'bench', '--role', 'admin', '--data', dataDir]);
  const sdkKey = cliLast(['sdk-key', 'add', '--environment', 'production', '--name', 'bench', '--data', dataDir]);
  let cp = await startCp(dataDir, 0, true);
  let fleet: Fleet | null = null;
  try {
    await api(cp, token, 'POST', '/api/v1/flags', {
      key: KILL_TARGET,
      type: 'kill-switch',
      owner: 'bench',
      services: ['bench'],
      tier: 'LOW',
      description: 'bench kill target',
      environments: { production: { enabled: true, rollout_pct: 100 } },
    });
    const auth = { Authorization: `Bearer ${sdkKey}` };
    const config = JSON.parse((await httpCall(`${cp.url}/api/v1/sdk/config`, 'GET', auth)).text) as SdkConfig;
    const flagdDoc = (await httpCall(`${cp.url}/api/v1/sdk/flagd`, 'GET', auth)).text;
    const snapshotBytes = Buffer.byteLength(JSON.stringify(config));

    const evals = evalThroughput(config, flagdDoc);
    process.stdout.write(
      `evaluation (one core, ${evals.flags} demo flags: ${evals.with_rules} with rules, ${evals.with_prerequisites} with prerequisites; ${evals.contexts} contexts): ` +
        `${evals.ours_per_s} evals/s vs @openfeature/flagd-core ${evals.flagd_core_per_s} evals/s = ${evals.ratio}× (goal ≥ 3×)\n`,
    );

    // 4a. kill → applied by all of 100 SDK instances (their acks), before the large fleet connects.
    const small = await connectFleet(cp, sdkKey, SMALL_N, 'small');
    const smallProp = await propagation(cp, token, small, KILLS, 'small');
    for (const c of small.clients) await c.close();
    process.stdout.write(ackLine(smallProp.acked, KILLS));

    const before = await stats(cp, token);
    fleet = await connectFleet(cp, sdkKey, N);
    await sleep(1000);
    const after = await stats(cp, token);
    const memPerConn = {
      rss_bytes: Math.round((after.memory.rss - before.memory.rss) / N),
      heap_plus_external_bytes: Math.round(
        (after.memory.heapUsed + after.memory.external - before.memory.heapUsed - before.memory.external) / N,
      ),
    };
    const prop = await propagation(cp, token, fleet, KILLS);
    const fanout = (await stats(cp, token)).counters;
    process.stdout.write(
      `propagation to ${N} SDKs over ${KILLS} kills/re-enables (commit → applied in every cache): p50 ${prop.p50_ms} ms, p99 ${prop.p99_ms} ms, max ${prop.max_ms} ms ` +
        `(${prop.deliveries} deliveries, ${prop.missing} missing; goal p99 ≤ 10 ms)\n`,
    );
    process.stdout.write(ackLine(prop.acked, KILLS));
    process.stdout.write(
      `server side of that (commit notification → last socket write of the delta): max ${fanout['fanout_max_ms']} ms, last ${fanout['fanout_last_ms']} ms\n`,
    );
    process.stdout.write(
      `server memory per SDK connection: ${memPerConn.rss_bytes} B RSS, ${memPerConn.heap_plus_external_bytes} B heap+external\n`,
    );

    // 3. restart: every SDK resumes from its version.
    const versions = fleet.clients.map((c) => c.version);
    await cp.stop();
    cp = await startCp(dataDir, cp.port, false);
    // One change while the SDKs are still reconnecting: they get it as a catch-up delta, not a snapshot.
    await api(cp, token, 'POST', `/api/v1/flags/${KILL_TARGET}/kill`, {
      environment: 'production',
      reason: 'bench kill after restart',
    }).catch(() => undefined);
    const t0 = Date.now();
    let s = await stats(cp, token);
    while ((s.connections['production'] ?? 0) < N && Date.now() - t0 < 60_000) {
      await sleep(200);
      s = await stats(cp, token);
    }
    const reconnectS = (Date.now() - t0) / 1000;
    const resumed = {
      reconnected: s.connections['production'] ?? 0,
      seconds: round(reconnectS, 1),
      snapshots_sent: s.counters['snapshots_sent'] ?? 0,
      snapshot_bytes: s.counters['snapshot_bytes'] ?? 0,
      catchups_sent: s.counters['catchups_sent'] ?? 0,
      catchup_bytes: s.counters['catchup_bytes'] ?? 0,
      resumes_up_to_date: s.counters['resumes_up_to_date'] ?? 0,
      versions_known: versions.filter((v) => v !== null).length,
      full_snapshots_bytes_baseline: snapshotBytes * N,
    };
    process.stdout.write(
      `restart: ${resumed.reconnected}/${N} SDKs resumed in ${resumed.seconds} s: ${resumed.snapshots_sent} snapshots (${resumed.snapshot_bytes} B), ` +
        `${resumed.catchups_sent} catch-up deltas (${resumed.catchup_bytes} B), ${resumed.resumes_up_to_date} already up to date; ` +
        `${round((resumed.snapshot_bytes + resumed.catchup_bytes) / resumed.full_snapshots_bytes_baseline, 4)}× the bytes of ${N} full snapshots (${resumed.full_snapshots_bytes_baseline} B)\n`,
    );
    for (const c of fleet.clients) await c.close();
    fleet = null;

    const floor = await transportFloor(N, KILLS);
    process.stdout.write(
      `transport floor (bare SSE, one frame to ${N} bare sockets, same run): p50 ${floor.p50_ms} ms, p99 ${floor.p99_ms} ms, max ${floor.max_ms} ms → ` +
        `SDK propagation p99 = ${round(prop.p99_ms / floor.p99_ms)}× the floor; acked p99 = ${round(prop.acked.p99_ms / floor.p99_ms)}× the floor\n`,
    );
    const smallFloor = await transportFloor(SMALL_N, KILLS);
    process.stdout.write(
      `transport floor for ${SMALL_N} sockets: p50 ${smallFloor.p50_ms} ms, p99 ${smallFloor.p99_ms} ms → ` +
        `acked by ${SMALL_N} p99 = ${round(smallProp.acked.p99_ms / smallFloor.p99_ms)}× the floor\n`,
    );
    const result = {
      evaluation: evals,
      propagation: {
        clients: N,
        ...prop,
        server_fanout_max_ms: fanout['fanout_max_ms'],
        goal_p99_ms: 10,
      },
      transport_floor: floor,
      propagation_p99_over_floor_p99: round(prop.p99_ms / floor.p99_ms),
      kill_applied_by_all: {
        [SMALL_N]: {
          ...smallProp.acked,
          transport_floor_p99_ms: smallFloor.p99_ms,
          p99_over_floor_p99: round(smallProp.acked.p99_ms / smallFloor.p99_ms),
        },
        [N]: {
          ...prop.acked,
          transport_floor_p99_ms: floor.p99_ms,
          p99_over_floor_p99: round(prop.acked.p99_ms / floor.p99_ms),
        },
      },
      memory_per_connection: memPerConn,
      restart: resumed,
      load_average: Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0] ?? 'NaN'),
    };
    process.stdout.write(`load average ${result.load_average} (2 cores shared)\n`);
    mkdirSync(join(root, 'bench-results'), { recursive: true });
    writeFileSync(join(root, 'bench-results', 'sdk.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    if (fleet !== null) for (const c of fleet.clients) await c.close();
    await cp.stop();
    clearTimeout(guard);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
