/**
 * The real product stack for e2e specs: the reference control plane with the demo scenario, browser-mode consoles
 * connected to it as demo people, and a small client of the control plane's HTTP API for setting up and checking state.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { expect, type TestInfo } from '@playwright/test';
import {
  startConsole,
  startControlPlaneProcess,
  stopStartedProcesses,
  takeOutputs,
  type ControlPlaneProcess,
  type Started,
} from './processes.ts';

/** A demo person (see control-plane/demo/catalog.ts DEMO_USERS). */
export type DemoPerson = 'dana' | 'riley' | 'avery' | 'blake' | 'vic';

/** A running console in browser mode, with the data dir that holds its profile and replica. */
export type ConsoleProcess = Started & { url: string; dataDir: string };

const dirs: string[] = [];

/** A fresh private temp dir for one process (removed by `cleanUpStack`). */
export function freshDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `tsc-e2e-${prefix}-`));
  dirs.push(dir);
  return dir;
}

/** The last `bytes` of `text`, marked when cut. */
function tail(text: string, bytes = 64 * 1024): string {
  return text.length <= bytes ? text : `[… ${text.length - bytes} characters before]\n${text.slice(-bytes)}`;
}

/**
 * For a failed test, attaches what the processes printed and the consoles' logs (`<data>/logs/*.log`) to its report:
 * the data dirs are removed next, and a rare failure is otherwise lost with them.
 */
async function attachEvidence(testInfo: TestInfo): Promise<void> {
  const outputs = takeOutputs();
  if (testInfo.status === testInfo.expectedStatus) return;
  for (const [i, o] of outputs.entries())
    await testInfo.attach(`process-${i + 1}.txt`, { body: `$ node ${o.command}\n${tail(o.output)}` });
  for (const dir of dirs) {
    const logs = join(dir, 'logs');
    if (!existsSync(logs)) continue;
    for (const name of readdirSync(logs))
      await testInfo.attach(`${basename(dir)}-${name}`, { body: tail(readFileSync(join(logs, name), 'utf8')) });
  }
}

/**
 * Stops whatever a test left running (a timeout cuts its `finally` short) and removes its temp dirs (~20 MB each);
 * for a failed test, their outputs and logs go to the report first. Use as `test.afterEach(cleanUpStack)` (Playwright
 * reads the fixtures a hook wants from its first parameter's pattern: none here).
 */
export async function cleanUpStack({}: object, testInfo: TestInfo): Promise<void> {
  await stopStartedProcesses();
  try {
    await attachEvidence(testInfo);
  } finally {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts the demo control plane on an ephemeral port; the live incident starts after `incidentAfter`. */
export function startDemoControlPlane(incidentAfter = '5s', extra: string[] = []): Promise<ControlPlaneProcess> {
  return startControlPlaneProcess(freshDir('cp'), ['--demo', '--incident-after', incidentAfter, ...extra]);
}

/** The bearer token the demo printed for `name`. */
export function tokenOf(cp: ControlPlaneProcess, name: DemoPerson): string {
  const person = cp.people.find((p) => p.name === name);
  if (!person) throw new Error(`the control plane printed no demo token for ${name}`);
  return person.token;
}

/** How a console is started: reuse a data dir, and whether to import the control plane's key with `--trust`. */
export interface ConsoleOptions {
  dataDir?: string;
  /** Import the demo's verifier key on the command line (default); false leaves it to trust-on-first-use in the UI. */
  trust?: boolean;
}

/** Starts a console connected to `cp` as `name` (by default trusting the control plane's signing key, in a fresh data dir). */
export async function startConsoleAs(
  cp: ControlPlaneProcess,
  name: DemoPerson,
  options: ConsoleOptions = {},
): Promise<ConsoleProcess> {
  const dataDir = options.dataDir ?? freshDir(`console-${name}`);
  const trust = options.trust === false ? [] : ['--trust', cp.keys[0] ?? ''];
  const started = await startConsole(['--connect', cp.url, ...trust, '--data', dataDir], {
    TOMBSTONE_TOKEN: tokenOf(cp, name),
  });
  return { ...started, dataDir };
}

/** Stops every process given (in parallel), ignoring the ones that never started. */
export async function stopAll(...processes: (Started | null | undefined)[]): Promise<void> {
  await Promise.all(processes.map((p) => p?.stop()));
}

/** One HTTP answer of the control plane. */
export interface ApiAnswer {
  status: number;
  body: unknown;
}

/** Calls the control plane's API as `name` (JSON in and out; an empty body is null). */
export async function api(
  cp: ControlPlaneProcess,
  name: DemoPerson,
  method: 'GET' | 'POST' | 'PATCH',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiAnswer> {
  const init: RequestInit = { method, headers: { Authorization: `Bearer ${tokenOf(cp, name)}`, ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { ...init.headers, 'Content-Type': 'application/json' };
  }
  const res = await fetch(`${cp.url}${path}`, init);
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
}

/** An object field of unknown JSON, or a thrown error naming the path (a failed assumption about the protocol). */
export function field(value: unknown, ...path: (string | number)[]): unknown {
  let v = value;
  for (const key of path) {
    if (typeof v !== 'object' || v === null || !(key in v))
      throw new Error(`no ${path.join('.')} in ${JSON.stringify(value).slice(0, 300)}`);
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}

/** A string field of unknown JSON. */
export function str(value: unknown, ...path: (string | number)[]): string {
  const v = field(value, ...path);
  if (typeof v !== 'string') throw new Error(`${path.join('.')} is not a string: ${JSON.stringify(v)}`);
  return v;
}

/** A number field of unknown JSON. */
export function num(value: unknown, ...path: (string | number)[]): number {
  const v = field(value, ...path);
  if (typeof v !== 'number') throw new Error(`${path.join('.')} is not a number: ${JSON.stringify(v)}`);
  return v;
}

/** An array field of unknown JSON. */
export function list(value: unknown, ...path: (string | number)[]): unknown[] {
  const v = field(value, ...path);
  if (!Array.isArray(v)) throw new Error(`${path.join('.')} is not an array: ${JSON.stringify(v)}`);
  return v;
}

/** The ledger entries [start, end) (default: to the current end), parsed; follows `X-Next-Start` across pages. */
export async function ledgerEntries(
  cp: ControlPlaneProcess,
  start: number,
  end?: number,
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let next: number | null = start;
  for (let page = 0; next !== null && page < 1000; page++) {
    const res: Response = await fetch(
      `${cp.url}/api/v1/ledger/entries?start=${next}${end === undefined ? '' : `&end=${end}`}`,
      {
        headers: { Authorization: `Bearer ${tokenOf(cp, 'vic')}` },
      },
    );
    if (res.status !== 200) throw new Error(`ledger entries answered ${res.status}`);
    for (const line of (await res.text()).split('\n')) if (line) out.push(JSON.parse(line) as Record<string, unknown>);
    const header: string | null = res.headers.get('X-Next-Start');
    next = header === null ? null : Number(header);
  }
  return out;
}

/** The current ledger size. */
export async function ledgerSize(cp: ControlPlaneProcess): Promise<number> {
  return num((await api(cp, 'vic', 'GET', '/api/v1/info')).body, 'size');
}

/** The single ledger entry at `idx`. */
export async function ledgerEntry(cp: ControlPlaneProcess, idx: number): Promise<Record<string, unknown>> {
  const [entry] = await ledgerEntries(cp, idx, idx + 1);
  if (!entry) throw new Error(`no ledger entry #${idx}`);
  return entry;
}

/** Waits for the demo's PagerDuty incident on payments and returns its id. */
export async function demoIncident(cp: ControlPlaneProcess): Promise<string> {
  let id = '';
  await expect
    .poll(
      async () => {
        const incidents = list((await api(cp, 'vic', 'GET', '/api/v1/incidents?status=triggered')).body, 'incidents');
        const hit = incidents.find((i) => str(i, 'service') === 'payments' && str(i, 'source') === 'pagerduty');
        id = hit ? str(hit, 'id') : '';
        return id;
      },
      { timeout: 40_000, message: 'the demo incident on payments fires' },
    )
    .not.toBe('');
  return id;
}

/** Opens a critical incident through the control plane (as the on-call monitor would) and returns its id. */
export async function openIncident(cp: ControlPlaneProcess, service: string, title: string): Promise<string> {
  const res = await api(cp, 'dana', 'POST', '/api/v1/incidents', { service, title, severity: 'critical' });
  expect(res.status).toBe(201);
  return str(res.body, 'id');
}
