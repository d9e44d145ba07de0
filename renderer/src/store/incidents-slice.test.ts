import { describe, expect, it } from 'vitest';
import type { CorrelationResult } from '../../../shared/ipc/contract.ts';
import type { Result } from '../../../shared/ipc/result.ts';
import { createFakeApi } from '../test-support/fake-api.ts';
import { correlation, incident, liveReplica, oldIncident } from '../test-support/fixtures.ts';
import { createAppStore } from './app-store.ts';
import { sortIncidents } from './incidents-slice.ts';

describe('incidents slice', () => {
  it('sorts active incidents first, newest first', () => {
    const ack = { ...incident, id: 'inc-2', status: 'acknowledged' as const, triggeredAt: '2026-11-25T04:00:00.000Z' };
    expect(sortIncidents([oldIncident, ack, incident]).map((i) => i.id)).toEqual(['inc-1', 'inc-2', 'inc-0']);
  });

  it('ranks a manual time with its service', async () => {
    const fake = createFakeApi(liveReplica());
    const store = createAppStore(fake.api);
    await store.getState().rankAt('2026-11-25T03:00:00.000Z', 'checkout');
    await store.getState().rankAt('2026-11-25T03:00:00.000Z', null);
    expect(fake.argsOf('correlationRank')).toEqual([
      { at: '2026-11-25T03:00:00.000Z', service: 'checkout', limit: 3 },
      { at: '2026-11-25T03:00:00.000Z', limit: 3 },
    ]);
    expect(store.getState().selection).toEqual({ kind: 'manual', at: '2026-11-25T03:00:00.000Z', service: null });
  });

  it('drops the answer of a superseded selection', async () => {
    let release: (r: Result<CorrelationResult>) => void = () => {};
    const slow = new Promise<Result<CorrelationResult>>((r) => {
      release = r;
    });
    const fake = createFakeApi({
      ...liveReplica(),
      correlationRank: (a) =>
        'incidentId' in a && a.incidentId === 'slow' ? slow : Promise.resolve({ ok: true, value: correlation }),
    });
    const store = createAppStore(fake.api);
    const first = store.getState().selectIncident('slow');
    await store.getState().selectIncident('inc-1');
    release({ ok: false, error: { code: 'E_STALE', message: 'late' } });
    await first;
    expect(store.getState().correlationError).toBeNull();
    expect(store.getState().correlation).toEqual(correlation);
  });

  it('keeps the error of a failed ranking and of a failed list', async () => {
    const fake = createFakeApi({
      correlationRank: async () => ({
        ok: false,
        error: { code: 'E_INCIDENT_NOT_FOUND', message: 'No incident inc-9 in the replica.' },
      }),
      incidentsList: async () => ({ ok: false, error: { code: 'E_NO_PROFILE', message: 'none' } }),
    });
    const store = createAppStore(fake.api);
    await store.getState().selectIncident('inc-9');
    expect(store.getState().correlationError?.code).toBe('E_INCIDENT_NOT_FOUND');
    expect(store.getState().correlating).toBe(false);
    await store.getState().loadIncidents();
    expect(store.getState().incidentsError?.code).toBe('E_NO_PROFILE');
  });
});
