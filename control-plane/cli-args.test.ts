import { spawnSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCommand, parseDuration } from './cli-args.ts';

const NODE = join(process.cwd(), 'node_modules', '.bin', 'node');
const CLI = join(process.cwd(), 'control-plane', 'cli.ts');
const dir = mkdtempSync(join(tmpdir(), 'cp-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseCommand', () => {
  it('parses serve options with demo defaults', () => {
    expect(
      parseCommand(['--port', '0', '--data', '/tmp/x', '--demo', '--seed', '3', '--incident-after', '5s']),
    ).toEqual({
      kind: 'serve',
      options: {
        dataDir: '/tmp/x',
        database: null,
        port: 0,
        host: '127.0.0.1',
        webhooks: [],
        demo: { seed: 3, incidentAfterMs: 5000, telemetry: true },
      },
    });
  });

  it('parses a server on PostgreSQL (--database beside --data)', () => {
    expect(parseCommand(['--data', '/tmp/x', '--database', 'postgres://cp@127.0.0.1:5432/t'])).toMatchObject({
      kind: 'serve',
      options: { dataDir: '/tmp/x', database: 'postgres://cp@127.0.0.1:5432/t', demo: null },
    });
  });

  it('parses the SDK fleet windows', () => {
    const r = parseCommand(['--data', '/tmp/x', '--fleet-disconnect', '2s', '--fleet-age-out', '1m']);
    expect(r).toMatchObject({ kind: 'serve', options: { sdkFleet: { disconnectAfterMs: 2000, ageOutMs: 60_000 } } });
    expect(() => parseCommand(['--data', '/tmp/x', '--fleet-disconnect', 'soon'])).toThrow(/is not a duration/);
  });

  it('parses webhooks and user add', () => {
    const serve = parseCommand([
      '--data',
      'd',
      '--webhook',
      'slack=http://127.0.0.1:9/s',
      '--webhook',
      'pagerduty=http://127.0.0.1:9/p#rk',
    ]);
    expect(serve.kind === 'serve' ? serve.options.webhooks : null).toEqual([
      { kind: 'slack', url: 'http://127.0.0.1:9/s' },
      { kind: 'pagerduty', url: 'http://127.0.0.1:9/p', routingKey: 'rk' },
    ]);
    expect(parseCommand(['user', 'add', 'ann', '--role', 'approver', '--data', 'd'])).toEqual({
      kind: 'user-add',
      dataDir: 'd',
      name: 'ann',
      role: 'approver',
    });
    expect(parseCommand(['user', 'add', 'ann', '--role', 'viewer', '--database', 'postgres://cp@127.0.0.1/t'])).toEqual(
      {
        kind: 'user-add',
        database: 'postgres://cp@127.0.0.1/t',
        name: 'ann',
        role: 'viewer',
      },
    );
    expect(parseCommand(['sdk-key', 'add', '--environment', 'staging', '--database', 'postgres://cp@h/t'])).toEqual({
      kind: 'sdk-key-add',
      database: 'postgres://cp@h/t',
      environment: 'staging',
      name: 'sdk',
    });
  });

  it.each([
    [['--port', '0'], /--data/],
    [['user', 'add', 'ann', '--role', 'boss', '--data', 'd'], /--role/],
    [['--data', 'd', '--webhook', 'teams=http://x'], /--webhook/],
    [['--data', 'd', '--bogus'], /bogus/],
    [['user', 'add', 'ann', '--role', 'admin'], /^--data <dir> \(or --database <url>\) is required$/],
    [
      ['user', 'add', 'ann', '--role', 'admin', '--data', 'd', '--database', 'postgres://h/t'],
      /^use --data <dir> or --database <url>, not both$/,
    ],
    [['--database', 'postgres://h/t'], /^--data <dir> is required with --database too: it holds the signing keys/],
    [['backup', '--data', 'd'], /^backup needs --data <dir> and --out <new file> \(or --check <file>\)$/],
    [['backup', '--check', 'f', '--out', 'g'], /^backup --check <file> takes no --data or --out$/],
    [['backup', 'now', '--data', 'd', '--out', 'f'], /^backup takes no positional arguments$/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCommand(argv)).toThrow(message);
  });

  it('parses backup and backup --check', () => {
    expect(parseCommand(['backup', '--data', 'd', '--out', 'b.sqlite'])).toEqual({
      kind: 'backup',
      dataDir: 'd',
      out: 'b.sqlite',
    });
    expect(parseCommand(['backup', '--check', 'b.sqlite'])).toEqual({ kind: 'backup-check', file: 'b.sqlite' });
  });

  it('parses durations', () => {
    expect([parseDuration('500ms'), parseDuration('15s'), parseDuration('2m'), parseDuration('60')]).toEqual([
      500, 15_000, 120_000, 60_000,
    ]);
    expect(() => parseDuration('soon')).toThrow(RangeError);
  });
});

describe('cli', () => {
  it('user add prints the token alone on the last line', () => {
    const out = spawnSync(
      NODE,
      ['--disable-warning=ExperimentalWarning', CLI, 'user', 'add', 'ann', '--role', 'responder', '--data', dir],
      { encoding: 'utf8' },
    );
    expect(out.status).toBe(0);
    const lines = out.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^tsk_[0-9a-f]{64}$/);
  });

  it('sdk-key add prints the key alone on the last line; an unknown environment creates nothing', () => {
    const run = (env: string) =>
      spawnSync(
        NODE,
        ['--disable-warning=ExperimentalWarning', CLI, 'sdk-key', 'add', '--environment', env, '--data', dir],
        { encoding: 'utf8' },
      );
    const out = run('production');
    expect(out.status).toBe(0);
    expect(out.stdout.trimEnd().split('\n').at(-1)).toMatch(/^tsdk_production_[0-9a-f]{64}$/);
    const bad = run('moon');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^E_UNKNOWN_ENVIRONMENT: no environment moon; known: production, staging/);
  });

  it('an admin command on an unreachable PostgreSQL fails with E_DATABASE_UNREACHABLE and hides the password', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const url = `postgres://ada:s3cret@127.0.0.1:${port}/tombstone`;
    const out = spawnSync(
      NODE,
      ['--disable-warning=ExperimentalWarning', CLI, 'user', 'add', 'ann', '--role', 'viewer', '--database', url],
      { encoding: 'utf8' },
    );
    expect(out.status).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(
      new RegExp(
        `^control-plane: E_DATABASE_UNREACHABLE: cannot reach the database at postgres://ada:\\*\\*\\*@127\\.0\\.0\\.1:${port}/tombstone `,
      ),
    );
    expect(out.stderr).not.toContain('s3cret');
  });

  it('prints the listening line and stops cleanly on SIGTERM', async () => {
    const child = spawn(NODE, ['--disable-warning=ExperimentalWarning', CLI, '--port', '0', '--data', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /control-plane listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out);
        if (m?.[1] !== undefined) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`exited ${String(code)}: ${out}`)));
    });
    expect(await (await fetch(`${line}/health`)).json()).toEqual({ status: 'ok' });
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });
});
