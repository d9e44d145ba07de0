import { describe, expect, it } from 'vitest';
import type { ActionReceipt } from '../../shared/ipc/contract.ts';
import { ReceiptTracker } from './receipts.ts';

function tracker() {
  let t = 0;
  const published: ActionReceipt[] = [];
  const tr = new ReceiptTracker(
    (r) => published.push(r),
    () => t,
  );
  return {
    tr,
    published,
    at: (ms: number) => {
      t = ms;
    },
  };
}

describe('ReceiptTracker', () => {
  it('times sent → applied → verified for an action that reports its idx', () => {
    const { tr, published, at } = tracker();
    tr.sent('actions:kill', 'k1');
    at(12);
    expect(tr.applied('k1', { kind: 'idx', idx: 40 }, 40)).toMatchObject({
      status: 'applied',
      appliedIdx: 40,
      appliedMs: 12,
      verifiedMs: null,
    });
    at(30);
    tr.verifiedUpTo(40);
    expect(tr.current('k1').status).toBe('applied');
    tr.verifiedUpTo(41);
    expect(tr.current('k1')).toMatchObject({ status: 'verified', appliedIdx: 40, appliedMs: 12, verifiedMs: 30 });
    expect(published.map((r) => r.status)).toEqual(['sent', 'applied', 'verified']);
  });

  it('completes at once when the entry is already verified', () => {
    const { tr } = tracker();
    tr.sent('actions:rollback', 'k2');
    expect(tr.applied('k2', { kind: 'idx', idx: 3 }, 10).status).toBe('verified');
  });

  it('resolves a matched entry from the stream', () => {
    const { tr, at } = tracker();
    tr.sent('changeRequests:approve', 'k3');
    tr.applied(
      'k3',
      { kind: 'match', action: 'change_request.approved', refKey: 'change_request', refValue: 'cr_9' },
      0,
    );
    tr.seen([{ idx: 5, action: 'change_request.approved', refs: { change_request: 'cr_8' } }]);
    expect(tr.current('k3').appliedIdx).toBeNull();
    at(7);
    tr.seen([{ idx: 6, action: 'change_request.approved', refs: { change_request: 'cr_9' } }]);
    expect(tr.current('k3')).toMatchObject({ status: 'applied', appliedIdx: 6, appliedMs: 7 });
  });

  it('keeps the server error code on failure', () => {
    const { tr } = tracker();
    tr.sent('actions:kill', 'k4');
    expect(tr.failed('k4', { code: 'BLOCKED_TIER', message: 'needs approval' })).toMatchObject({
      status: 'failed',
      error: { code: 'BLOCKED_TIER' },
    });
  });
});
