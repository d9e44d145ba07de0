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
const open = { ...use, acknowledgedBy: null, acknowledgedAt: null };

describe('break-glass slice', () => {
  it('announces each use once and keeps it until acknowledged', async () => {
    let fail = true;
    const fake = createFakeApi({
      breakGlassAcknowledge: async () =>
        fail
          ? { ok: false, error: { code: 'E_CONTROL_PLANE_UNREACHABLE', message: 'down' } }
          : { ok: true, value: null },
    });
    const store = createAppStore(fake.api, { now: () => Date.parse('2026-11-25T03:25:00.000Z') });
    await store.getState().start();
    fake.emit('breakGlass:used', use);
    fake.emit('breakGlass:used', use);
    expect(store.getState().breakGlassUses).toEqual([open]);
    await store.getState().acknowledgeBreakGlass(130);
    expect(store.getState().breakGlassUses).toEqual([open]);
    expect(store.getState().breakGlassError?.code).toBe('E_CONTROL_PLANE_UNREACHABLE');
    fail = false;
    await store.getState().acknowledgeBreakGlass(130);
    expect(fake.argsOf('breakGlassAcknowledge')).toEqual([{ idx: 130 }, { idx: 130 }]);
    // Kept in the list of the last 24 hours, marked as acknowledged by the person at this console.
    expect(store.getState().breakGlassUses).toEqual([
      { ...use, acknowledgedBy: 'you', acknowledgedAt: '2026-11-25T03:25:00.000Z' },
    ]);
    expect(store.getState().breakGlassError).toBeNull();
  });

  it("on start, loads the uses of the last 24 hours with this person's acknowledgements, newest first", async () => {
    const acked = { ...use, idx: 120, acknowledgedBy: 'riley', acknowledgedAt: '2026-11-25T03:21:00.000Z' };
    const fake = createFakeApi({
      ...liveReplica(),
      breakGlassRecent: async () => ({ ok: true, value: [acked, open] }),
    });
    const store = createAppStore(fake.api, { refreshDelayMs: 0 });
    await store.getState().start();
    expect(store.getState().breakGlassUses).toEqual([open, acked]);
    fake.emit('breakGlass:used', use);
    expect(store.getState().breakGlassUses).toHaveLength(2);
  });

  it('keeps an acknowledgement when a list read before it reached main answers after it', async () => {
    // The list is read while the acknowledgement is on its way: main answers with the use still unacknowledged.
    let answer: (() => void) | null = null;
    let reads = 0;
    const fake = createFakeApi({
      ...liveReplica(),
      breakGlassRecent: () =>
        reads++ === 0
          ? Promise.resolve({ ok: true, value: [open] })
          : new Promise((resolve) => {
              answer = () => resolve({ ok: true, value: [open] });
            }),
      breakGlassAcknowledge: async () => ({ ok: true, value: null }),
    });
    const store = createAppStore(fake.api, { refreshDelayMs: 0, now: () => Date.parse('2026-11-25T03:25:00.000Z') });
    await store.getState().start();
    expect(store.getState().breakGlassUses).toEqual([open]);
    const loading = store.getState().loadBreakGlassPending();
    await store.getState().acknowledgeBreakGlass(130);
    (answer as (() => void) | null)?.();
    await loading;
    expect(store.getState().breakGlassUses).toEqual([
      { ...use, acknowledgedBy: 'alice', acknowledgedAt: '2026-11-25T03:25:00.000Z' },
    ]);
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
