import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SdkConfig, SdkDelta } from '../../shared/protocol/sdk.ts';
import type { Harness } from '../test-support/harness.ts';
import { code, makeFlag, obj, startHarness } from '../test-support/harness.ts';
import { openSse } from '../test-support/sse-client.ts';

let h: Harness;
let key: string;
let stagingKey: string;

async function sdkKey(env: string): Promise<string> {
  const res = await h.req('alice', 'POST', '/api/v1/sdk/keys', { environment: env, name: 'checkout-svc' });
  expect(res.status).toBe(201);
  return obj(res)['key'] as string;
}

beforeEach(async () => {
  h = await startHarness();
  key = await sdkKey('production');
  stagingKey = await sdkKey('staging');
});
afterEach(async () => {
  await h.close();
});

const auth = (k: string): Record<string, string> => ({ Authorization: `Bearer ${k}` });

describe('SDK keys', () => {
  it('are made by admins only and listed without the key', async () => {
    const res = await h.req('rita', 'POST', '/api/v1/sdk/keys', { environment: 'production', name: 'x' });
    expect(res.status).toBe(403);
    expect(code(res)).toBe('FORBIDDEN');
    expect(code(await h.req('alice', 'POST', '/api/v1/sdk/keys', { environment: 'moon', name: 'x' }))).toBe(
      'UNKNOWN_ENVIRONMENT',
    );
    const list = await h.req('alice', 'GET', '/api/v1/sdk/keys');
    const keys = obj(list)['keys'] as Record<string, unknown>[];
    expect(keys.map((k) => [k['env'], k['name'], k['created_by']])).toEqual([
      ['production', 'checkout-svc', 'alice'],
      ['staging', 'checkout-svc', 'alice'],
    ]);
    expect(list.text).not.toContain(key);
    expect(key).toMatch(/^tsdk_production_[0-9a-f]{64}$/);
  });

  it('an SDK key is refused on every other endpoint (403), a wrong one is 401, and user tokens cannot read SDK routes', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/flags'],
      ['GET', '/api/v1/ledger/entries'],
      ['POST', '/api/v1/sdk/keys'],
      ['GET', '/api/v1/sdk/stats'],
      ['POST', '/api/v1/flags/a.b.c/kill'],
    ] as const) {
      const res = await h.req(`token:${key}`, method, path, method === 'POST' ? {} : undefined);
      expect([path, res.status, code(res)]).toEqual([path, 403, 'SDK_KEY_FORBIDDEN']);
    }
    const wrong = await h.req(`token:tsdk_production_${'0'.repeat(64)}`, 'GET', '/api/v1/sdk/config');
    expect([wrong.status, code(wrong)]).toEqual([401, 'INVALID_SDK_KEY']);
    const user = await h.req('alice', 'GET', '/api/v1/sdk/config');
    expect([user.status, code(user)]).toEqual([401, 'SDK_KEY_REQUIRED']);
    const none = await h.req(null, 'GET', '/api/v1/sdk/stream');
    expect([none.status, code(none)]).toEqual([401, 'SDK_KEY_REQUIRED']);
  });
});

describe('revoking an SDK key', () => {
  it('stops it at once: open streams close and the next request is 401', async () => {
    const keys = obj(await h.req('alice', 'GET', '/api/v1/sdk/keys'))['keys'] as { id: string; env: string }[];
    const id = keys.find((k) => k.env === 'production')?.id ?? '';
    const s = await openSse(`${h.url}/api/v1/sdk/stream`, auth(key));
    await s.waitFor((ev) => ev.some((e) => e.event === 'ready'));
    expect((await h.req(`token:${key}`, 'GET', '/api/v1/sdk/config')).status).toBe(200);
    const res = await h.req('alice', 'DELETE', `/api/v1/sdk/keys/${id}`);
    expect(obj(res)).toEqual({ revoked: true, id, streams_closed: 1 });
    const after = await h.req(`token:${key}`, 'GET', '/api/v1/sdk/config');
    expect([after.status, code(after)]).toEqual([401, 'INVALID_SDK_KEY']);
    expect(h.cp.sdk.hub.connections()).toEqual({ production: 0, staging: 0 });
    const again = await h.req('alice', 'DELETE', `/api/v1/sdk/keys/${id}`);
    expect([again.status, code(again)]).toEqual([404, 'SDK_KEY_NOT_FOUND']);
    s.close();
  });
});

describe('GET /api/v1/sdk/config', () => {
  it('serves the key environment with version = ledger size it reflects, ETag and 304', async () => {
    await makeFlag(h, 'payments.card.fast-path');
    await h.req('alice', 'PATCH', '/api/v1/flags/payments.card.fast-path/environments/production', {
      enabled: true,
      rollout_pct: 25,
      rules: [{ attribute: 'country', op: 'in', values: ['DE'], variation: 'on' }],
      reason: 'start rollout',
    });
    const size = h.cp.app.ledger.size;
    const res = await h.req(`token:${key}`, 'GET', '/api/v1/sdk/config');
    expect(res.status).toBe(200);
    const cfg = res.body as SdkConfig;
    expect(cfg.version).toBe(size);
    expect(res.headers.get('etag')).toBe(`"production-${size}"`);
    expect(cfg.flags).toEqual([
      {
        key: 'payments.card.fast-path',
        enabled: true,
        rollout_pct: 25,
        variation: 'on',
        rules: [{ attribute: 'country', op: 'in', values: ['DE'], variation: 'on' }],
        prerequisites: [],
        variants: { off: false, on: true },
        safe_default: { enabled: false, rollout_pct: 0 },
        breaker: 'closed',
      },
    ]);
    const again = await h.req(`token:${key}`, 'GET', '/api/v1/sdk/config', undefined, {
      'If-None-Match': `"production-${size}"`,
    });
    expect([again.status, again.text]).toEqual([304, '']);
    const staging = (await h.req(`token:${stagingKey}`, 'GET', '/api/v1/sdk/config')).body as SdkConfig;
    expect(staging.flags[0]?.enabled).toBe(false);
  });
});

describe('GET /api/v1/sdk/stream', () => {
  it('sends a snapshot, then one delta per change with id = version, only for its environment', async () => {
    await makeFlag(h, 'payments.card.fast-path');
    const s = await openSse(`${h.url}/api/v1/sdk/stream`, auth(key));
    expect(s.status).toBe(200);
    await s.waitFor((ev) => ev.some((e) => e.event === 'ready'));
    expect(s.events.map((e) => e.event)).toEqual(['snapshot', 'ready']);
    const snap = JSON.parse(s.events[0]?.data ?? '') as SdkConfig;
    expect(s.events[0]?.id).toBe(String(snap.version));

    await h.req('alice', 'PATCH', '/api/v1/flags/payments.card.fast-path/environments/staging', {
      enabled: true,
      reason: 'staging only',
    });
    await h.req('alice', 'PATCH', '/api/v1/flags/payments.card.fast-path/environments/production', {
      enabled: true,
      rollout_pct: 10,
      reason: 'start rollout',
    });
    await s.waitFor((ev) => ev.some((e) => e.event === 'delta'));
    const deltas = s.events.filter((e) => e.event === 'delta');
    expect(deltas).toHaveLength(1);
    const d = JSON.parse(deltas[0]?.data ?? '') as SdkDelta;
    expect(d.version).toBe(h.cp.app.ledger.size);
    expect(deltas[0]?.id).toBe(String(d.version));
    expect(d.from_version).toBe(snap.version);
    expect(d.upserts.map((f) => [f.key, f.enabled, f.rollout_pct])).toEqual([['payments.card.fast-path', true, 10]]);

    const kill = await h.req('rita', 'POST', '/api/v1/flags/payments.card.fast-path/kill', {
      environment: 'production',
      reason: 'errors in checkout',
    });
    expect(kill.status).toBe(200);
    await s.waitFor((ev) => ev.filter((e) => e.event === 'delta').length === 2);
    const d2 = JSON.parse(s.events.filter((e) => e.event === 'delta')[1]?.data ?? '') as SdkDelta;
    expect(d2.from_version).toBe(d.version);
    expect(d2.upserts[0]?.enabled).toBe(false);

    await h.req('alice', 'POST', '/api/v1/flags/payments.card.fast-path/archive', { reason: 'retired after rollout' });
    await s.waitFor((ev) => ev.filter((e) => e.event === 'delta').length === 3);
    const d3 = JSON.parse(s.events.filter((e) => e.event === 'delta')[2]?.data ?? '') as SdkDelta;
    expect([d3.upserts, d3.tombstoned]).toEqual([[], ['payments.card.fast-path']]);
    s.close();
  });

  it('Last-Event-ID resumes with only what changed since, nothing when up to date, a snapshot when unknown', async () => {
    await makeFlag(h, 'payments.card.a');
    await makeFlag(h, 'payments.card.b');
    const v0 = ((await h.req(`token:${key}`, 'GET', '/api/v1/sdk/config')).body as SdkConfig).version;
    const up = await openSse(`${h.url}/api/v1/sdk/stream`, { ...auth(key), 'Last-Event-ID': String(v0) });
    await up.waitFor((ev) => ev.some((e) => e.event === 'ready'));
    expect(up.events.map((e) => [e.event, e.data])).toEqual([
      ['ready', JSON.stringify({ environment: 'production', version: v0 })],
    ]);
    up.close();

    await h.req('alice', 'PATCH', '/api/v1/flags/payments.card.b/environments/production', {
      enabled: true,
      reason: 'turn on b',
    });
    await h.req('alice', 'PATCH', '/api/v1/flags/payments.card.a/environments/staging', {
      enabled: true,
      reason: 'staging a',
    });
    const resumed = await openSse(`${h.url}/api/v1/sdk/stream`, { ...auth(key), 'Last-Event-ID': String(v0) });
    await resumed.waitFor((ev) => ev.some((e) => e.event === 'ready'));
    expect(resumed.events.map((e) => e.event)).toEqual(['delta', 'ready']);
    const d = JSON.parse(resumed.events[0]?.data ?? '') as SdkDelta;
    expect(d.from_version).toBe(v0);
    expect(d.upserts.map((f) => [f.key, f.enabled])).toEqual([['payments.card.b', true]]);
    resumed.close();

    const beyond = await openSse(`${h.url}/api/v1/sdk/stream`, { ...auth(key), 'Last-Event-ID': '999999' });
    await beyond.waitFor((ev) => ev.some((e) => e.event === 'ready'));
    expect(beyond.events.map((e) => e.event)).toEqual(['snapshot', 'ready']);
    beyond.close();

    const bad = await h.req(`token:${key}`, 'GET', '/api/v1/sdk/stream', undefined, { 'Last-Event-ID': 'x1' });
    expect([bad.status, code(bad)]).toEqual([400, 'INVALID_LAST_EVENT_ID']);
    expect(h.cp.sdk.hub.counters.catchups_sent).toBe(1);
    expect(h.cp.sdk.hub.counters.resumes_up_to_date).toBe(1);
  });

  it('refuses streams beyond the limit with 503 TOO_MANY_STREAMS', async () => {
    await h.close();
    h = await startHarness({ sdkMaxStreams: 1 });
    key = await sdkKey('production');
    const first = await openSse(`${h.url}/api/v1/sdk/stream`, auth(key));
    await first.waitFor((ev) => ev.some((e) => e.event === 'ready'));
    const second = await h.req(`token:${key}`, 'GET', '/api/v1/sdk/stream');
    expect([second.status, code(second)]).toEqual([503, 'TOO_MANY_STREAMS']);
    first.close();
  });

  it('heartbeats carry the version', async () => {
    const s = await openSse(`${h.url}/api/v1/sdk/stream`, auth(key));
    await s.waitFor((ev) => ev.some((e) => e.event === 'heartbeat'), 3000);
    const hb = JSON.parse(s.events.find((e) => e.event === 'heartbeat')?.data ?? '') as { version: number };
    expect(hb.version).toBe(((await h.req(`token:${key}`, 'GET', '/api/v1/sdk/config')).body as SdkConfig).version);
    s.close();
  });
});

describe('GET /api/v1/sdk/flagd', () => {
  it('serves the environment as a flagd document', async () => {
    await makeFlag(h, 'payments.card.fast-path');
    await h.req('alice', 'PATCH', '/api/v1/flags/payments.card.fast-path/environments/production', {
      enabled: true,
      rollout_pct: 25,
      reason: 'start rollout',
    });
    const res = await h.req(`token:${key}`, 'GET', '/api/v1/sdk/flagd');
    expect(res.status).toBe(200);
    const doc = obj(res) as { flags: Record<string, unknown>; metadata: Record<string, unknown> };
    expect(doc.flags['payments.card.fast-path']).toEqual({
      state: 'ENABLED',
      variants: { off: false, on: true },
      defaultVariant: 'off',
      targeting: {
        if: [
          { var: 'targetingKey' },
          {
            fractional: [{ cat: ['payments.card.fast-path', { var: 'targetingKey' }] }, ['on', 25], ['off', 75]],
          },
          'off',
        ],
      },
    });
    expect(doc.metadata['environment']).toBe('production');
  });
});

describe('SDK telemetry', () => {
  it('an SDK key posts outcomes for its own environment and they feed the breaker', async () => {
    await makeFlag(h, 'payments.card.fast-path', 'MEDIUM');
    await h.req('alice', 'PATCH', '/api/v1/flags/payments.card.fast-path/environments/production', {
      enabled: true,
      rollout_pct: 50,
      reason: 'start rollout',
    });
    const s = await openSse(`${h.url}/api/v1/sdk/stream`, auth(key));
    await s.waitFor((ev) => ev.some((e) => e.event === 'ready'));
    const samples = Array.from({ length: 100 }, (_, i) => ({
      service: 'checkout',
      environment: 'staging',
      flag_key: 'payments.card.fast-path',
      error: i % 5 === 0,
      latency_ms: 12,
    }));
    const res = await h.req(`token:${key}`, 'POST', '/api/v1/telemetry', {
      samples,
      sdk: {
        instance_id: 'i-1',
        service: 'checkout',
        host: 'web-1',
        sdk_version: '0.1.0',
        applied_version: 3,
        stale: false,
      },
      evaluations: [{ flag_key: 'payments.card.fast-path', variant: 'on', count: 100 }],
    });
    expect(res.status).toBe(202);
    expect(obj(res)['trips']).toEqual([
      {
        flag_key: 'payments.card.fast-path',
        environment: 'production',
        error_rate: 0.2,
        action: 'auto_rolled_back',
        idx: h.cp.app.ledger.size - 1,
      },
    ]);
    await s.waitFor((ev) => ev.some((e) => e.event === 'delta'));
    const d = JSON.parse(s.events.find((e) => e.event === 'delta')?.data ?? '') as SdkDelta;
    expect(d.upserts[0]).toMatchObject({ key: 'payments.card.fast-path', enabled: false, breaker: 'open' });
    const stats = obj(await h.req('vera', 'GET', '/api/v1/sdk/stats'));
    expect(stats['instances']).toMatchObject([
      { instance_id: 'i-1', service: 'checkout', environment: 'production', applied_version: 3, evaluations: 100 },
    ]);
    expect(stats['connections']).toEqual({ production: 1, staging: 0 });
    // A person changing the flag again closes the breaker.
    await h.req('alice', 'PATCH', '/api/v1/flags/payments.card.fast-path/environments/production', {
      enabled: true,
      rollout_pct: 5,
      reason: 'restart carefully',
    });
    await s.waitFor((ev) => ev.filter((e) => e.event === 'delta').length === 2);
    const d2 = JSON.parse(s.events.filter((e) => e.event === 'delta')[1]?.data ?? '') as SdkDelta;
    expect(d2.upserts[0]).toMatchObject({ enabled: true, rollout_pct: 5, breaker: 'closed' });
    s.close();
  });
});
