import { describe, expect, it } from 'vitest';
import type { ControlPlaneStatus } from '../../../shared/ipc/contract.ts';
import { createFakeApi, flush } from '../test-support/fake-api.ts';
import { correlation, incident, liveReplica, status } from '../test-support/fixtures.ts';
import { createAppStore } from './app-store.ts';

describe('createAppStore start-up', () => {
  it('without a profile: loads info and connection, marks the replica absent, raises no error', async () => {
    const fake = createFakeApi();
    const store = createAppStore(fake.api, { refreshDelayMs: 0 });
    await store.getState().start();
    expect(store.getState().info).toEqual({ name: 'Tombstone Console', version: '1.2.3', mode: 'browser' });
    expect(store.getState().connection).toEqual({ kind: 'unconfigured' });
    expect(store.getState().replica).toBe('none');
    expect(store.getState().error).toBeNull();
    // The replica's loads go out with the status request; without a replica their refusals are not shown anywhere.
    expect(fake.argsOf('incidentsList')).toHaveLength(1);
    expect(store.getState()).toMatchObject({
      incidents: [],
      incidentsError: null,
      approvalsError: null,
      verifyError: null,
      breakGlassError: null,
      fleetError: null,
    });
  });

  it('follows connection events and stops after unsubscribe', async () => {
    const fake = createFakeApi();
    const store = createAppStore(fake.api, { refreshDelayMs: 0 });
    const stop = await store.getState().start();
    const reachable: ControlPlaneStatus = {
      kind: 'reachable',
      url: 'http://127.0.0.1:1',
      checkedAt: '2026-11-25T03:00:00.000Z',
      roundTripMs: 4,
      identity: { name: 'bob', role: 'approver' },
    };
    fake.emit('connection:changed', reachable);
    expect(store.getState().connection).toEqual(reachable);
    expect(store.getState().identity).toEqual({ name: 'bob', role: 'approver' });
    stop();
    expect(fake.listenerCount()).toBe(0);
    fake.emit('connection:changed', { kind: 'unconfigured' });
    expect(store.getState().connection).toEqual(reachable);
  });

  it('keeps the error code of a failed probe until dismissed', async () => {
    const fake = createFakeApi({
      connectionProbe: async () => ({ ok: false, error: { code: 'E_CONTROL_PLANE_UNREACHABLE', message: 'down' } }),
    });
    const store = createAppStore(fake.api);
    await store.getState().probe();
    expect(store.getState().error).toEqual({ code: 'E_CONTROL_PLANE_UNREACHABLE', message: 'down' });
    store.getState().dismissError();
    expect(store.getState().error).toBeNull();
  });

  it('a status failure other than "no profile" is shown with its code', async () => {
    const fake = createFakeApi({
      verifyStatus: async () => ({
        ok: false,
        error: { code: 'E_REPLICA_CORRUPT', message: 'The replica file is damaged.' },
      }),
    });
    const store = createAppStore(fake.api);
    await store.getState().start();
    expect(store.getState().replica).toBe('none');
    expect(store.getState().error?.code).toBe('E_REPLICA_CORRUPT');
  });

  it('with a replica: loads status, incidents (active first), ranks the first active incident and its timeline', async () => {
    const fake = createFakeApi(liveReplica());
    const store = createAppStore(fake.api, { refreshDelayMs: 0 });
    await store.getState().start();
    await flush();
    const s = store.getState();
    expect(s.replica).toBe('present');
    expect(s.verification).toEqual(status);
    expect(s.incidents.map((i) => i.id)).toEqual(['inc-1', 'inc-0']);
    expect(fake.argsOf('correlationRank')).toEqual([{ incidentId: 'inc-1', limit: 3 }]);
    expect(s.correlation).toEqual(correlation);
    expect(fake.argsOf('metricsSeries')).toEqual([
      { service: 'checkout', from: correlation.window.from, to: '2026-11-25T03:22:45.123Z', stepSeconds: 10 },
    ]);
    expect(fake.argsOf('ledgerQuery')[0]).toEqual({
      filter: { from: correlation.window.from, to: '2026-11-25T03:22:45.123Z', changesOnly: true },
      offset: 0,
      limit: 1000,
      order: 'asc',
    });
    expect(s.changes.map((r) => r.idx)).toEqual([117]);
    expect(fake.argsOf('changeRequestsList')).toEqual([{ status: 'PENDING' }]);
    expect(s.selection).toEqual({ kind: 'incident', id: incident.id });
  });

  it('loads the replica when sync goes live after start', async () => {
    let present = false;
    const live = liveReplica();
    const fake = createFakeApi({
      ...live,
      verifyStatus: async () =>
        present ? { ok: true, value: status } : { ok: false, error: { code: 'E_NO_PROFILE', message: 'none' } },
    });
    const store = createAppStore(fake.api, { refreshDelayMs: 0 });
    await store.getState().start();
    expect(store.getState().replica).toBe('none');
    present = true;
    fake.emit('sync:changed', {
      kind: 'live',
      url: 'http://127.0.0.1:4000',
      roundTripMs: 9,
      since: '2026-11-25T03:00:00.000Z',
    });
    await flush(5);
    expect(store.getState().sync.kind).toBe('live');
    expect(store.getState().replica).toBe('present');
    expect(store.getState().incidents).toHaveLength(2);
  });

  it('ledger events update the counts and coalesce refreshes', async () => {
    const fake = createFakeApi(liveReplica());
    const store = createAppStore(fake.api, { refreshDelayMs: 0 });
    await store.getState().start();
    await flush();
    const before = fake.argsOf('changeRequestsList').length;
    const breakGlassBefore = fake.argsOf('breakGlassRecent').length;
    fake.emit('ledger:appended', { receivedSize: 130 });
    fake.emit('ledger:appended', { receivedSize: 131 });
    expect(store.getState().verification?.receivedSize).toBe(131);
    expect(store.getState().verification?.pending).toBe(11);
    fake.emit('ledger:verified', { verifiedSize: 131, rootHex: 'cd'.repeat(32) });
    expect(store.getState().verification?.pending).toBe(0);
    expect(store.getState().verification?.rootHex).toBe('cd'.repeat(32));
    await flush();
    expect(fake.argsOf('changeRequestsList').length).toBe(before + 1);
    expect(fake.argsOf('breakGlassRecent').length).toBe(breakGlassBefore + 1);
  });

  it('reads the lists again when main has indexed its backlog (a list read during indexing may lack the newest entries)', async () => {
    const fake = createFakeApi(liveReplica());
    const store = createAppStore(fake.api, { refreshDelayMs: 0 });
    await store.getState().start();
    await flush();
    const lists = ['changeRequestsList', 'ledgerQuery', 'breakGlassRecent', 'incidentsList'] as const;
    const before = lists.map((m) => fake.argsOf(m).length);
    const receivedBefore = store.getState().verification?.receivedSize;
    fake.emit('ledger:indexed', { indexedSize: 120 });
    await flush();
    // One read of each list; the recent changes and the outcomes are two queries of the ledger.
    expect(lists.map((m) => fake.argsOf(m).length)).toEqual([
      before[0]! + 1,
      before[1]! + 2,
      before[2]! + 1,
      before[3]! + 1,
    ]);
    // It says nothing about what was received or verified.
    expect(store.getState().verification?.receivedSize).toBe(receivedBefore);
  });
});
