import { describe, expect, it } from 'vitest';
import { createFakeApi } from '../test-support/fake-api.ts';
import { changeRequest, envState, receipt } from '../test-support/fixtures.ts';
import { createAppStore } from './app-store.ts';

describe('approvals slice', () => {
  it('approve sends exactly the hash the reviewer saw and tracks the receipt', async () => {
    const cr = changeRequest('bob');
    const fake = createFakeApi({
      changesList: async () => ({ ok: true, value: [cr] }),
      changesApprove: async () => ({ ok: true, value: receipt('k-approve') }),
    });
    const store = createAppStore(fake.api);
    await store.getState().loadChangeRequests();
    const res = await store.getState().approve('cr-1', cr.payloadHash);
    expect(res.ok).toBe(true);
    expect(fake.argsOf('changesApprove')).toEqual([{ id: 'cr-1', payloadHash: 'c0ffee0000000000000000000000000000000000000000000000000000000000' }]);
    expect(store.getState().receipts['k-approve']?.appliedIdx).toBe(123);
    expect(fake.argsOf('changesList')).toHaveLength(2); // reloaded after the decision
  });

  it('a refused approval returns the control plane code and changes nothing', async () => {
    const fake = createFakeApi({ changesApprove: async () => ({ ok: false, error: { code: 'SELF_APPROVAL', message: 'You cannot approve your own request.' } }) });
    const store = createAppStore(fake.api);
    const res = await store.getState().approve('cr-1', 'a'.repeat(64));
    expect(res).toEqual({ ok: false, error: { code: 'SELF_APPROVAL', message: 'You cannot approve your own request.' } });
    expect(store.getState().receipts).toEqual({});
  });

  it('reject carries the reason; create carries the schedule', async () => {
    const fake = createFakeApi({
      changesReject: async () => ({ ok: true, value: receipt('k-r') }),
      changesCreate: async () => ({ ok: true, value: receipt('k-c') }),
      changesList: async () => ({ ok: true, value: [] }),
    });
    const store = createAppStore(fake.api);
    await store.getState().reject('cr-1', 'Not during the incident');
    expect(fake.argsOf('changesReject')).toEqual([{ id: 'cr-1', reason: 'Not during the incident' }]);
    const input = { flag: 'payments.checkout.new-tax', env: 'production', after: envState(true, 10), reason: 'Ramp to ten percent', scheduledAt: '2026-11-26T09:00:00.000Z' };
    await store.getState().createChangeRequest(input);
    expect(fake.argsOf('changesCreate')).toEqual([input]);
  });

  it('the ALL filter asks for every status and ignores a late PENDING answer', async () => {
    const fake = createFakeApi({ changesList: async ({ status }) => ({ ok: true, value: status === 'ALL' ? [changeRequest('x', 'cr-all')] : [changeRequest('x', 'cr-p')] }) });
    const store = createAppStore(fake.api);
    const pending = store.getState().loadChangeRequests();
    store.getState().setApprovalsFilter('ALL');
    await pending;
    await Promise.resolve();
    await Promise.resolve();
    expect(store.getState().changeRequests.map((c) => c.id)).toEqual(['cr-all']);
  });
});
