import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Harness } from '../control-plane/test-support/harness.ts';
import { makeFlag, obj, startHarness, waitFor } from '../control-plane/test-support/harness.ts';
import type { ClientError } from './client.ts';
import { TombstoneClient } from './client.ts';
import { writeLkg } from './lkg.ts';

let h: Harness;
let key: string;
let dir: string;
const clients: TombstoneClient[] = [];

function client(opts: Partial<ConstructorParameters<typeof TombstoneClient>[0]> = {}): TombstoneClient {
  const c = new TombstoneClient({
    url: h.url,
    sdkKey: key,
    service: 'checkout',
    telemetryIntervalMs: 0,
    backoffMinMs: 20,
    backoffMaxMs: 200,
    ...opts,
  });
  clients.push(c);
  return c;
}

async function patch(flag: string, env: string, body: Record<string, unknown>): Promise<void> {
  const res = await h.req('alice', 'PATCH', `/api/v1/flags/${flag}/environments/${env}`, {
    reason: 'test change',
    ...body,
  });
  if (res.status !== 200) throw new Error(`${res.status} ${res.text}`);
}

beforeEach(async () => {
  h = await startHarness();
  key = obj(await h.req('alice', 'POST', '/api/v1/sdk/keys', { environment: 'production', name: 'checkout' }))[
    'key'
  ] as string;
  dir = mkdtempSync(join(tmpdir(), 'sdk-test-'));
  await makeFlag(h, 'checkout.flow.one-click');
  await patch('checkout.flow.one-click', 'production', {
    enabled: true,
    rollout_pct: 100,
    rules: [{ attribute: 'country', op: 'in', values: ['DE'], variation: 'on' }],
  });
});
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('TombstoneClient against a real control plane', () => {
  it('becomes ready, evaluates locally, and applies a kill from the stream', async () => {
    const c = client();
    await c.ready(5000);
    expect(c.status).toBe('READY');
    expect(c.version).toBe(h.cp.app.ledger.size);
    expect(c.evaluate('checkout.flow.one-click', { targetingKey: 'u-1', country: 'DE' }, false)).toEqual({
      value: true,
      variant: 'on',
      reason: 'TARGETING_MATCH',
      version: c.version,
    });
    const changed = new Promise<{ keys: string[]; version: number }>((r) => c.once('changed', r));
    const kill = await h.req('rita', 'POST', '/api/v1/flags/checkout.flow.one-click/kill', {
      environment: 'production',
      reason: 'checkout errors spiking',
    });
    expect(kill.status).toBe(200);
    const ev = await changed;
    expect(ev).toEqual({ keys: ['checkout.flow.one-click'], version: h.cp.app.ledger.size });
    expect(c.boolean('checkout.flow.one-click', { targetingKey: 'u-1', country: 'DE' }, true)).toBe(false);
    expect(c.evaluate('checkout.flow.nope', {}, 'code-default')).toMatchObject({
      value: 'code-default',
      reason: 'ERROR',
      errorCode: 'FLAG_NOT_FOUND',
    });
  });

  it('with nothing known it serves code defaults and ready() rejects with E_SDK_NOT_READY', async () => {
    const c = client({ url: 'http://127.0.0.1:9' });
    expect(c.evaluate('checkout.flow.one-click', {}, 'dflt')).toMatchObject({
      value: 'dflt',
      reason: 'ERROR',
      errorCode: 'PROVIDER_NOT_READY',
    });
    await expect(c.ready(300)).rejects.toThrow(
      /^E_SDK_NOT_READY: no config from http:\/\/127\.0\.0\.1:9 within 300 ms/,
    );
    expect(c.status).toBe('NOT_READY');
  });

  it('writes last-known-good atomically (0600) and starts from it, stale, when the control plane is unreachable', async () => {
    const lkg = join(dir, 'flags.lkg.json');
    const a = client({ lkgPath: lkg });
    await a.ready(5000);
    await a.close();
    expect(statSync(lkg).mode & 0o777).toBe(0o600);
    const b = client({ lkgPath: lkg, url: 'http://127.0.0.1:9' });
    const stale = new Promise((r) => b.once('stale', r));
    await b.ready(100);
    await stale;
    expect(b.status).toBe('STALE');
    expect(b.version).toBe(a.version);
    expect(b.evaluate('checkout.flow.one-click', { targetingKey: 'u', country: 'DE' }, false).value).toBe(true);
  });

  it('acks each applied version at once, so the fleet shows it current after a kill without any telemetry', async () => {
    const c = client({ instanceId: 'c-1', host: 'web-1' });
    await c.ready(5000);
    const kill = await h.req('rita', 'POST', '/api/v1/flags/checkout.flow.one-click/kill', {
      environment: 'production',
      reason: 'checkout errors spiking',
    });
    const idx = obj(kill)['idx'] as number;
    await waitFor(async () => {
      const r = await h.req('vera', 'GET', `/api/v1/sdk/fleet/applied?environment=production&idx=${idx}`);
      return (obj(r)['k'] as number) === 1;
    }, 3000);
    const fleet = obj(await h.req('vera', 'GET', '/api/v1/sdk/fleet?environment=production'));
    expect(fleet['instances']).toMatchObject([
      { instance_id: 'c-1', host: 'web-1', applied_version: idx + 1, state: 'current', stale: false },
    ]);
    expect((fleet['instances'] as { connected_since: string | null }[])[0]?.connected_since).not.toBeNull();
  });

  it('acks its last-known-good start as stale when it cannot stream, and keeps evaluating', async () => {
    const h2 = await startHarness({ sdkMaxStreams: 0 });
    try {
      const key2 = obj(
        await h2.req('alice', 'POST', '/api/v1/sdk/keys', { environment: 'production', name: 'checkout' }),
      )['key'] as string;
      const lkg = join(dir, 'h2.lkg.json');
      writeLkg(lkg, h2.url, { environment: 'production', version: 1, flags: [], tombstoned: [] });
      const errors: ClientError[] = [];
      const c = client({ url: h2.url, sdkKey: key2, lkgPath: lkg, instanceId: 'c-lkg', host: 'web-2' });
      c.on('error', (e: ClientError) => errors.push(e));
      await c.ready(100);
      await waitFor(async () => {
        const f = obj(await h2.req('vera', 'GET', '/api/v1/sdk/fleet?environment=production'));
        return (f['instances'] as unknown[]).length === 1;
      }, 3000);
      const f = obj(await h2.req('vera', 'GET', '/api/v1/sdk/fleet?environment=production'));
      expect(f['instances']).toMatchObject([
        { instance_id: 'c-lkg', connected_since: null, applied_version: 1, stale: true, state: 'last_known_good' },
      ]);
      await waitFor(() => errors.some((e) => e.code === 'E_SDK_STREAM_REFUSED'), 3000);
      expect(errors.some((e) => e.code.startsWith('E_SDK_ACK'))).toBe(false);
      expect(c.evaluate('checkout.flow.one-click', {}, 'dflt')).toMatchObject({ value: 'dflt', version: 1 });
      await c.close();
    } finally {
      await h2.close();
    }
  });

  it('a last-known-good file of another control plane (or environment) is served, then replaced by a snapshot', async () => {
    const lkg = join(dir, 'other.lkg.json');
    writeLkg(lkg, 'http://other.example:8080', {
      environment: 'staging',
      version: 1,
      flags: [],
      tombstoned: [],
    });
    const c = client({ lkgPath: lkg });
    await c.ready(100);
    expect(c.status).toBe('STALE');
    const live = new Promise((r) => c.once('ready', r));
    await live;
    expect(c.version).toBe(h.cp.app.ledger.size);
    expect(h.cp.sdk.hub.counters.snapshots_sent).toBe(1);
    expect(h.cp.sdk.hub.counters.catchups_sent).toBe(0); // its version means nothing here: not resumed from
    expect(c.boolean('checkout.flow.one-click', { country: 'DE' }, false)).toBe(true);
  });

  it('resumes after a control-plane restart from its version: no snapshot, then live again', async () => {
    const c = client();
    await c.ready(5000);
    const port = h.cp.port;
    const errors: ClientError[] = [];
    c.on('error', (e: ClientError) => errors.push(e));
    const liveAgain = new Promise((r) => c.once('ready', r));
    await h.cp.close();
    const { startControlPlane } = await import('../control-plane/server.ts');
    const cp2 = await startControlPlane({ dataDir: h.dataDir, port, log: () => undefined, heartbeatMs: 200 });
    try {
      await waitFor(() => cp2.sdk.hub.connections()['production'] === 1, 5000);
      expect(cp2.sdk.hub.counters.snapshots_sent).toBe(0);
      expect(cp2.sdk.hub.counters.resumes_up_to_date).toBe(1);
      expect(errors.map((e) => e.code)).toContain('E_SDK_STREAM_UNREACHABLE');
      await liveAgain; // told it is live again, so a provider in ERROR returns to READY
      expect(c.status).toBe('READY');
    } finally {
      await cp2.close();
      h.cp.close = async () => undefined;
    }
  });

  it('refuses an oversized frame with an error event and keeps serving what it had', async () => {
    const c = client({ maxFrameBytes: 100 });
    const err = new Promise<ClientError>((r) => c.once('error', r));
    expect((await err).code).toBe('E_SDK_FRAME_TOO_LARGE');
    expect(c.status).toBe('NOT_READY');
    expect(c.evaluate('checkout.flow.one-click', {}, 'dflt').value).toBe('dflt');
  });

  it('refuses a config with an unknown operator from the stream and keeps serving the last good one', async () => {
    const c = client();
    await c.ready(5000);
    const good = c.version;
    // A rule operator this SDK does not know (as a newer control plane might send), written behind the API's back.
    const raw = h.rawDb();
    const row = raw
      .prepare("SELECT state FROM flag_envs WHERE flag_key = ? AND env = 'production'")
      .get('checkout.flow.one-click') as {
      state: string;
    };
    const state = JSON.parse(row.state) as { rules: { op: string }[] };
    state.rules[0]!.op = 'matches_regex';
    raw
      .prepare("UPDATE flag_envs SET state = ? WHERE flag_key = ? AND env = 'production'")
      .run(JSON.stringify(state), 'checkout.flow.one-click');
    const err = new Promise<ClientError>((r) => c.once('error', r));
    await patch('checkout.flow.one-click', 'production', { rollout_pct: 50 });
    const e = await err;
    expect(e.code).toBe('E_SDK_CONFIG_INVALID');
    expect(e.message).toBe(
      `flag checkout.flow.one-click: unknown rule operator "matches_regex" (this SDK knows in, not_in, starts_with, ends_with, contains); update the SDK; kept version ${good}`,
    );
    expect(c.version).toBe(good);
    expect(c.evaluate('checkout.flow.one-click', { targetingKey: 'x', country: 'DE' }, false).value).toBe(true);
  });

  it('a wrong SDK key is reported with the control plane code', async () => {
    const c = client({ sdkKey: `tsdk_production_${'1'.repeat(64)}` });
    const err = new Promise<ClientError>((r) => c.once('error', r));
    expect(await err).toEqual({
      code: 'E_SDK_STREAM_REFUSED',
      message: 'the control plane refused the stream: 401 INVALID_SDK_KEY',
    });
  });

  it('reports evaluations and request outcomes; errors trip the breaker, which the SDK then serves', async () => {
    await patch('checkout.flow.one-click', 'production', { rules: [], rollout_pct: 100 });
    const c = client({ instanceId: 'inst-1', host: 'web-1' });
    await c.ready(5000);
    for (let i = 0; i < 100; i++) {
      expect(c.boolean('checkout.flow.one-click', { targetingKey: `u-${i}` }, false)).toBe(true);
      c.recordOutcome('checkout.flow.one-click', { error: i % 4 === 0, latencyMs: 30 });
    }
    const changed = new Promise((r) => c.once('changed', r));
    await c.flush();
    await changed;
    expect(c.boolean('checkout.flow.one-click', { targetingKey: 'u-1' }, true)).toBe(false);
    const stats = obj(await h.req('vera', 'GET', '/api/v1/sdk/stats'));
    expect(stats['instances']).toMatchObject([
      {
        instance_id: 'inst-1',
        service: 'checkout',
        host: 'web-1',
        sdk_version: '0.1.0',
        environment: 'production',
        evaluations: 100,
        stale: false,
      },
    ]);
  });
});
