import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FleetView } from '../../shared/ipc/contract.ts';
import { FleetStore, foldFleetEvent, parseFleetEvent } from './fleet-store.ts';
import { fleetEvent, instance } from './test-support/fleet-test-data.ts';

const dir = mkdtempSync(join(tmpdir(), 'fleet-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T = Date.parse('2026-11-25T03:10:01.000Z');

describe('fleet events', () => {
  it('folds a full snapshot, then changes and removals, sorted by service and id', () => {
    const full = fleetEvent([
      instance('pay-2', 'payments'),
      instance('chk-1', 'checkout'),
      instance('pay-1', 'payments'),
    ]);
    const a = foldFleetEvent(null, full);
    expect(a.instances.map((i) => i.instance_id)).toEqual(['chk-1', 'pay-1', 'pay-2']);
    const delta = fleetEvent([instance('chk-1', 'checkout', { state: 'last_known_good', stale: true })], {
      full: false,
      removed: ['pay-2'],
      latest_version: 121,
    });
    const b = foldFleetEvent(a, delta);
    expect(b.latest_version).toBe(121);
    expect(b.instances.map((i) => [i.instance_id, i.state])).toEqual([
      ['chk-1', 'last_known_good'],
      ['pay-1', 'current'],
    ]);
    // A full snapshot replaces everything (an instance it does not list is gone).
    expect(foldFleetEvent(b, fleetEvent([instance('pay-1', 'payments')])).instances).toHaveLength(1);
  });

  it('drops malformed events whole', () => {
    expect(parseFleetEvent('not json')).toBeNull();
    expect(parseFleetEvent(JSON.stringify({ ...fleetEvent([]), full: 'yes' }))).toBeNull();
    const bad = { ...instance('x', 'checkout'), state: 'sleeping' };
    expect(parseFleetEvent(JSON.stringify(fleetEvent([bad as never])))).toBeNull();
    expect(parseFleetEvent(JSON.stringify({ ...fleetEvent([]), removed: [1] }))).toBeNull();
    expect(parseFleetEvent(JSON.stringify(fleetEvent([instance('x', 'checkout')])))?.instances).toHaveLength(1);
  });
});

describe('FleetStore', () => {
  it('shows the profile environment, goes live with fleet events, and keeps the last snapshot dated on disk', () => {
    const path = join(dir, 'a.fleet.json');
    const seen: FleetView[] = [];
    const store = new FleetStore({ path, environment: 'production', now: () => T, onChange: (v) => seen.push(v) });
    expect(store.view()).toEqual({ environment: 'production', snapshot: null, receivedAt: null, live: false });
    store.setLive(true);
    // Live means fleet data is held: a stream with no fleet event for this environment yet is not "live".
    expect(store.view().live).toBe(false);
    expect(store.apply(JSON.stringify(fleetEvent([instance('s-1', 'staging-svc')], { environment: 'staging' })))).toBe(
      true,
    );
    expect(seen).toHaveLength(1); // setLive only: staging is not what this console shows
    expect(store.apply(JSON.stringify(fleetEvent([instance('chk-1', 'checkout')])))).toBe(true);
    expect(store.view()).toMatchObject({ live: true, receivedAt: '2026-11-25T03:10:01.000Z' });
    expect(store.view().snapshot?.instances.map((i) => i.instance_id)).toEqual(['chk-1']);
    expect(store.apply('{')).toBe(false);
    store.setLive(false);
    expect(seen.at(-1)?.live).toBe(false);
    store.stop();
    const kept = JSON.parse(readFileSync(path, 'utf8')) as { environments: Record<string, { receivedAt: string }> };
    expect(Object.keys(kept.environments).sort()).toEqual(['production', 'staging']);

    // Offline, the next launch shows the kept snapshot, as of when it was received, never live.
    const reopened = new FleetStore({ path, environment: 'production', now: () => T + 60_000 });
    expect(reopened.view()).toEqual({
      environment: 'production',
      snapshot: store.view().snapshot,
      receivedAt: '2026-11-25T03:10:01.000Z',
      live: false,
    });
  });

  it('pushes the first change at once and coalesces a burst into one push', async () => {
    let now = T;
    const seen: FleetView[] = [];
    const s2 = new FleetStore({
      path: null,
      environment: 'production',
      now: () => now,
      pushMs: 30,
      onChange: (v) => seen.push(v),
    });
    now += 1000;
    s2.apply(JSON.stringify(fleetEvent([instance('a', 'checkout')])));
    expect(seen.map((v) => v.snapshot?.instances.length)).toEqual([1]);
    for (const id of ['b', 'c', 'd']) s2.apply(JSON.stringify(fleetEvent([instance(id, 'checkout')], { full: false })));
    expect(seen).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 60));
    expect(seen.map((v) => v.snapshot?.instances.length)).toEqual([1, 4]);
    s2.stop();
  });

  it('treats an unreadable or edited file as an empty fleet', () => {
    const path = join(dir, 'b.fleet.json');
    writeFileSync(
      path,
      '{"version":1,"environments":{"production":{"snapshot":{"instances":[{"x":1}]},"receivedAt":"x"}}}',
    );
    expect(new FleetStore({ path, environment: 'production' }).view().snapshot).toBeNull();
    writeFileSync(path, 'garbage');
    expect(new FleetStore({ path, environment: 'production' }).view().snapshot).toBeNull();
  });
});
