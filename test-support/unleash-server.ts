/**
 * A real Unleash for tests: test-support/unleash/launch.mjs in a child process (Node ≥ 22), on an ephemeral
 * 127.0.0.1 port, against a fresh database of a throwaway PostgreSQL cluster, with one admin API token created at
 * start (`authentication.initApiTokens`: Unleash 8 refuses to create admin tokens over its API). No version check, no
 * telemetry, logs to a file. `stop()` ends it; it also ends by itself when the process that started it is gone.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { PostgresCluster } from './postgres.ts';
import { UNLEASH_DIR } from './unleash-install.ts';

/** A running Unleash. */
export interface UnleashServer {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  /** Admin API token, sent as `Authorization: <token>`. */
  adminToken: string;
  /** Connection string of Unleash's own database (for tests that rewrite history behind its back). */
  databaseUrl: string;
  /** The server log. */
  logFile: string;
  /** Milliseconds from spawn to healthy. */
  startMs: number;
  /** Stops the server (SIGTERM, SIGKILL after 10 s). */
  stop(): Promise<void>;
}

/** How to start it. */
export interface StartUnleashOptions {
  cluster: PostgresCluster;
  /** Database to create on the cluster (default `unleash`). */
  database?: string;
  /** Where to write the log (default: the cluster's directory). */
  logFile?: string;
  timeoutMs?: number;
}

type LaunchMessage = { kind: 'listening'; port: number } | { kind: 'failed'; message: string };

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function waitListening(child: ChildProcess, logFile: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer);
      reject(new Error(`E_UNLEASH_START: the test Unleash ${why}; see its log ${logFile}`));
    };
    const timer = setTimeout(() => fail(`did not listen within ${timeoutMs / 1000} s`), timeoutMs);
    child.on('message', (m: LaunchMessage) => {
      if (m.kind === 'listening') {
        clearTimeout(timer);
        resolve(m.port);
      } else fail(`failed to start (${m.message})`);
    });
    child.once('exit', (code, signal) => fail(`exited (${code ?? signal}) while starting`));
  });
}

async function waitHealthy(url: string, token: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      const health = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      const me = await fetch(`${url}/api/admin/projects`, {
        headers: { authorization: token },
        signal: AbortSignal.timeout(2000),
      });
      if (health.ok && me.ok) return;
      if (health.ok && (me.status === 401 || me.status === 403)) {
        throw new Error('E_UNLEASH_START: the test Unleash is up but refused its initial admin token');
      }
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('E_UNLEASH_START')) throw err;
    }
    if (Date.now() > deadline) throw new Error(`E_UNLEASH_START: the test Unleash at ${url} never became healthy`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Forks launch.mjs with `config`, logging to `logFile`; returns the child and its stop function. */
function spawnLauncher(config: unknown, logFile: string): { child: ChildProcess; stop: () => Promise<void> } {
  const log = openSync(logFile, 'w');
  const child = fork(join(UNLEASH_DIR, 'launch.mjs'), [], {
    cwd: UNLEASH_DIR,
    execPath: process.execPath,
    stdio: ['ignore', log, log, 'ipc'],
    env: {
      ...process.env,
      TOMBSTONE_UNLEASH_CONFIG: JSON.stringify(config),
      SEND_TELEMETRY: 'false',
      CHECK_VERSION: 'false',
      TZ: 'UTC',
    },
  });
  closeSync(log);
  const reap = (): void => void child.kill('SIGKILL');
  process.once('exit', reap);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', reap);
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.kill('SIGTERM');
    await exited(child);
    clearTimeout(killer);
  };
  return { child, stop };
}

/** Starts Unleash on a fresh database of `cluster`; throws E_UNLEASH_START with the log's path on failure. */
export async function startUnleash(opts: StartUnleashOptions): Promise<UnleashServer> {
  const started = Date.now();
  const timeoutMs = opts.timeoutMs ?? 180_000;
  const database = opts.database ?? 'unleash';
  const databaseUrl = await opts.cluster.createDatabase(database);
  const logFile = opts.logFile ?? join(opts.cluster.dir, 'unleash.log');
  const adminToken = `*:*.${randomBytes(24).toString('hex')}`;
  const { child, stop } = spawnLauncher(
    {
      db: { host: opts.cluster.host, port: opts.cluster.port, user: opts.cluster.user, database },
      tokens: [{ tokenName: 'tombstone-tests', type: 'admin', secret: adminToken, projects: ['*'], environment: '*' }],
    },
    logFile,
  );
  try {
    const port = await waitListening(child, logFile, timeoutMs);
    const url = `http://127.0.0.1:${port}`;
    await waitHealthy(url, adminToken, started + timeoutMs);
    return { url, adminToken, databaseUrl, logFile, startMs: Date.now() - started, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
