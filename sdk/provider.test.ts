import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventDetails } from '@openfeature/server-sdk';
import { OpenFeature, ProviderEvents, ProviderStatus } from '@openfeature/server-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Harness } from '../control-plane/test-support/harness.ts';
import { makeFlag, obj, startHarness, waitFor } from '../control-plane/test-support/harness.ts';
import { TombstoneProvider } from './provider.ts';

let h: Harness;
let key: string;
let dir: string;

async function patch(flag: string, body: Record<string, unknown>): Promise<void> {
  const res = await h.req('alice', 'PATCH', `/api/v1/flags/${flag}/environments/production`, {
    reason: 'test change',
    ...body,
  });
  if (res.status !== 200) throw new Error(`${res.status} ${res.text}`);
}

function provider(extra: Record<string, unknown> = {}): TombstoneProvider {
  return new TombstoneProvider({
    url: h.url,
    sdkKey: key,
    service: 'checkout',
    telemetryIntervalMs: 0,
    backoffMinMs: 20,
    backoffMaxMs: 100,
    ...extra,
  });
}

beforeEach(async () => {
  h = await startHarness();
  key = obj(await h.req('alice', 'POST', '/api/v1/sdk/keys', { environment: 'production', name: 'of' }))[
    'key'
  ] as string;
  dir = mkdtempSync(join(tmpdir(), 'of-test-'));
  await makeFlag(h, 'checkout.flow.one-click');
  await patch('checkout.flow.one-click', { enabled: true, rollout_pct: 100 });
  await makeFlag(h, 'checkout.ui.label', 'MEDIUM', { variants: { off: 'Buy', on: 'Buy now' } });
  await patch('checkout.ui.label', { enabled: true, rollout_pct: 100 });
  await makeFlag(h, 'checkout.cart.limit', 'MEDIUM', { variants: { off: 10, on: 25 } });
  await patch('checkout.cart.limit', { enabled: true, rollout_pct: 100 });
  await makeFlag(h, 'checkout.cart.layout', 'MEDIUM', { variants: { off: { cols: 1 }, on: { cols: 2, dense: true } } });
  await patch('checkout.cart.layout', { enabled: true, rollout_pct: 100 });
});
afterEach(async () => {
  await OpenFeature.close();
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('TombstoneProvider through @openfeature/server-sdk', () => {
  it('resolves boolean, string, number and object flags; type mismatches and unknown keys give the default', async () => {
    await OpenFeature.setProviderAndWait(provider());
    const client = OpenFeature.getClient();
    expect(client.providerStatus).toBe(ProviderStatus.READY);
    const ctx = { targetingKey: 'u-1' };
    expect(await client.getBooleanValue('checkout.flow.one-click', false, ctx)).toBe(true);
    expect(await client.getStringValue('checkout.ui.label', 'x', ctx)).toBe('Buy now');
    expect(await client.getNumberValue('checkout.cart.limit', 0, ctx)).toBe(25);
    expect(await client.getObjectValue('checkout.cart.layout', {}, ctx)).toEqual({ cols: 2, dense: true });
    const details = await client.getStringDetails('checkout.ui.label', 'x', ctx);
    expect(details).toMatchObject({ value: 'Buy now', variant: 'on', reason: 'STATIC', flagKey: 'checkout.ui.label' });
    expect(details.flagMetadata).toEqual({ version: h.cp.app.ledger.size });
    const mismatch = await client.getNumberDetails('checkout.ui.label', 7, ctx);
    expect(mismatch).toMatchObject({ value: 7, reason: 'ERROR', errorCode: 'TYPE_MISMATCH' });
    const missing = await client.getBooleanDetails('checkout.flow.nope', true, ctx);
    expect(missing).toMatchObject({ value: true, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
  });

  it('emits CONFIGURATION_CHANGED with flagsChanged on a kill', async () => {
    await OpenFeature.setProviderAndWait(provider());
    const client = OpenFeature.getClient();
    const changed = new Promise<EventDetails | undefined>((r) =>
      client.addHandler(ProviderEvents.ConfigurationChanged, (d) => r(d)),
    );
    await h.req('rita', 'POST', '/api/v1/flags/checkout.flow.one-click/kill', {
      environment: 'production',
      reason: 'checkout errors spiking',
    });
    expect((await changed)?.flagsChanged).toEqual(['checkout.flow.one-click']);
    expect(await client.getBooleanValue('checkout.flow.one-click', true, { targetingKey: 'u-1' })).toBe(false);
  });

  it('is STALE on last-known-good, ERROR on a wrong key, and request outcomes go through track()', async () => {
    const lkg = join(dir, 'lkg.json');
    const live = provider({ lkgPath: lkg });
    await OpenFeature.setProviderAndWait('live', live);
    await OpenFeature.close();

    const stale = provider({ lkgPath: lkg, url: 'http://127.0.0.1:9' });
    const staleSeen = new Promise<void>((r) => OpenFeature.addHandler(ProviderEvents.Stale, () => r()));
    await OpenFeature.setProviderAndWait('stale', stale);
    await staleSeen;
    const sc = OpenFeature.getClient('stale');
    expect(sc.providerStatus).toBe(ProviderStatus.STALE);
    expect(await sc.getStringValue('checkout.ui.label', 'x', { targetingKey: 'u' })).toBe('Buy now');

    const wrong = provider({ sdkKey: `tsdk_production_${'2'.repeat(64)}`, readyTimeoutMs: 300 });
    const errorSeen = new Promise<EventDetails | undefined>((r) =>
      OpenFeature.getClient('wrong').addHandler(ProviderEvents.Error, (d) => r(d)),
    );
    await expect(OpenFeature.setProviderAndWait('wrong', wrong)).rejects.toThrow(/E_SDK_NOT_READY/);
    expect((await errorSeen)?.message).toMatch(/401 INVALID_SDK_KEY/);

    const tracked = provider({ instanceId: 'of-1' });
    await OpenFeature.setProviderAndWait('tracked', tracked);
    const tc = OpenFeature.getClient('tracked');
    for (let i = 0; i < 100; i++) {
      await tc.getBooleanValue('checkout.flow.one-click', false, { targetingKey: `u-${i}` });
      tc.track(
        'request',
        { targetingKey: `u-${i}` },
        { flag_key: 'checkout.flow.one-click', error: i < 10, value: 42 },
      );
    }
    await tracked.client.flush();
    await waitFor(async () => {
      const f = obj(await h.req('vera', 'GET', '/api/v1/flags/checkout.flow.one-click'));
      return (f['environments'] as Record<string, { enabled: boolean }>)['production']?.enabled === false;
    });
    const stats = obj(await h.req('vera', 'GET', '/api/v1/sdk/stats'));
    expect(
      (stats['instances'] as { instance_id: string; evaluations: number }[]).find((i) => i.instance_id === 'of-1')
        ?.evaluations,
    ).toBe(100);
  });
});
