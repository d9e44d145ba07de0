/**
 * `tombstone-console serve` as a user runs it: the real command in a child process, connected to a real control plane
 * (child process), with a browser session on its event stream. Ctrl-C (SIGINT) or SIGTERM must end it within 2 s, also
 * after a minute of live sync with new entries arriving the whole time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../sync/test-support/control-plane-process.ts';
import {
  changeFlag,
  createFlag,
  dropTemplates,
  serve,
  serverHead,
  until,
  type Served,
} from '../sync/test-support/fixture.ts';

/**
 * A minute of real use (metrics, incidents, a busy demo) brings full garbage collections; this test's lighter load
 * might not within its minute, so the child collects every 500 ms (test-support/gc-stress.ts). What a collection may
 * drop matters here: undici stops forwarding a fetch's abort signal once the Request behind it was collected
 * (nodejs/node#55428), which left the ledger stream open after Ctrl-C.
 */
const NODE_FLAGS = [
  '--disable-warning=ExperimentalWarning',
  '--expose-gc',
  '--import',
  join(REPO_ROOT, 'main', 'sync', 'test-support', 'gc-stress.ts'),
];

/** A running `serve` child and what it printed. */
interface ServeChild {
  child: ChildProcess;
  url: string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

function startServe(args: string[], env: Record<string, string>): Promise<ServeChild> {
  const child = spawn(
    join(REPO_ROOT, 'node_modules', '.bin', 'node'),
    [...NODE_FLAGS, join(REPO_ROOT, 'main', 'cli', 'index.ts'), 'serve', ...args],
    { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 30_000);
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /console \(browser mode\) at (\S+)/.exec(out);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        resolve({ child, url: m[1], stderr: () => err, exited });
      }
    });
    void exited.then(() => reject(new Error(`serve exited before it was ready: ${err}`)));
  });
}

/** Exchanges the launch token like the page does and opens the page's event stream; collects verified sizes. */
async function openBrowserSession(url: string): Promise<{ verified: () => number; close(): void }> {
  const u = new URL(url);
  const token = /token=([0-9a-f]{64})/.exec(u.hash)?.[1] ?? '';
  const headers = { host: u.host, origin: u.origin };
  const cookie = await new Promise<string>((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: '/api/session',
        method: 'POST',
        headers: { ...headers, 'x-session-token': token },
      },
      (res) => {
        res.resume();
        resolve(String(res.headers['set-cookie']).split(';')[0] ?? '');
      },
    );
    req.on('error', reject);
    req.end();
  });
  let verified = 0;
  let buffer = '';
  const events = request({ host: u.hostname, port: u.port, path: '/api/events', headers: { host: u.host, cookie } });
  events.on('response', (res: IncomingMessage) => {
    res.on('data', (c: Buffer) => {
      buffer += c.toString();
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (!line.startsWith('data: ')) continue;
        const msg = JSON.parse(line.slice(6)) as { channel: string; payload: { verifiedSize?: number } };
        if (msg.channel === 'ledger:verified') verified = msg.payload.verifiedSize ?? verified;
      }
    });
    res.on('error', () => {});
  });
  events.on('error', () => {});
  events.end();
  return { verified: () => verified, close: () => events.destroy() };
}

const ENTRIES = 200;
let changes = 0;

describe('tombstone-console serve: shutdown', () => {
  let s: Served;
  let root: string;
  let renderer: string;
  let tokenFile: string;

  beforeAll(async () => {
    s = await serve(ENTRIES);
    root = mkdtempSync(join(tmpdir(), 'tsc-serve-'));
    renderer = join(root, 'renderer');
    mkdirSync(renderer);
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Tombstone Console</title>');
    tokenFile = join(root, 'token');
    writeFileSync(tokenFile, `${s.token}\n`);
    chmodSync(tokenFile, 0o600);
    await createFlag(s.cp.url, s.token, 'cli.serve.flag');
  });
  /** One more ledger entry (each change sets another rollout, so none is refused as NO_CHANGE). */
  const change = (): Promise<number> => changeFlag(s.cp.url, s.token, changes++, 'cli.serve.flag');

  afterAll(async () => {
    await s.cp.kill();
    rmSync(root, { recursive: true, force: true });
    rmSync(join(s.dataDir, '..'), { recursive: true, force: true });
    dropTemplates();
  });

  /** Starts serve on its own data dir, connected to the control plane, with a browser session following it. */
  async function liveConsole(
    name: string,
  ): Promise<{ host: ServeChild; browser: Awaited<ReturnType<typeof openBrowserSession>> }> {
    const args = [
      '--port',
      '0',
      '--data',
      join(root, name),
      '--connect',
      s.cp.url,
      '--trust',
      s.cp.verifierKeys[0] ?? '',
    ];
    const host = await startServe([...args, '--token-file', tokenFile], { TOMBSTONE_RENDERER_DIR: renderer });
    const browser = await openBrowserSession(host.url);
    // A new entry after the page subscribed: its verification reaches the page once the console is live.
    await change();
    const head = await serverHead(s.cp.url, s.token);
    await until(() => browser.verified() >= head.size, 'the console verified the ledger', 30_000);
    return { host, browser };
  }

  async function stopWith(host: ServeChild, signal: NodeJS.Signals): Promise<{ code: number | null; ms: number }> {
    const sent = Date.now();
    host.child.kill(signal);
    const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), 10_000));
    const exit = await Promise.race([host.exited, timeout]);
    if (exit === null) host.child.kill('SIGKILL');
    return { code: exit?.code ?? null, ms: exit === null ? Infinity : exit.at - sent };
  }

  it('exits within 2 s on SIGINT after a minute of live sync (new entries all along, a browser attached)', async () => {
    const { host, browser } = await liveConsole('minute');
    try {
      const until60 = Date.now() + 60_000;
      while (Date.now() < until60) {
        await change();
        await new Promise((r) => setTimeout(r, 250));
      }
      const head = await serverHead(s.cp.url, s.token);
      await until(() => browser.verified() >= head.size, 'live sync kept up', 20_000);
      const { code, ms } = await stopWith(host, 'SIGINT');
      expect(code).toBe(0);
      expect(ms).toBeLessThan(2000);
      expect(host.stderr()).not.toContain('W_SHUTDOWN');
    } finally {
      browser.close();
      host.child.kill('SIGKILL');
    }
  }, 150_000);

  it('exits within 2 s on SIGTERM', async () => {
    const { host, browser } = await liveConsole('term');
    try {
      await change();
      const { code, ms } = await stopWith(host, 'SIGTERM');
      expect([code, ms < 2000]).toEqual([0, true]);
      expect(host.stderr()).not.toContain('W_SHUTDOWN');
    } finally {
      browser.close();
      host.child.kill('SIGKILL');
    }
  }, 60_000);

  it('refuses a --token-file other users can read (E_TOKEN_FILE_MODE, exit 2)', async () => {
    const open = join(root, 'open-token');
    writeFileSync(open, `${s.token}\n`);
    chmodSync(open, 0o644);
    const child = spawn(
      join(REPO_ROOT, 'node_modules', '.bin', 'node'),
      [
        '--disable-warning=ExperimentalWarning',
        join(REPO_ROOT, 'main', 'cli', 'index.ts'),
        'serve',
        '--data',
        join(root, 'refused'),
        '--connect',
        s.cp.url,
        '--token-file',
        open,
      ],
      { cwd: REPO_ROOT, env: { ...process.env, TOMBSTONE_RENDERER_DIR: renderer }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(err.startsWith(`E_TOKEN_FILE_MODE: the token file ${open} is accessible to other users (mode 0644)`)).toBe(
      true,
    );
  });
});
