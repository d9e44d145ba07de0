/**
 * The SDK fleet against a real control plane and real SDK clients: the registry (streams, acks, reports, states,
 * disconnect and age-out), GET /api/v1/sdk/fleet, the applied report of a ledger entry, and the metrics stream's
 * `fleet` events.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FleetAppliedReport, FleetEventData, FleetSnapshot } from '../../shared/protocol/fleet.ts';
import { TombstoneClient } from '../../sdk/client.ts';
import { SDK_VERSION } from '../../sdk/version.ts';
import type { Harness } from '../test-support/harness.ts';
import { T0, code, makeFlag, obj, startHarness, waitFor } from '../test-support/harness.ts';
import { openSse } from '../test-support/sse-client.ts';

let h: Harness;
let key: string;
const clients: TombstoneClient[] = [];
const FLAG = 'payments.card.fast-path';
const iso = (ms: number): string => new Date(ms).toISOString();

function client(id: string, opts: Partial<ConstructorParameters<typeof TombstoneClient>[0]> = {}): TombstoneClient {
  const c = new TombstoneClient({
    url: h.url,
    sdkKey: key,
    service: 'checkout',
    instanceId: id,
    host: `host-${id}`,
    telemetryIntervalMs: 0,
    backoffMinMs: 20,
    backoffMaxMs: 200,
    ...opts,
  });
  clients.push(c);
  return c;
}

async function fleet(env = 'production'): Promise<FleetSnapshot> {
  const res = await h.req('vera', 'GET', `/api/v1/sdk/fleet?environment=${env}`);
  expect(res.status).toBe(200);
  return res.body as FleetSnapshot;
}

async function applied(idx: number): Promise<FleetAppliedReport> {
  const res = await h.req('vera', 'GET', `/api/v1/sdk/fleet/applied?environment=production&idx=${idx}`);
  expect(res.status).toBe(200);
  return res.body as FleetAppliedReport;
}

beforeEach(async () => {
  h = await startHarness({ sdkFleet: { disconnectAfterMs: 1000, ageOutMs: 3000, sweepMs: 20, coalesceMs: 20 } });
  key = obj(await h.req('alice', 'POST', '/api/v1/sdk/keys', { environment: 'production', name: 'checkout' }))[
    'key'
  ] as string;
  await makeFlag(h, FLAG);
  await h.req('alice', 'PATCH', `/api/v1/flags/${FLAG}/environments/production`, {
    enabled: true,
    rollout_pct: 100,
    reason: 'full rollout',
  });
});
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await h.close();
});

describe('the SDK fleet', () => {
  it('lists every streaming SDK instance with its applied version, connection and state', async () => {
    const a = client('c-1');
    const b = client('c-2');
    await Promise.all([a.ready(), b.ready()]);
    const latest = h.cp.sdk.hub.version('production');
    await waitFor(async () => (await fleet()).instances.every((i) => i.applied_version === latest), 3000);
    const snap = await fleet();
    const instance = (id: string): Record<string, unknown> => ({
      instance_id: id,
      environment: 'production',
      service: 'checkout',
      host: `host-${id}`,
      sdk_version: SDK_VERSION,
      key_name: 'checkout',
      connected_since: iso(T0),
      last_seen: iso(T0),
      applied_version: latest,
      applied_at: iso(T0),
      stale: false,
      stale_since: null,
      state: 'current',
      state_since: iso(T0),
    });
    expect(snap).toEqual({
      environment: 'production',
      latest_version: latest,
      generated_at: iso(T0),
      disconnect_after_ms: 1000,
      age_out_ms: 3000,
      instances: [instance('c-1'), instance('c-2')],
    });
    expect((await fleet('staging')).instances).toEqual([]);
  });

  it('reports which instances applied a kill and how long after its commit, naming the one that did not', async () => {
    const a = client('c-1');
    const b = client('c-2');
    // An SDK that does not ack (an older one): the fleet learns its version from its telemetry report only.
    const old = client('c-old', { ack: false });
    await Promise.all([a.ready(), b.ready(), old.ready()]);
    await old.flush();
    h.clock.now = T0 + 1000;
    const kill = await h.req('rita', 'POST', `/api/v1/flags/${FLAG}/kill`, {
      environment: 'production',
      reason: 'error rate above SLO',
    });
    expect(kill.status).toBe(200);
    const idx = obj(kill)['idx'] as number;
    await waitFor(async () => (await applied(idx)).k === 2, 3000);
    await waitFor(() => old.version === idx + 1, 3000);
    const first = await applied(idx);
    expect(first).toMatchObject({
      environment: 'production',
      idx,
      target_version: idx + 1,
      committed_at: iso(T0 + 1000),
      n: 3,
      k: 2,
      p50_ms: 0,
      max_ms: 0,
    });
    expect(first.instances.map((i) => [i.instance_id, i.state, i.applied_version, i.ms])).toEqual([
      ['c-old', 'behind', idx, null],
      ['c-1', 'current', idx + 1, 0],
      ['c-2', 'current', idx + 1, 0],
    ]);
    // The old SDK's next report, 250 ms later on the control plane's clock.
    h.clock.now = T0 + 1250;
    await old.flush();
    const second = await applied(idx);
    expect([second.n, second.k, second.p50_ms, second.max_ms]).toEqual([3, 3, 0, 250]);
    expect(second.instances.at(-1)).toEqual({
      instance_id: 'c-old',
      service: 'checkout',
      host: 'host-c-old',
      state: 'current',
      applied_version: idx + 1,
      stale: false,
      stale_since: null,
      applied_at: iso(T0 + 1250),
      ms: 250,
    });
    // An entry that changed nothing the SDKs serve is applied by every instance on the latest version.
    const other = await h.req('alice', 'PATCH', `/api/v1/flags/${FLAG}/environments/staging`, {
      enabled: true,
      rollout_pct: 5,
      reason: 'staging only',
    });
    const stagingIdx = obj(other)['idx'] as number;
    const report = await applied(stagingIdx);
    expect([report.target_version, report.n, report.k]).toEqual([idx + 1, 3, 3]);
  });

  it('refuses bad requests with codes', async () => {
    const beyond = await h.req('vera', 'GET', `/api/v1/sdk/fleet/applied?environment=production&idx=${10_000}`);
    expect([beyond.status, code(beyond), obj(beyond)['error']]).toMatchObject([
      404,
      'ENTRY_NOT_FOUND',
      { size: h.cp.app.ledger.size },
    ]);
    const moon = await h.req('vera', 'GET', '/api/v1/sdk/fleet?environment=moon');
    expect([moon.status, code(moon)]).toEqual([404, 'UNKNOWN_ENVIRONMENT']);
    const none = await h.req('vera', 'GET', '/api/v1/sdk/fleet');
    expect([none.status, code(none)]).toEqual([400, 'INVALID_QUERY']);
    const noIdx = await h.req('vera', 'GET', '/api/v1/sdk/fleet/applied?environment=production');
    expect([noIdx.status, code(noIdx), (obj(noIdx)['error'] as { parameter: string }).parameter]).toEqual([
      400,
      'INVALID_QUERY',
      'idx',
    ]);
    const bySdk = await h.req(`token:${key}`, 'GET', '/api/v1/sdk/fleet?environment=production');
    expect([bySdk.status, code(bySdk)]).toEqual([403, 'SDK_KEY_FORBIDDEN']);
    const ack = {
      instance_id: 'i-9',
      service: 'checkout',
      host: 'h',
      sdk_version: '9.9.9',
      applied_version: 3,
      stale: false,
    };
    const byUser = await h.req('alice', 'POST', '/api/v1/sdk/ack', ack);
    expect([byUser.status, code(byUser)]).toEqual([401, 'SDK_KEY_REQUIRED']);
    const bad = await h.req(`token:${key}`, 'POST', '/api/v1/sdk/ack', { ...ack, applied_version: -1 });
    expect([bad.status, code(bad), (obj(bad)['error'] as { field: string }).field]).toEqual([
      400,
      'INVALID_BODY',
      'body.applied_version',
    ]);
    const extra = await h.req(`token:${key}`, 'POST', '/api/v1/sdk/ack', { ...ack, colour: 'red' });
    expect([extra.status, code(extra)]).toEqual([400, 'UNKNOWN_FIELD']);
    const ok = await h.req(`token:${key}`, 'POST', '/api/v1/sdk/ack', ack);
    expect([ok.status, ok.text]).toEqual([204, '']);
    const half = await openSse(`${h.url}/api/v1/sdk/stream?instance_id=x`, { Authorization: `Bearer ${key}` });
    expect(half.status).toBe(400);
    half.close();
  });

  it('shows an instance on its last-known-good, then disconnected, then drops it; the metrics stream follows', async () => {
    const s = await openSse(`${h.url}/api/v1/metrics/stream`, { Authorization: `Bearer ${h.tokens['vera'] ?? ''}` });
    await s.waitFor((ev) => ev.filter((e) => e.event === 'fleet').length === 2);
    const fulls = s.events.filter((e) => e.event === 'fleet').map((e) => JSON.parse(e.data) as FleetEventData);
    expect(fulls.map((f) => [f.environment, f.full, f.instances.length, f.removed])).toEqual([
      ['production', true, 0, []],
      ['staging', true, 0, []],
    ]);
    const latest = h.cp.sdk.hub.version('production');
    const lkg = {
      instance_id: 'c-lkg',
      service: 'checkout',
      host: 'h-7',
      sdk_version: '0.1.0',
      applied_version: latest - 1,
      stale: true,
    };
    h.clock.now = T0 + 100;
    expect((await h.req(`token:${key}`, 'POST', '/api/v1/sdk/ack', lkg)).status).toBe(204);
    const events = (): FleetEventData[] =>
      s.events
        .filter((e) => e.event === 'fleet')
        .map((e) => JSON.parse(e.data) as FleetEventData)
        .filter((f) => !f.full);
    await s.waitFor(() => events().some((f) => f.instances.some((i) => i.instance_id === 'c-lkg')));
    expect(events()[0]?.instances).toEqual([
      {
        instance_id: 'c-lkg',
        environment: 'production',
        service: 'checkout',
        host: 'h-7',
        sdk_version: '0.1.0',
        key_name: 'checkout',
        connected_since: null,
        last_seen: iso(T0 + 100),
        applied_version: latest - 1,
        applied_at: iso(T0 + 100),
        stale: true,
        stale_since: iso(T0 + 100),
        state: 'last_known_good',
        state_since: iso(T0 + 100),
      },
    ]);
    // A streaming SDK stays connected however long it is silent; one that stops is disconnected after 1 s.
    const live = client('c-live');
    await live.ready();
    await waitFor(
      async () => (await fleet()).instances.find((i) => i.instance_id === 'c-live')?.state === 'current',
      3000,
    );
    h.clock.now = T0 + 1100;
    await waitFor(
      async () => (await fleet()).instances.find((i) => i.instance_id === 'c-lkg')?.state === 'disconnected',
      3000,
    );
    const snap = await fleet();
    expect(snap.instances.map((i) => [i.instance_id, i.state, i.state_since])).toEqual([
      ['c-live', 'current', iso(T0 + 100)],
      ['c-lkg', 'disconnected', iso(T0 + 1100)],
    ]);
    await live.close();
    h.clock.now = T0 + 2200;
    await waitFor(
      async () => (await fleet()).instances.find((i) => i.instance_id === 'c-live')?.state === 'disconnected',
      3000,
    );
    expect((await fleet()).instances.find((i) => i.instance_id === 'c-live')).toMatchObject({
      connected_since: null,
      last_seen: iso(T0 + 1100),
      state_since: iso(T0 + 2200),
    });
    // Aged out 3 s after they were last seen.
    h.clock.now = T0 + 3100;
    await s.waitFor(() => events().some((f) => f.removed.includes('c-lkg')));
    h.clock.now = T0 + 4200;
    await s.waitFor(() => events().some((f) => f.removed.includes('c-live')));
    expect((await fleet()).instances).toEqual([]);
    // A change to the environment is an event even with no instance left: the new latest version.
    const patch = await h.req('alice', 'PATCH', `/api/v1/flags/${FLAG}/environments/production`, {
      rollout_pct: 50,
      reason: 'dial back',
    });
    const version = (obj(patch)['idx'] as number) + 1;
    await s.waitFor(() => events().some((f) => f.environment === 'production' && f.latest_version === version));
    s.close();
  });
});
