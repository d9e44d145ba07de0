/**
 * The real control plane in a child process, for integration tests: it can be killed (SIGKILL) and restarted on the
 * same data dir, which an in-process server cannot simulate. Started through its CLI (main/ never imports
 * control-plane/), users are added with its `user add` command, and big ledgers are seeded with the bench script's
 * `seed` mode (which uses the control plane's own writer).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const NODE_ARGS = ['--disable-warning=ExperimentalWarning'];

/** A running control-plane process. */
export interface ControlPlaneProcess {
  url: string;
  port: number;
  origin: string;
  verifierKeys: string[];
  child: ChildProcess;
  /** Kills the process with `signal` and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** How to start it. */
export interface SpawnOptions {
  dataDir: string;
  port?: number;
  /** Extra CLI flags, e.g. ['--checkpoint-every', '1', '--heartbeat', '500ms']. */
  args?: string[];
  timeoutMs?: number;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts `control-plane/cli.ts` and resolves once it printed its listening line, origin and keys. */
export async function spawnControlPlane(opts: SpawnOptions): Promise<ControlPlaneProcess> {
  const args = [
    ...NODE_ARGS,
    'control-plane/cli.ts',
    '--data',
    opts.dataDir,
    '--port',
    String(opts.port ?? 0),
    ...(opts.args ?? []),
  ];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  // A test that times out skips its cleanup; never leave an orphaned control plane behind.
  const reap = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', reap);
  child.once('exit', () => process.removeListener('exit', reap));
  let out = '';
  let err = '';
  child.stderr?.on('data', (c: Buffer) => {
    err = (err + c.toString()).slice(-4000);
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`control plane did not start: ${err}`)), opts.timeoutMs ?? 20_000);
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /control-plane listening on (http:\/\/\S+)\n[\s\S]*ledger origin \S+\n/.exec(out);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`control plane exited (${code}): ${err}`));
    });
  });
  await new Promise((r) => setTimeout(r, 20)); // the key lines come in the same write; give the pipe a moment
  const origin = /ledger origin (\S+)/.exec(out)?.[1] ?? '';
  const verifierKeys = [...out.matchAll(/ledger key (\S+)/g)].map((m) => m[1] as string);
  return {
    url,
    port: Number(new URL(url).port),
    origin,
    verifierKeys,
    child,
    kill: async (signal = 'SIGKILL') => {
      child.kill(signal);
      await exited(child);
    },
  };
}

/**
 * Adds a user to a data dir, or to a PostgreSQL database when `target` is a postgres:// URL (the control plane may be
 * running), and returns the token.
 */
export function addUser(target: string, name: string, role: 'viewer' | 'responder' | 'approver' | 'admin'): string {
  const where = /^postgres(ql)?:\/\//.test(target) ? ['--database', target] : ['--data', target];
  const r = spawnSync(
    process.execPath,
    [...NODE_ARGS, 'control-plane/cli.ts', 'user', 'add', name, '--role', role, ...where],
    { cwd: REPO_ROOT, encoding: 'utf8' },
  );
  const token = /^(tsk_\S+)$/m.exec(r.stdout)?.[1];
  if (r.status !== 0 || token === undefined) throw new Error(`user add failed: ${r.stderr}`);
  return token;
}

/** Seeds `entries` ledger entries into a (stopped) control plane's data dir and signs a checkpoint over them. */
export function seedLedger(dataDir: string, entries: number, origin?: string): void {
  const extra = origin === undefined ? [] : ['--origin', origin];
  const r = spawnSync(
    process.execPath,
    [...NODE_ARGS, 'scripts/bench-sync.ts', 'seed', '--data', dataDir, '--entries', String(entries), ...extra],
    { cwd: REPO_ROOT, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`seeding failed: ${r.stderr}`);
}
