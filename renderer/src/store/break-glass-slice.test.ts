import { describe, expect, it } from 'vitest';
import { createFakeApi } from '../test-support/fake-api.ts';
import { liveReplica } from '../test-support/fixtures.ts';
import { createAppStore } from './app-store.ts';

const use = {
  idx: 130,
  actor: 'carol',
  flag: 'core.ledger.writes',
  env: 'production',
  reason: 'ledger writes corrupting',
  at: '2026-11-25T03:20:00.000Z',
};

describe('break-glass slice', () => {
  it('announces each use once and keeps it until acknowledged', async () => {
    let fail = true;
    const fake = createFakeApi({
      breakGlassAcknowledge: async () =>
        fail
          ? { ok: false, error: { code: 'E_CONTROL_PLANE_UNREACHABLE', message: 'down' } }
          : { ok: true, value: null },
    });
    const store = createAppStore(fake.api);
    await store.getState().start();
    fake.emit('breakGlass:used', use);
    fake.emit('breakGlass:used', use);
    expect(store.getState().breakGlassUses).toEqual([use]);
    await store.getState().acknowledgeBreakGlass(130);
    expect(store.getState().breakGlassUses).toEqual([use]);
    expect(store.getState().breakGlassError?.code).toBe('E_CONTROL_PLANE_UNREACHABLE');
    fail = false;
    await store.getState().acknowledgeBreakGlass(130);
    expect(fake.argsOf('breakGlassAcknowledge')).toEqual([{ idx: 130 }, { idx: 130 }]);
    expect(store.getState().breakGlassUses).toEqual([]);
    expect(store.getState().breakGlassError).toBeNull();
  });

  it('on start, loads the uses this console has not acknowledged yet', async () => {
    const fake = createFakeApi({ ...liveReplica(), breakGlassPending: async () => ({ ok: true, value: [use] }) });
    const store = createAppStore(fake.api, { refreshDelayMs: 0 });
    await store.getState().start();
    expect(store.getState().breakGlassUses).toEqual([use]);
    fake.emit('breakGlass:used', use);
    expect(store.getState().breakGlassUses).toHaveLength(1);
  });

  it('issuing a token passes scope and TTL through', async () => {
    const fake = createFakeApi({
      breakGlassIssue: async () => ({
        ok: true,
        value: { tokenId: 'bg-1', token: 'secret', expiresAt: '2026-11-25T03:35:00.000Z' },
      }),
    });
    const store = createAppStore(fake.api);
    const input = {
      justification: 'ledger writes corrupting balances',
      flags: ['core.ledger.writes'],
      envs: ['production'],
      ttlMinutes: 15,
    };
    const res = await store.getState().issueBreakGlass(input);
    expect(res).toEqual({
      ok: true,
      value: { tokenId: 'bg-1', token: 'secret', expiresAt: '2026-11-25T03:35:00.000Z' },
    });
    expect(fake.argsOf('breakGlassIssue')).toEqual([input]);
  });
});
