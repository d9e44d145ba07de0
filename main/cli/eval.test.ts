/** `tombstone-console eval` as a user runs it: the real CLI in a child process, the real SDK, a real control plane. */
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REPO_ROOT,
  addUser,
  spawnControlPlane,
  type ControlPlaneProcess,
} from '../sync/test-support/control-plane-process.ts';

let cp: ControlPlaneProcess;
let dir: string;
let sdkKey: string;

function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--disable-warning=ExperimentalWarning', 'main/cli/index.ts', 'eval', ...args],
      { cwd: REPO_ROOT, env: { ...process.env, TOMBSTONE_SDK_KEY: '', ...env }, encoding: 'utf8' },
      (err, stdout, stderr) => resolve({ code: err === null ? 0 : Number(err.code ?? 2), stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eval-cli-'));
  cp = await spawnControlPlane({ dataDir: join(dir, 'data') });
  const admin = addUser(join(dir, 'data'), 'ada', 'admin');
  const r = spawnSync(
    process.execPath,
    [
      '--disable-warning=ExperimentalWarning',
      'control-plane/cli.ts',
      'sdk-key',
      'add',
      '--environment',
      'production',
      '--data',
      join(dir, 'data'),
    ],
    { cwd: REPO_ROOT, encoding: 'utf8' },
  );
  sdkKey = r.stdout.trimEnd().split('\n').at(-1) ?? '';
  const api = async (method: string, path: string, body: unknown): Promise<void> => {
    const res = await fetch(`${cp.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  };
  const base = { type: 'release', owner: 'checkout', services: ['checkout'], tier: 'LOW', description: 'cli test' };
  await api('POST', '/api/v1/flags', { ...base, key: 'checkout.flow.one-click' });
  await api('PATCH', '/api/v1/flags/checkout.flow.one-click/environments/production', {
    enabled: true,
    rollout_pct: 0,
    rules: [{ attribute: 'country', op: 'in', values: ['DE'], variation: 'on' }],
    reason: 'germany first',
  });
  await api('POST', '/api/v1/flags', { ...base, key: 'checkout.ui.label', variants: { off: 'Buy', on: 'Buy now' } });
  await api('PATCH', '/api/v1/flags/checkout.ui.label/environments/production', {
    enabled: true,
    rollout_pct: 100,
    reason: 'everyone',
  });
}, 60_000);
afterAll(async () => {
  await cp.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('tombstone-console eval', () => {
  it('prints one JSON line per evaluation, contexts then flags in input order', async () => {
    const file = join(dir, 'contexts.ndjson');
    writeFileSync(file, '{"targetingKey":"u-1","country":"DE"}\n\n{"targetingKey":"ü-2","country":"FR"}\n');
    const r = await cli(
      [
        '--url',
        cp.url,
        '--flag',
        'checkout.ui.label',
        '--flag',
        'checkout.flow.one-click',
        '--contexts',
        file,
        '--json',
      ],
      { TOMBSTONE_SDK_KEY: sdkKey },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const version = lines[0]?.['version'];
    expect(typeof version).toBe('number');
    expect(lines).toEqual([
      { flag_key: 'checkout.ui.label', context_index: 0, value: 'Buy now', variant: 'on', reason: 'STATIC', version },
      {
        flag_key: 'checkout.flow.one-click',
        context_index: 0,
        value: true,
        variant: 'on',
        reason: 'TARGETING_MATCH',
        version,
      },
      { flag_key: 'checkout.ui.label', context_index: 1, value: 'Buy now', variant: 'on', reason: 'STATIC', version },
      {
        flag_key: 'checkout.flow.one-click',
        context_index: 1,
        value: false,
        variant: 'off',
        reason: 'DEFAULT',
        version,
      },
    ]);
  });

  it('--all with --sdk-key-file; an unknown flag exits 1; a readable key file is refused (E_TOKEN_FILE_MODE)', async () => {
    const keyFile = join(dir, 'sdk.key');
    writeFileSync(keyFile, `${sdkKey}\n`);
    chmodSync(keyFile, 0o600);
    const all = await cli(['--url', cp.url, '--all', '--context', '{"targetingKey":"u"}', '--sdk-key-file', keyFile]);
    expect(all.code).toBe(0);
    expect(
      all.stdout
        .split('\n')
        .slice(1, 3)
        .map((l) => l.split('\t').slice(0, 5)),
    ).toEqual([
      ['0', 'checkout.flow.one-click', 'false', 'off', 'DEFAULT'],
      ['0', 'checkout.ui.label', '"Buy now"', 'on', 'STATIC'],
    ]);
    const unknown = await cli([
      '--url',
      cp.url,
      '--flag',
      'a.b.c',
      '--context',
      '{}',
      '--sdk-key-file',
      keyFile,
      '--json',
    ]);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout)).toMatchObject({
      flag_key: 'a.b.c',
      value: null,
      variant: null,
      reason: 'ERROR',
    });
    chmodSync(keyFile, 0o644);
    const open = await cli(['--url', cp.url, '--all', '--context', '{}', '--sdk-key-file', keyFile, '--json']);
    expect(open.code).toBe(2);
    expect(JSON.parse(open.stdout).error.code).toBe('E_TOKEN_FILE_MODE');
  });

  it('bad input: a context that is not an object, a wrong key (not ready), no key at all', async () => {
    const bad = await cli(['--url', cp.url, '--all', '--context', '[1]', '--json'], { TOMBSTONE_SDK_KEY: sdkKey });
    expect([bad.code, JSON.parse(bad.stdout).error.code]).toEqual([2, 'E_CONTEXT_INVALID']);
    const wrong = await cli(['--url', cp.url, '--all', '--context', '{}', '--timeout', '500ms', '--json'], {
      TOMBSTONE_SDK_KEY: `tsdk_production_${'3'.repeat(64)}`,
    });
    expect(wrong.code).toBe(2);
    expect(JSON.parse(wrong.stdout).error).toEqual({
      code: 'E_SDK_NOT_READY',
      message: `no config from ${cp.url} within 500 ms (last error E_SDK_STREAM_REFUSED: the control plane refused the stream: 401 INVALID_SDK_KEY)`,
    });
    const none = await cli(['--url', cp.url, '--all', '--context', '{}']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^E_USAGE: an SDK key is required/);
  });
});
