/** Shared set-up of the sync integration tests: a seeded control plane (child process), a token, replica files. */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SyncState } from '../../../shared/ipc/contract.ts';
import { Replica } from '../../ledger/replica.ts';
import type { SyncHandle } from '../engine.ts';
import type { SyncLogEntry } from '../errors.ts';
import type { SyncEventMap } from '../events.ts';
import type { ReplicaOpener } from '../replica-holder.ts';
import type { SyncProfile } from '../trust-gate.ts';
import { addUser, seedLedger, spawnControlPlane, type ControlPlaneProcess } from './control-plane-process.ts';

/** A temp dir removed by `cleanup`. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `tombstone-sync-${prefix}-`));
}

const templates = new Map<number, { dir: string; token: string }>();

/** A data dir seeded (with an admin token) once per entry count and copied per test: seeding costs ~0.1 ms per entry. */
export function seededDataDir(entries: number): { dataDir: string; token: string } {
  let template = templates.get(entries);
  if (template === undefined) {
    const dir = join(tempDir(`template${entries}`), 'cp');
    seedLedger(dir, entries);
    template = { dir, token: addUser(dir, 'syncer', 'admin') };
    templates.set(entries, template);
  }
  const dataDir = join(tempDir('cp'), 'cp');
  cpSync(template.dir, dataDir, { recursive: true });
  return { dataDir, token: template.token };
}

/** Removes every template dir (afterAll). */
export function dropTemplates(): void {
  for (const t of templates.values()) rmSync(join(t.dir, '..'), { recursive: true, force: true });
  templates.clear();
}

/** A running control plane with a viewer token. */
export interface Served {
  dataDir: string;
  cp: ControlPlaneProcess;
  token: string;
}

/** Default flags for tests: fast heartbeats, a checkpoint per commit. */
export const FAST_CP = ['--heartbeat', '300ms', '--checkpoint-every', '1', '--checkpoint-interval', '20ms'];

/** Starts a control plane on a copy of a seeded data dir. */
export async function serve(entries: number, args: string[] = FAST_CP, port?: number): Promise<Served> {
  const { dataDir, token } = seededDataDir(entries);
  const cp = await spawnControlPlane({ dataDir, args, port });
  return { dataDir, cp, token };
}

/** A profile trusting the control plane's key up front (no TOFU prompt). */
export function pinnedProfile(url: string, token: string, cp: ControlPlaneProcess): SyncProfile {
  return {
    url,
    token,
    origin: cp.origin,
    keys: cp.verifierKeys.map((vkey) => ({
      vkey,
      validFromSize: null,
      validUntilSize: null,
      confirmedAt: '2026-01-01T00:00:00.000Z',
      source: 'import' as const,
    })),
  };
}

/** Opens the real replica at `path` (high-water mark next to it). */
export function replicaAt(path: string): ReplicaOpener {
  return (init) => Replica.open({ path, ...init });
}

/** Everything an engine emitted, and a poller. */
export interface Recorder {
  events: { [E in keyof SyncEventMap]: SyncEventMap[E][] };
  logs: SyncLogEntry[];
  /** Date.now() when each sync:changed event arrived (same order as events['sync:changed']). */
  stateAt: number[];
  log(entry: SyncLogEntry): void;
  attach(handle: SyncHandle): void;
}

function listen<E extends keyof SyncEventMap>(h: SyncHandle, r: Recorder, name: E): void {
  h.events.on(name, (p) => {
    (r.events[name] as SyncEventMap[E][]).push(p);
  });
}

/** Records events and logs. */
export function recorder(): Recorder {
  const r: Recorder = {
    events: {
      'ledger:appended': [],
      'ledger:verified': [],
      'ledger:alerted': [],
      'sync:changed': [],
      'sync:progressed': [],
    },
    logs: [],
    stateAt: [],
    log: (e) => {
      r.logs.push(e);
    },
    attach: (h) => {
      for (const name of Object.keys(r.events) as (keyof SyncEventMap)[]) listen(h, r, name);
      h.events.on('sync:changed', () => {
        r.stateAt.push(Date.now());
      });
    },
  };
  return r;
}

/** Polls `check` every 20 ms until it returns true; throws with `what` after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The kinds of the states seen, without consecutive repeats. */
export function stateKinds(states: readonly SyncState[]): string[] {
  return states.map((s) => s.kind).filter((k, i, all) => i === 0 || all[i - 1] !== k);
}

/** The server's current checkpoint (size and root hex) read over HTTP. */
export async function serverHead(url: string, token: string): Promise<{ size: number; rootHex: string }> {
  const res = await fetch(new URL('/api/v1/ledger/checkpoint', url), { headers: { authorization: `Bearer ${token}` } });
  const note = ((await res.json()) as { note: string }).note;
  const [, size, root] = note.split('\n');
  return { size: Number(size), rootHex: Buffer.from(root ?? '', 'base64').toString('hex') };
}

async function call(
  url: string,
  token: string,
  method: string,
  path: string,
  body: unknown,
): Promise<Record<string, unknown>> {
  const res = await fetch(new URL(path, url), {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Creates the LOW-tier test flag `key` (one ledger entry). */
export async function createFlag(url: string, token: string, key = 'sync.test.flag'): Promise<void> {
  await call(url, token, 'POST', '/api/v1/flags', {
    key,
    type: 'release',
    owner: 'sync',
    services: ['sync'],
    tier: 'LOW',
    description: 'sync test flag',
  });
}

/** Changes the flag's production rollout (one ledger entry); returns the entry's idx. */
export async function changeFlag(url: string, token: string, n: number, key = 'sync.test.flag'): Promise<number> {
  const body = await call(url, token, 'PATCH', `/api/v1/flags/${key}/environments/production`, {
    rollout_pct: (n % 100) + 1,
    reason: `sync test change ${n}`,
  });
  return Number(body['idx']);
}
