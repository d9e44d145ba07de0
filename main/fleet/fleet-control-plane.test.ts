/**
 * The console's fleet path against a real control plane (child process) and real SDK clients: the metrics stream's
 * fleet events folded into the profile's fleet, and a kill's last round-trip step from
 * `GET /api/v1/sdk/fleet/applied` — complete when every instance applied it, the straggler named (with the alert and
 * its notification) when one serves its last-known-good.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetRoundTrip, FleetView } from '../../shared/ipc/contract.ts';
import { TombstoneClient } from '../../sdk/client.ts';
import * as client from '../actions/client.ts';
import { callApi, type ClientTarget } from '../actions/http.ts';
import type { NotificationSpec } from '../notify/notification-policy.ts';
import { startMetricsSync, type MetricsSync } from '../sync/metrics-sync.ts';
import { addUser, spawnControlPlane, type ControlPlaneProcess } from '../sync/test-support/control-plane-process.ts';
import { tempDir } from '../sync/test-support/fixture.ts';
import { FleetRoundTrips } from './fleet-round-trip.ts';
import { FleetStore } from './fleet-store.ts';

const dir = tempDir('fleet');
let cp: ControlPlaneProcess;
let t: ClientTarget;
let sdkKey = '';
const sdks: TombstoneClient[] = [];
let metrics: MetricsSync | null = null;

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function makeFlag(key: string): Promise<void> {
  await callApi(t, {
    method: 'POST',
    path: '/api/v1/flags',
    body: {
      key,
      type: 'release',
      owner: 'payments',
      services: ['checkout'],
      tier: 'LOW',
      description: `test flag ${key}`,
      safe_default: { enabled: false, rollout_pct: 0 },
    },
  });
  const res = await fetch(new URL(`/api/v1/flags/${key}/environments/production`, t.url), {
    method: 'PATCH',
    headers: { authorization: `Bearer ${t.token ?? ''}`, 'content-type': 'application/json' },
    body: JSON.stringify({ enabled: true, rollout_pct: 100, reason: 'full rollout for the test' }),
  });
  expect(res.status).toBe(200);
}

/** Runs the round trip's last step of `idx` to its end. */
async function roundTrip(idx: number): Promise<{ steps: FleetRoundTrip[]; notes: NotificationSpec[] }> {
  const steps: FleetRoundTrip[] = [];
  const notes: NotificationSpec[] = [];
  let done: () => void = () => {};
  const ended = new Promise<void>((r) => (done = r));
  const checks = new FleetRoundTrips({
    fetchApplied: (environment, i) => client.fleetApplied(t, environment, i),
    unavailable: () => null,
    notify: (n) => notes.push(n),
    publish: (_key, s) => {
      steps.push(s);
      if (s.status !== 'checking') done();
    },
    pollMs: 50,
    giveUpMs: 3000,
    overdueMs: 1000,
  });
  checks.start({ key: 'k', action: 'actions:kill', idx, environment: 'production' });
  await ended;
  await checks.stop();
  return { steps, notes };
}

beforeAll(async () => {
  const dataDir = join(dir, 'cp');
  cp = await spawnControlPlane({ dataDir, timeoutMs: 60_000, args: ['--no-telemetry'] });
  t = { url: cp.url, token: addUser(dataDir, 'fleet-test', 'admin') };
  const made = (await callApi(t, {
    method: 'POST',
    path: '/api/v1/sdk/keys',
    body: { environment: 'production', name: 'checkout' },
  })) as { key: string };
  sdkKey = made.key;
  await makeFlag('checkout.pay.fast-path');
  await makeFlag('checkout.pay.new-tax');
}, 90_000);

afterAll(async () => {
  await metrics?.stop();
  for (const s of sdks.splice(0)) await s.close();
  await cp?.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('the SDK fleet in the console, from a real control plane and real SDKs', () => {
  it('follows the fleet live, and proves a kill reached every instance — or names the one it did not', async () => {
    const views: FleetView[] = [];
    const store = new FleetStore({ path: join(dir, 'p.fleet.json'), environment: 'production' });
    const fleet = { apply: (d: string) => store.apply(d), setLive: (l: boolean) => store.setLive(l) };
    metrics = startMetricsSync({ target: { baseUrl: cp.url, token: t.token }, fleet });
    for (const id of ['chk-1', 'chk-2']) {
      const s = new TombstoneClient({ url: cp.url, sdkKey, service: 'checkout', instanceId: id, host: `host-${id}` });
      sdks.push(s);
      await s.ready();
    }
    await until(
      () => store.view().live && store.view().snapshot?.instances.filter((i) => i.state === 'current').length === 2,
    );
    views.push(store.view());
    expect(views[0]?.snapshot?.instances.map((i) => [i.instance_id, i.service, i.host, i.state])).toEqual([
      ['chk-1', 'checkout', 'host-chk-1', 'current'],
      ['chk-2', 'checkout', 'host-chk-2', 'current'],
    ]);

    // Every instance applies the kill: k = n, with milliseconds.
    const first = await client.kill(t, 'kill-1', {
      flag: 'checkout.pay.fast-path',
      env: 'production',
      reason: 'errors after the rollout',
    });
    expect(first.locator.kind).toBe('idx');
    const idx = first.locator.kind === 'idx' ? first.locator.idx : -1;
    const a = await roundTrip(idx);
    const done = a.steps.at(-1);
    expect(done).toMatchObject({ status: 'complete', k: 2, n: 2, behind: [], overdue: false, idx });
    expect(done?.p50Ms).toBeGreaterThanOrEqual(0);
    expect(done?.maxMs).toBeGreaterThanOrEqual(done?.p50Ms ?? 0);
    expect(a.notes).toEqual([]);

    // An instance serving its last-known-good (as an SDK reports it) is named, raises the alert and one notification.
    const latest = store.view().snapshot?.latest_version ?? 0;
    await callApi(
      { url: cp.url, token: sdkKey },
      {
        method: 'POST',
        path: '/api/v1/sdk/ack',
        body: {
          instance_id: 'chk-7',
          service: 'checkout',
          host: 'ip-10-2-3-4',
          sdk_version: '0.1.0',
          applied_version: latest - 1,
          stale: true,
        },
      },
    );
    await until(() => store.view().snapshot?.instances.some((i) => i.instance_id === 'chk-7') === true);
    expect(store.view().snapshot?.instances.find((i) => i.instance_id === 'chk-7')?.state).toBe('last_known_good');
    const second = await client.kill(t, 'kill-2', {
      flag: 'checkout.pay.new-tax',
      env: 'production',
      reason: 'errors after the rollout',
    });
    const idx2 = second.locator.kind === 'idx' ? second.locator.idx : -1;
    const b = await roundTrip(idx2);
    const last = b.steps.at(-1);
    expect(last).toMatchObject({ status: 'partial', k: 2, n: 3, overdue: true });
    expect(last?.behind).toEqual([
      {
        instanceId: 'chk-7',
        service: 'checkout',
        host: 'ip-10-2-3-4',
        state: 'last_known_good',
        appliedVersion: latest - 1,
        stale: true,
        staleSince: expect.any(String) as string,
      },
    ]);
    expect(b.notes.map((n) => n.title)).toEqual(['The kill has not reached 1 SDK instance']);

    // The stream ends: the fleet is kept, dated, and no longer live.
    await metrics.stop();
    metrics = null;
    store.stop();
    expect(store.view().live).toBe(false);
    const reopened = new FleetStore({ path: join(dir, 'p.fleet.json'), environment: 'production' });
    expect(reopened.view()).toMatchObject({ live: false, receivedAt: store.view().receivedAt });
    expect(reopened.view().snapshot?.instances.map((i) => i.instance_id)).toEqual(['chk-1', 'chk-2', 'chk-7']);
  }, 60_000);
});
