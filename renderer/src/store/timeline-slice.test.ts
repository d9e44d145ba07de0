import { describe, expect, it } from 'vitest';
import { createFakeApi } from '../test-support/fake-api.ts';
import { correlation, liveReplica } from '../test-support/fixtures.ts';
import { createAppStore } from './app-store.ts';
import { stepFor } from './timeline-slice.ts';

describe('timeline slice', () => {
  it('picks round metric steps of at most 300 points', () => {
    expect(stepFor(0, 40 * 60_000)).toBe(10);
    expect(stepFor(0, 60 * 60_000)).toBe(15);
    expect(stepFor(0, 30 * 86_400_000)).toBe(3600);
  });

  it('switching to the whole replica asks for the newest changes without a time window', async () => {
    const fake = createFakeApi(liveReplica());
    const store = createAppStore(fake.api);
    store.getState().setChangesScope('all');
    await Promise.resolve();
    expect(fake.argsOf('ledgerQuery')).toEqual([
      { filter: { changesOnly: true }, offset: 0, limit: 1000, order: 'desc' },
    ]);
  });

  it('without a service, no metrics are requested; a metrics failure keeps its code', async () => {
    const fake = createFakeApi({
      ...liveReplica(),
      correlationRank: async (a) => ({
        ok: true,
        value: {
          ...correlation,
          incident: { ...correlation.incident, service: 'at' in a ? (a.service ?? null) : 'checkout' },
        },
      }),
      metricsSeries: async () => ({ ok: false, error: { code: 'E_CONTROL_PLANE_UNREACHABLE', message: 'offline' } }),
    });
    const store = createAppStore(fake.api);
    await store.getState().rankAt('2026-11-25T03:00:00.000Z', null);
    await store.getState().loadTimeline();
    expect(fake.argsOf('metricsSeries')).toHaveLength(0);
    await store.getState().selectIncident('inc-1');
    await store.getState().loadTimeline();
    expect(store.getState().metricsError?.code).toBe('E_CONTROL_PLANE_UNREACHABLE');
    expect(store.getState().changes).toHaveLength(1); // changes still shown while metrics fail
  });

  it('selects a change', () => {
    const store = createAppStore(createFakeApi().api);
    store.getState().selectChange(117);
    expect(store.getState().selectedChangeIdx).toBe(117);
  });
});
