import { describe, expect, it } from 'vitest';
import type { ChangeRequest } from '../../../../shared/ipc/contract.ts';
import { changeRequest } from '../../test-support/fixtures.ts';
import { buildQueue, moreLabel } from './queue.ts';

const cr = (id: string, createdIdx: number, status: ChangeRequest['status'] = 'PENDING'): ChangeRequest => ({
  ...changeRequest('bob', id),
  createdIdx,
  status,
});

describe('approvals queue', () => {
  it('keeps a request decided here that the list dropped, in creation order, and never pages it', () => {
    const list = [cr('a', 30), cr('b', 10, 'APPLIED')];
    const decided = [{ cr: cr('gone', 20, 'APPLIED'), decision: 'approved' as const, receiptKey: 'k' }];
    const { always, paged } = buildQueue(list, decided);
    expect(always.map((i) => [i.cr.id, i.decided?.receiptKey ?? null])).toEqual([
      ['a', null],
      ['gone', 'k'],
    ]);
    expect(paged.map((i) => i.cr.id)).toEqual(['b']);
  });

  it('prefers the listed version of a request decided here', () => {
    const listed = cr('a', 30, 'APPLIED');
    const { always } = buildQueue([listed], [{ cr: cr('a', 30), decision: 'approved', receiptKey: 'k' }]);
    expect(always).toHaveLength(1);
    expect(always[0]?.cr.status).toBe('APPLIED');
  });

  it('labels the next page with what is left', () => {
    expect(moreLabel(60)).toBe('Show 25 more (60 left)');
    expect(moreLabel(7)).toBe('Show 7 more (7 left)');
    expect(moreLabel(0)).toBeNull();
  });
});
