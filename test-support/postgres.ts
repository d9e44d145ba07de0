/**
 * A throwaway PostgreSQL cluster for tests: initdb into a fresh temporary directory, listen on 127.0.0.1 only (ephemeral
 * port, socket in the same directory), fsync off, stopped and removed by `stop()` — and also when the test process
 * exits, is interrupted, or dies (a detached watchdog stops the cluster once the owning process is gone). As root the
 * cluster runs as the unprivileged `postgres` user (PostgreSQL refuses to run as root).
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { findPostgresBin, postgresUser, PostgresSetupError, type PostgresUser } from './postgres-bin.ts';
import { freePort } from './free-port.ts';

export { PostgresSetupError } from './postgres-bin.ts';

/** A running throwaway cluster. */
export interface PostgresCluster {
  host: string;
  port: number;
  /** Superuser name (trust authentication on loopback: no password). */
  user: string;
  /** The cluster's temporary directory (data, socket, log). */
  dir: string;
  /** The server log file. */
  logFile: string;
  /** Connection string of `database` (default `postgres`). */
  url(database?: string): string;
  /** Creates an empty database and resolves to its connection string. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (fast shutdown, SIGKILL as fallback) and removes the directory; safe to call twice. */
  stop(): Promise<void>;
}

const SUPERUSER = 'postgres';
const DB_NAME_RE = /^[a-z_][a-z0-9_]{0,62}$/;

function runAs(user: PostgresUser | null, cmd: string, args: string[]): { cmd: string; args: string[] } {
  return user === null ? { cmd, args } : { cmd: 'runuser', args: ['-u', user.name, '--', cmd, ...args] };
}

function check(step: string, r: ReturnType<typeof spawnSync>, logFile: string | null): void {
  if (r.status === 0) return;
  const out = `${r.stderr?.toString() ?? ''}${r.stdout?.toString() ?? ''}`.trim().slice(-2000);
  throw new PostgresSetupError(
    'E_POSTGRES_START',
    `PostgreSQL ${step} failed (exit ${r.status ?? r.signal})${logFile ? `; server log: ${logFile}` : ''}: ${out}`,
  );
}

function settings(dir: string, port: number): string {
  return [
    "listen_addresses = '127.0.0.1'",
    `port = ${port}`,
    `unix_socket_directories = '${dir}'`,
    'fsync = off',
    'synchronous_commit = off',
    'full_page_writes = off',
    'max_connections = 200',
    "shared_buffers = '64MB'",
    'log_min_messages = warning',
    '',
  ].join('\n');
}

function makeDir(user: PostgresUser | null): string {
  const dir = mkdtempSync(join(tmpdir(), 'tombstone-pg-'));
  if (user !== null) chownSync(dir, user.uid, user.gid);
  chmodSync(dir, 0o700);
  return dir;
}

/** Starts a detached watchdog that stops the cluster and removes `dir` once process `owner` is gone. */
function startWatchdog(owner: number, dir: string, stopCmd: { cmd: string; args: string[] }): number | undefined {
  const script = [
    'owner=$1; dir=$2; shift 2',
    'while kill -0 "$owner" 2>/dev/null; do sleep 1; done',
    '"$@" >/dev/null 2>&1 || { pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null); [ -n "$pid" ] && kill -9 "$pid"; }',
    'rm -rf "$dir"',
  ].join('\n');
  const child = spawn('sh', ['-c', script, 'tombstone-pg-watchdog', String(owner), dir, stopCmd.cmd, ...stopCmd.args], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return child.pid;
}

function initCluster(bin: string, user: PostgresUser | null, dir: string): void {
  const data = join(dir, 'data');
  const init = runAs(user, join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    SUPERUSER,
    '--auth=trust',
    '--encoding=UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  check('initdb', spawnSync(init.cmd, init.args, { timeout: 120_000 }), null);
}

function startServer(bin: string, user: PostgresUser | null, dir: string, port: number, logFile: string): void {
  writeFileSync(join(dir, 'data', 'postgresql.auto.conf'), settings(dir, port));
  const start = runAs(user, join(bin, 'pg_ctl'), ['-D', join(dir, 'data'), '-l', logFile, '-w', '-t', '60', 'start']);
  check('start', spawnSync(start.cmd, start.args, { timeout: 90_000 }), logFile);
}

/** Starts a fresh cluster; throws PostgresSetupError (E_NO_POSTGRES, E_POSTGRES_USER, E_POSTGRES_START). */
export async function startPostgres(): Promise<PostgresCluster> {
  const bin = findPostgresBin();
  const user = postgresUser();
  const dir = makeDir(user);
  const logFile = join(dir, 'postgres.log');
  writeFileSync(logFile, '');
  if (user !== null) chownSync(logFile, user.uid, user.gid);
  const stopCmd = runAs(user, join(bin, 'pg_ctl'), ['-D', join(dir, 'data'), '-m', 'fast', '-w', '-t', '20', 'stop']);
  const watchdog = startWatchdog(
    process.pid,
    dir,
    runAs(user, join(bin, 'pg_ctl'), ['-D', join(dir, 'data'), '-m', 'immediate', 'stop']),
  );
  const cleanup = stopper(dir, stopCmd, watchdog);
  try {
    initCluster(bin, user, dir);
    const port = await startWithRetry(bin, user, dir, logFile);
    return cluster(dir, port, logFile, cleanup);
  } catch (err) {
    cleanup.sync();
    throw err;
  }
}

async function startWithRetry(bin: string, user: PostgresUser | null, dir: string, logFile: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      startServer(bin, user, dir, port, logFile);
      return port;
    } catch (err) {
      // Another process may have taken the port between the probe and the bind: try another one, twice.
      if (attempt >= 3) throw err;
    }
  }
}

interface Stopper {
  sync(): void;
}

function killPostmaster(dir: string): void {
  const r = spawnSync('sh', ['-c', 'head -n 1 "$1/data/postmaster.pid"', 'sh', dir]);
  const pid = Number(r.stdout?.toString().trim());
  if (Number.isSafeInteger(pid) && pid > 0) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** One idempotent synchronous teardown, also run on exit and on SIGINT/SIGTERM while the cluster lives. */
function stopper(dir: string, stopCmd: { cmd: string; args: string[] }, watchdog: number | undefined): Stopper {
  let done = false;
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  const onSignal = (signal: NodeJS.Signals): void => {
    sync();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const sync = (): void => {
    if (done) return;
    done = true;
    process.removeListener('exit', sync);
    for (const s of signals) process.removeListener(s, onSignal);
    if (watchdog !== undefined) {
      try {
        process.kill(watchdog, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    const r = spawnSync(stopCmd.cmd, stopCmd.args, { timeout: 30_000 });
    if (r.status !== 0) killPostmaster(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', sync);
  for (const s of signals) process.once(s, onSignal);
  return { sync };
}

function cluster(dir: string, port: number, logFile: string, cleanup: Stopper): PostgresCluster {
  const host = '127.0.0.1';
  const url = (database = 'postgres'): string => `postgres://${SUPERUSER}@${host}:${port}/${database}`;
  return {
    host,
    port,
    user: SUPERUSER,
    dir,
    logFile,
    url,
    async createDatabase(name: string): Promise<string> {
      if (!DB_NAME_RE.test(name)) throw new Error(`invalid database name ${name}`);
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    async stop(): Promise<void> {
      cleanup.sync();
    },
  };
}
