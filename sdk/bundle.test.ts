/**
 * The SDK as a service depends on it: the built package (scripts/build-sdk.mjs) installed into a throwaway service,
 * imported by a plain Node process — no TypeScript, no Electron, no React — which evaluates through OpenFeature
 * against a real control plane.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../control-plane/test-support/harness.ts';
import { makeFlag, obj, startHarness } from '../control-plane/test-support/harness.ts';
// @ts-expect-error -- a plain .mjs build script without type declarations
import { buildSdk } from '../scripts/build-sdk.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
let h: Harness;
let dir: string;
let key: string;

beforeAll(async () => {
  h = await startHarness();
  key = obj(await h.req('alice', 'POST', '/api/v1/sdk/keys', { environment: 'production', name: 'svc' }))[
    'key'
  ] as string;
  await makeFlag(h, 'checkout.ui.label', 'LOW', { variants: { off: 'Buy', on: 'Buy now' } });
  await h.req('alice', 'PATCH', '/api/v1/flags/checkout.ui.label/environments/production', {
    enabled: true,
    rollout_pct: 100,
    reason: 'everyone',
  });
  dir = mkdtempSync(join(tmpdir(), 'sdk-service-'));
  const modules = join(dir, 'node_modules');
  mkdirSync(join(modules, '@tombstone'), { recursive: true });
  await (buildSdk as (root: string, out: string) => Promise<void>)(ROOT, join(modules, '@tombstone', 'sdk'));
  symlinkSync(join(ROOT, 'node_modules', '@openfeature'), join(modules, '@openfeature'));
}, 120_000);
afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the built SDK package', () => {
  it('is imported by a plain Node service and evaluates through OpenFeature against a real control plane', async () => {
    writeFileSync(
      join(dir, 'service.mjs'),
      [
        "import { OpenFeature } from '@openfeature/server-sdk';",
        "import { TombstoneProvider } from '@tombstone/sdk/openfeature';",
        "import { TombstoneClient, SDK_VERSION } from '@tombstone/sdk';",
        "await OpenFeature.setProviderAndWait(new TombstoneProvider({ url: process.env.CP_URL, sdkKey: process.env.SDK_KEY, service: 'svc' }));",
        "const label = await OpenFeature.getClient().getStringValue('checkout.ui.label', 'Buy', { targetingKey: 'u-1' });",
        'console.log(JSON.stringify({ label, sdk: SDK_VERSION, client: typeof TombstoneClient }));',
        'await OpenFeature.close();',
      ].join('\n'),
    );
    const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [join(dir, 'service.mjs')],
        { cwd: dir, env: { ...process.env, CP_URL: h.url, SDK_KEY: key }, encoding: 'utf8', timeout: 20_000 },
        (err, stdout, stderr) => resolve({ code: err === null ? 0 : Number(err.code ?? 1), stdout, stderr }),
      );
    });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ label: 'Buy now', sdk: '0.1.0', client: 'function' });
  }, 60_000);
});
