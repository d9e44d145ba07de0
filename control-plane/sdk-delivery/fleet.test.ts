/**
 * The SDK fleet against a real control plane and real SDK clients: the registry (streams, acks, reports, states,
 * disconnect and age-out), GET /api/v1/sdk/fleet, the applied report of a ledger entry, and the metrics stream's
 * `fleet` events. Then the registry alone merging what other control-plane instances published (fleet-share.ts on
 * PostgreSQL; fleet-share.pg.test.ts runs it end to end).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FleetAppliedReport, FleetEventData, FleetInstance, FleetSnapshot } from '../../shared/protocol/fleet.ts';
import { TombstoneClient } from '../../sdk/client.ts';
import { SDK_VERSION } from '../../sdk/version.ts';
import type { Harness } from '../test-support/harness.ts';
import { T0, code, makeFlag, obj, startHarness, waitFor } from '../test-support/harness.ts';
import { openSse } from '../test-support/sse-client.ts';
import { SdkFleet, type RemotePeer, type SharedFleetEntry } from './fleet.ts';

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

describe('the SDK fleet', () => {
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

describe('the SDK fleet across control-plane instances (remote entries)', () => {
  const fleets: SdkFleet[] = [];
  afterEach(() => {
    for (const f of fleets.splice(0)) f.close();
  });
  const latest = { v: 10 };
  /** A registry on a clock the test moves; another instance's registry is just another SdkFleet. */
  function registry(clock: { now: number }): SdkFleet {
    const f = new SdkFleet(
      ['production', 'staging'],
      () => latest.v,
      () => clock.now,
      {
        disconnectAfterMs: 1000,
        ageOutMs: 3000,
        sweepMs: 60_000,
        coalesceMs: 5,
      },
    );
    fleets.push(f);
    return f;
  }
  const who = (id: string, applied: number | null, stale = false) => ({
    instance_id: id,
    service: 'checkout',
    host: `host-${id}`,
    sdk_version: '0.1.0',
    applied_version: applied,
    stale,
  });
  const peer = (id: string, live: boolean, heardAt: number | null, entries: SharedFleetEntry[]): RemotePeer => ({
    id,
    live,
    heardAt,
    entries,
  });
  const instance = (id: string, fields: Partial<FleetInstance>): FleetInstance => ({
    instance_id: id,
    environment: 'production',
    service: 'checkout',
    host: `host-${id}`,
    sdk_version: '0.1.0',
    key_name: 'checkout',
    connected_since: null,
    last_seen: iso(T0),
    applied_version: 10,
    applied_at: iso(T0),
    stale: false,
    stale_since: null,
    state: 'current',
    state_since: iso(T0),
    ...fields,
  });

  it('answers from local and remote instances, keeping the copy last seen when both know one', () => {
    const clock = { now: T0 };
    const a = registry(clock);
    const b = registry(clock);
    a.ack(who('a-1', 10), 'production', 'checkout', T0);
    a.ack(who('moved', 9), 'production', 'checkout', T0 + 5);
    a.ack(who('back', 9), 'production', 'checkout', T0 + 5);
    b.ack(who('b-1', 10), 'production', 'checkout', T0 + 10);
    b.ack(who('moved', 10), 'production', 'checkout', T0 + 20);
    // Streaming on B since T0: seen continuously, so fresher than A's ack at T0 + 5 whatever its last_seen says.
    b.streamOpened(who('back', null), 'production', 'checkout', T0);
    b.ack(who('s-1', 10), 'staging', 'checkout', T0 + 10);
    const published = b.exportChanges();
    expect([published.full, published.entries.map((e) => e.id), published.dropped]).toEqual([
      true,
      ['b-1', 'moved', 'back', 's-1'],
      [],
    ]);
    clock.now = T0 + 100;
    a.setRemote([peer('cp-b', true, T0 + 100, published.entries)]);
    expect(a.snapshot('production')).toEqual({
      environment: 'production',
      latest_version: 10,
      generated_at: iso(T0 + 100),
      disconnect_after_ms: 1000,
      age_out_ms: 3000,
      instances: [
        instance('a-1', {}),
        instance('b-1', { last_seen: iso(T0 + 10), applied_at: iso(T0 + 10), state_since: iso(T0 + 10) }),
        instance('back', { connected_since: iso(T0), applied_version: null, applied_at: null, state: 'behind' }),
        instance('moved', { last_seen: iso(T0 + 20), applied_at: iso(T0 + 20), state_since: iso(T0 + 20) }),
      ],
    });
    expect(a.snapshot('staging').instances.map((i) => [i.instance_id, i.state])).toEqual([['s-1', 'current']]);
    const report = a.appliedReport('production', 9, T0);
    expect([report.n, report.k, report.p50_ms, report.max_ms]).toEqual([4, 3, 10, 20]);
    expect(report.instances.map((i) => [i.instance_id, i.applied_version, i.applied_at, i.ms])).toEqual([
      ['back', null, null, null],
      ['a-1', 10, iso(T0), 0],
      ['b-1', 10, iso(T0 + 10), 10],
      ['moved', 10, iso(T0 + 20), 20],
    ]);
    // Stats: this instance's own first (the moved one as B saw it), then those only B knows.
    expect(a.list().map((i) => [i.instance_id, i.environment, i.applied_version])).toEqual([
      ['a-1', 'production', 10],
      ['moved', 'production', 10],
      ['back', 'production', null],
      ['b-1', 'production', 10],
      ['s-1', 'staging', 10],
    ]);
    // It acks A again: A's copy is now the one last seen. Remote entries are never published again by A.
    a.ack(who('moved', 10), 'production', 'checkout', T0 + 150);
    expect(a.snapshot('production', T0 + 150).instances.find((i) => i.instance_id === 'moved')).toEqual(
      instance('moved', { last_seen: iso(T0 + 150), applied_at: iso(T0 + 150), state_since: iso(T0 + 150) }),
    );
    expect(a.exportChanges().entries.map((e) => e.id)).toEqual(['a-1', 'back', 'moved']);
  });

  it('counts the instances of a peer that stopped heartbeating as disconnected, and ages them out', () => {
    const clock = { now: T0 };
    const a = registry(clock);
    const b = registry(clock);
    b.streamOpened(who('b-1', null), 'production', 'checkout', T0);
    b.ack(who('b-1', 10), 'production', 'checkout', T0);
    b.ack(who('b-2', 10), 'production', 'checkout', T0);
    const entries = b.exportChanges().entries;
    clock.now = T0 + 500;
    a.setRemote([peer('cp-b', true, T0 + 500, entries)]);
    expect(a.snapshot('production').instances.map((i) => [i.instance_id, i.state, i.connected_since])).toEqual([
      ['b-1', 'current', iso(T0)],
      ['b-2', 'current', null],
    ]);
    // B last heartbeated at T0 + 800; by T0 + 1900 that is older than the window: its streams ended with it.
    clock.now = T0 + 1900;
    a.setRemote([peer('cp-b', false, T0 + 800, entries)]);
    expect(a.snapshot('production').instances).toEqual([
      instance('b-1', {
        connected_since: null,
        last_seen: iso(T0 + 800),
        state: 'disconnected',
        state_since: iso(T0 + 1900),
      }),
      instance('b-2', { state: 'disconnected', state_since: iso(T0 + 1900) }),
    ]);
    expect(a.appliedReport('production', 9, T0).instances.map((i) => [i.instance_id, i.state, i.ms])).toEqual([
      ['b-1', 'disconnected', 0],
      ['b-2', 'disconnected', 0],
    ]);
    // The same rows read again keep their state's start, and when the stream ended as first seen.
    clock.now = T0 + 2500;
    a.setRemote([peer('cp-b', false, T0 + 850, entries)]);
    expect(a.snapshot('production').instances.map((i) => [i.last_seen, i.state_since])).toEqual([
      [iso(T0 + 800), iso(T0 + 1900)],
      [iso(T0), iso(T0 + 1900)],
    ]);
    // Aged out like local ones, age_out_ms after they were last seen: b-2 (T0) first, then b-1 (T0 + 800).
    clock.now = T0 + 3000;
    expect(a.snapshot('production').instances.map((i) => i.instance_id)).toEqual(['b-1']);
    a.setRemote([peer('cp-b', false, T0 + 800, entries)]);
    expect(a.snapshot('production').instances.map((i) => i.instance_id)).toEqual(['b-1']);
    clock.now = T0 + 3800;
    a.setRemote([peer('cp-b', false, T0 + 800, entries)]);
    expect(a.snapshot('production').instances).toEqual([]);
    expect(a.list()).toEqual([]);
  });

  it('sends the changes other instances published to subscribers, like local ones', async () => {
    const clock = { now: T0 };
    const a = registry(clock);
    const b = registry(clock);
    const events: FleetEventData[] = [];
    a.subscribe((e) => events.push(e));
    b.ack(who('b-1', 9), 'production', 'checkout', T0);
    a.setRemote([peer('cp-b', true, T0, b.exportChanges().entries)]);
    await waitFor(() => events.length === 1, 2000);
    expect(events[0]).toEqual({
      environment: 'production',
      latest_version: 10,
      generated_at: iso(T0),
      disconnect_after_ms: 1000,
      age_out_ms: 3000,
      instances: [instance('b-1', { applied_version: 9, state: 'behind' })],
      full: false,
      removed: [],
    });
    // The same rows again change nothing anyone sees: no event.
    a.setRemote([peer('cp-b', true, T0, b.exportChanges(true).entries)]);
    clock.now = T0 + 10;
    b.ack(who('b-1', 10), 'production', 'checkout', T0 + 10);
    const changed = b.exportChanges();
    expect([changed.full, changed.entries.map((e) => [e.id, e.appliedVersion])]).toEqual([false, [['b-1', 10]]]);
    a.setRemote([peer('cp-b', true, T0 + 10, changed.entries)]);
    await waitFor(() => events.length === 2, 2000);
    expect(events[1]?.instances).toEqual([
      instance('b-1', { last_seen: iso(T0 + 10), applied_at: iso(T0 + 10), state_since: iso(T0 + 10) }),
    ]);
    // B's row is gone (B dropped it, or its rows were collected): removed.
    a.setRemote([]);
    await waitFor(() => events.length === 3, 2000);
    expect([events[2]?.instances, events[2]?.removed]).toEqual([[], ['b-1']]);
  });

  it('exports the local entries changed since the last export, and the ids it dropped', () => {
    const clock = { now: T0 };
    const a = registry(clock);
    a.ack(who('a-1', 10), 'production', 'checkout', T0);
    expect(a.exportChanges()).toMatchObject({ full: true, dropped: [] });
    expect(a.exportChanges()).toEqual({ full: false, entries: [], dropped: [] });
    a.ack(who('a-2', 10), 'production', 'checkout', T0 + 1000);
    expect(a.exportChanges()).toEqual({
      full: false,
      entries: [
        {
          id: 'a-2',
          env: 'production',
          service: 'checkout',
          host: 'host-a-2',
          sdkVersion: '0.1.0',
          keyName: 'checkout',
          streams: 0,
          connectedSince: null,
          lastSeen: T0 + 1000,
          appliedVersion: 10,
          appliedAt: T0 + 1000,
          stale: false,
          staleSince: null,
          state: 'current',
          stateSince: T0 + 1000,
          evaluations: 0,
          history: [{ version: 10, at: T0 + 1000 }],
        },
      ],
      dropped: [],
    });
    // a-1 goes disconnected (a change), then ages out (a drop) as a-2 goes disconnected.
    a.snapshot('production', T0 + 1500);
    expect(a.exportChanges().entries.map((e) => [e.id, e.state])).toEqual([['a-1', 'disconnected']]);
    a.snapshot('production', T0 + 3000);
    const aged = a.exportChanges();
    expect([aged.entries.map((e) => [e.id, e.state]), aged.dropped]).toEqual([
      [['a-2', 'disconnected']],
      [{ env: 'production', id: 'a-1' }],
    ]);
    expect(a.exportChanges(true).entries.map((e) => e.id)).toEqual(['a-2']);
  });
});
