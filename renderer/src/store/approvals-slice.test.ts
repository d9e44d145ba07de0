import { describe, expect, it } from 'vitest';
import type { ChangeRequest } from '../../../shared/ipc/contract.ts';
import { createFakeApi, flush } from '../test-support/fake-api.ts';
import { changeRequest, envState, liveReplica, receipt } from '../test-support/fixtures.ts';
import { createAppStore } from './app-store.ts';

/** A control plane whose only request `cr-1` (one approval needed) leaves the pending list once decided. */
function quorumOfOne(decided: Partial<ChangeRequest>) {
  const cr = changeRequest('bob');
  let done = false;
  return createFakeApi({
    changeRequestsList: async ({ status }) => {
      const now = done ? { ...cr, ...decided } : cr;
      return { ok: true, value: status === 'ALL' || now.status === status ? [now] : [] };
    },
    changeRequestsApprove: async () => {
      done = true;
      return { ok: true, value: receipt('k-approve') };
    },
    changeRequestsReject: async () => {
      done = true;
      return { ok: true, value: receipt('k-reject') };
    },
  });
}

describe('approvals slice', () => {
  it('approve sends exactly the hash the reviewer saw and tracks the receipt', async () => {
    const cr = changeRequest('bob');
    const fake = createFakeApi({
      changeRequestsList: async () => ({ ok: true, value: [cr] }),
      changeRequestsApprove: async () => ({ ok: true, value: receipt('k-approve') }),
    });
    const store = createAppStore(fake.api);
    await store.getState().loadChangeRequests();
    const res = await store.getState().approve('cr-1', cr.payloadHash);
    expect(res.ok).toBe(true);
    expect(fake.argsOf('changeRequestsApprove')).toEqual([
      { id: 'cr-1', payloadHash: 'c0ffee0000000000000000000000000000000000000000000000000000000000' },
    ]);
    expect(store.getState().receipts['k-approve']?.appliedIdx).toBe(123);
    expect(fake.argsOf('changeRequestsList')).toHaveLength(2); // reloaded after the decision
  });

  it('a refused approval returns the control plane code and changes nothing', async () => {
    const fake = createFakeApi({
      changeRequestsApprove: async () => ({
        ok: false,
        error: { code: 'SELF_APPROVAL', message: 'You cannot approve your own request.' },
      }),
    });
    const store = createAppStore(fake.api);
    const res = await store.getState().approve('cr-1', 'a'.repeat(64));
    expect(res).toEqual({
      ok: false,
      error: { code: 'SELF_APPROVAL', message: 'You cannot approve your own request.' },
    });
    expect(store.getState().receipts).toEqual({});
  });

  it('reject carries the reason; create carries the schedule', async () => {
    const fake = createFakeApi({
      changeRequestsReject: async () => ({ ok: true, value: receipt('k-r') }),
      changeRequestsCreate: async () => ({ ok: true, value: receipt('k-c') }),
      changeRequestsList: async () => ({ ok: true, value: [] }),
    });
    const store = createAppStore(fake.api);
    await store.getState().reject('cr-1', 'Not during the incident');
    expect(fake.argsOf('changeRequestsReject')).toEqual([{ id: 'cr-1', reason: 'Not during the incident' }]);
    const input = {
      flag: 'payments.checkout.new-tax',
      env: 'production',
      after: envState(true, 10),
      reason: 'Ramp to ten percent',
      scheduledAt: '2026-11-26T09:00:00.000Z',
    };
    await store.getState().createChangeRequest(input);
    expect(fake.argsOf('changeRequestsCreate')).toEqual([input]);
  });

  it('the ALL filter asks for every status and ignores a late PENDING answer', async () => {
    const fake = createFakeApi({
      changeRequestsList: async ({ status }) => ({
        ok: true,
        value: status === 'ALL' ? [changeRequest('x', 'cr-all')] : [changeRequest('x', 'cr-p')],
      }),
    });
    const store = createAppStore(fake.api);
    const pending = store.getState().loadChangeRequests();
    store.getState().setApprovalsFilter('ALL');
    await pending;
    await Promise.resolve();
    await Promise.resolve();
    expect(store.getState().changeRequests.map((c) => c.id)).toEqual(['cr-all']);
  });

  it('an approval that completes the quorum keeps the request, its new status and its receipt key until dismissed', async () => {
    const fake = quorumOfOne({ status: 'APPLIED', approvals: ['alice'] });
    const store = createAppStore(fake.api);
    await store.getState().loadChangeRequests();
    await store.getState().approve('cr-1', 'c0ffee'.padEnd(64, '0'));
    await flush();
    expect(store.getState().changeRequests).toEqual([]);
    const d = store.getState().decidedHere['cr-1'];
    expect(d?.decision).toBe('approved');
    expect(d?.receiptKey).toBe('k-approve');
    expect(d?.cr.status).toBe('APPLIED');
    expect(d?.cr.approvals).toEqual(['alice']);
    // The pending list cannot tell the new status; one 'ALL' lookup does.
    expect(fake.argsOf('changeRequestsList')).toEqual([
      { status: 'PENDING' },
      { status: 'PENDING' },
      { status: 'ALL' },
    ]);
    await store.getState().loadChangeRequests();
    expect(fake.argsOf('changeRequestsList')).toHaveLength(4); // settled: no further lookups
    store.getState().dismissDecided('cr-1');
    expect(store.getState().decidedHere).toEqual({});
  });

  it('an earlier load answered late cannot overwrite the status a later load read (APPROVED after APPLIED)', async () => {
    const cr = changeRequest('bob');
    const answers: Array<(status: ChangeRequest['status']) => void> = [];
    let decided = false;
    const fake = createFakeApi({
      changeRequestsList: ({ status }) =>
        status === 'PENDING'
          ? Promise.resolve({ ok: true, value: decided ? [] : [cr] })
          : new Promise((resolve) => answers.push((s) => resolve({ ok: true, value: [{ ...cr, status: s }] }))),
      changeRequestsApprove: async () => {
        decided = true;
        return { ok: true, value: receipt('k-approve') };
      },
    });
    const store = createAppStore(fake.api);
    await store.getState().loadChangeRequests();
    await store.getState().approve('cr-1', cr.payloadHash); // starts load #1
    await flush();
    const second = store.getState().loadChangeRequests(); // load #2, e.g. the applied entry arrived
    await flush();
    expect(answers).toHaveLength(2);
    answers[1]?.('APPLIED');
    await second;
    answers[0]?.('APPROVED'); // read before the applied entry, answered last
    await flush();
    expect(store.getState().decidedHere['cr-1']?.cr.status).toBe('APPLIED');
  });

  it('a lookup answered after a newer load started still lands when the newer load does not look up', async () => {
    const cr = changeRequest('bob');
    const lookups: Array<() => void> = [];
    let pendingHolds = true;
    const fake = createFakeApi({
      changeRequestsList: ({ status }) =>
        status === 'PENDING'
          ? Promise.resolve({ ok: true, value: pendingHolds ? [cr] : [] })
          : new Promise((resolve) =>
              lookups.push(() => resolve({ ok: true, value: [{ ...cr, status: 'APPLIED', approvals: ['alice'] }] })),
            ),
      changeRequestsApprove: async () => ({ ok: true, value: receipt('k-approve') }),
    });
    const store = createAppStore(fake.api);
    await store.getState().loadChangeRequests();
    await store.getState().approve('cr-1', cr.payloadHash); // its load still lists cr-1: no lookup
    await flush();
    pendingHolds = false;
    const first = store.getState().loadChangeRequests(); // cr-1 left the pending list: a lookup goes out...
    await flush();
    pendingHolds = true; // ...and a newer load reads a list that (still) holds it, so it looks nothing up
    await store.getState().loadChangeRequests();
    expect(lookups).toHaveLength(1);
    lookups[0]?.();
    await first;
    expect(store.getState().decidedHere['cr-1']?.cr).toMatchObject({ status: 'APPLIED', approvals: ['alice'] });
  });

  it('a rejection is kept as decided here with status REJECTED', async () => {
    const fake = quorumOfOne({ status: 'REJECTED' });
    const store = createAppStore(fake.api);
    await store.getState().loadChangeRequests();
    await store.getState().reject('cr-1', 'not during the incident');
    await flush();
    expect(store.getState().decidedHere['cr-1']).toMatchObject({
      decision: 'rejected',
      receiptKey: 'k-reject',
      cr: { id: 'cr-1', status: 'REJECTED' },
    });
  });

  it('a refused decision is not kept', async () => {
    const fake = createFakeApi({
      changeRequestsList: async () => ({ ok: true, value: [changeRequest('bob')] }),
      changeRequestsApprove: async () => ({
        ok: false,
        error: { code: 'STALE_PAYLOAD_HASH', message: 'The request changed.' },
      }),
    });
    const store = createAppStore(fake.api);
    await store.getState().loadChangeRequests();
    await store.getState().approve('cr-1', 'a'.repeat(64));
    expect(store.getState().decidedHere).toEqual({});
  });

  it('a profile switch drops the decisions taken on the previous replica', async () => {
    const fake = createFakeApi({
      ...liveReplica('alice', 'approver'),
      changeRequestsList: async () => ({ ok: true, value: [changeRequest('bob')] }),
      changeRequestsApprove: async () => ({ ok: true, value: receipt('k-approve') }),
      profilesSelect: async ({ id }) => ({
        ok: true,
        value: {
          id,
          name: 'b',
          url: 'http://127.0.0.1:5000',
          environment: 'staging',
          origin: null,
          active: true,
          hasToken: true,
        },
      }),
    });
    const store = createAppStore(fake.api);
    await store.getState().loadChangeRequests();
    await store.getState().approve('cr-1', 'c0ffee'.padEnd(64, '0'));
    await flush();
    expect(Object.keys(store.getState().decidedHere)).toEqual(['cr-1']);
    expect(await store.getState().selectProfile('p2')).toBeNull();
    expect(store.getState().decidedHere).toEqual({});
  });
});
