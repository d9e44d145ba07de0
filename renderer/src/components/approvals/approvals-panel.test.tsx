import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeRequest } from '../../../../shared/ipc/contract.ts';
import type { ApiMethods } from '../../test-support/fake-api.ts';
import {
  archiveRequest,
  changeRequest,
  definitionRequest,
  envState,
  liveReplica,
  lowFlag,
  receipt,
} from '../../test-support/fixtures.ts';
import { button, byTestId, click, inAct, key, mountApp, type, type Mounted } from '../../test-support/render.tsx';

let m: Mounted | null = null;
afterEach(() => {
  m?.unmount();
  m = null;
});

/** Overrides for alice (approver) reviewing bob's `cr-1`, which one approval applies and which leaves the pending list once decided. */
function quorumOfOne(): Partial<ApiMethods> {
  const cr = changeRequest('bob');
  let now: ChangeRequest = cr;
  return {
    ...liveReplica('alice', 'approver'),
    changeRequestsList: async ({ status }) => ({
      ok: true,
      value: status === 'ALL' || now.status === status ? [now] : [],
    }),
    changeRequestsApprove: async () => {
      now = { ...cr, status: 'APPLIED', approvals: ['alice'] };
      return { ok: true, value: receipt('appr-1') };
    },
    changeRequestsReject: async () => {
      now = { ...cr, status: 'REJECTED' };
      return { ok: true, value: receipt('rej-1') };
    },
  };
}

/** `count` decided requests (APPLIED), newest first, with ids cr-d<n>. */
function decidedRequests(count: number): ChangeRequest[] {
  return Array.from({ length: count }, (_, i) => ({
    ...changeRequest('bob', `cr-d${i}`),
    status: 'APPLIED' as const,
    createdIdx: 1000 - i,
  }));
}

/** The ids of the rendered cards, in order. */
function cardIds(root: ParentNode): string[] {
  return [...root.querySelectorAll('article.change-request')].map((a) => a.getAttribute('data-testid') ?? '');
}

/** Clicks Approve and, for a HIGH or BLOCKED request, the second step that repeats the payload hash. */
async function approveVia(card: HTMLElement, label: string): Promise<void> {
  await click(button(card, label));
  const confirm = card.querySelector<HTMLElement>('[data-testid="approve-confirm"]');
  if (!confirm) return;
  expect(confirm.textContent).toContain(byTestId(card, 'payload-hash').textContent ?? '?');
  await click(byTestId(confirm, 'approve-confirm-button'));
}

describe('approvals queue', () => {
  it('Approve sends exactly the payload hash shown to the reviewer', async () => {
    m = await mountApp({
      ...liveReplica('alice', 'approver'),
      changeRequestsList: async () => ({ ok: true, value: [changeRequest('bob')] }),
      changeRequestsApprove: async () => ({ ok: true, value: receipt('appr-1') }),
    });
    const card = byTestId(m.container, 'cr-cr-1');
    const shown = byTestId(card, 'payload-hash').textContent;
    expect(byTestId(card, 'approvals-count').textContent).toBe('approvals 0/1');
    expect(card.querySelector('table.diff')?.textContent).toContain('rollout_pct');
    const approve = button(card, 'Approve this payload');
    expect(approve.disabled).toBe(false);
    await click(approve);
    // HIGH tier: nothing is sent until the reviewer confirms the hash, repeated in full.
    expect(m.fake.argsOf('changeRequestsApprove')).toEqual([]);
    expect(byTestId(card, 'approve-confirm').textContent).toBe(
      `HIGH tier: approve exactly this payload? Its hash is ${shown}.Approve payload c0ffee000000…Cancel`,
    );
    await click(byTestId(card, 'approve-confirm-button'));
    expect(m.fake.argsOf('changeRequestsApprove')).toEqual([{ id: 'cr-1', payloadHash: shown }]);
    expect(shown).toBe('c0ffee0000000000000000000000000000000000000000000000000000000000');
    expect(byTestId(card, 'round-trip-applied').textContent).toContain('#123');
  });

  it('your own request explains why you cannot approve it', async () => {
    m = await mountApp({
      ...liveReplica('bob', 'approver'),
      changeRequestsList: async () => ({ ok: true, value: [changeRequest('bob')] }),
    });
    const card = byTestId(m.container, 'cr-cr-1');
    expect(button(card, 'Approve this payload').disabled).toBe(true);
    expect(byTestId(card, 'approve-blocked').textContent).toBe(
      'You (bob) requested this change. Four-eyes review needs another person to approve it; the control plane refuses self-approval.',
    );
    expect(button(card, 'Approve this payload').getAttribute('aria-describedby')).toBe('cr-cr-1-why');
  });

  it('a responder cannot review; the reason names the role', async () => {
    m = await mountApp({
      ...liveReplica('carol', 'responder'),
      changeRequestsList: async () => ({ ok: true, value: [changeRequest('bob')] }),
    });
    expect(byTestId(m.container, 'approve-blocked').textContent).toMatch(
      /^Your role responder cannot approve or reject change requests/,
    );
  });

  it('Reject asks for a reason of at least 10 characters', async () => {
    m = await mountApp({
      ...liveReplica('alice', 'approver'),
      changeRequestsList: async () => ({ ok: true, value: [changeRequest('bob')] }),
      changeRequestsReject: async () => ({ ok: true, value: receipt('rej-1') }),
    });
    const card = byTestId(m.container, 'cr-cr-1');
    await click(button(card, 'Reject…'));
    const submit = button(card, 'Reject');
    expect(submit.disabled).toBe(true);
    await type(card.querySelector('textarea')!, 'not now');
    expect(submit.disabled).toBe(true);
    expect(byTestId(card, 'reason-hint').textContent).toBe(
      '4 more characters needed (at least 10; spaces and invisible characters do not count).',
    );
    await type(card.querySelector('textarea')!, ' '.repeat(12));
    expect(submit.disabled).toBe(true);
    expect(byTestId(card, 'reason-hint').textContent).toBe(
      '10 more characters needed (at least 10; spaces and invisible characters do not count).',
    );
    await type(card.querySelector('textarea')!, 'not during the incident');
    await click(submit);
    expect(m.fake.argsOf('changeRequestsReject')).toEqual([{ id: 'cr-1', reason: 'not during the incident' }]);
  });

  it('a refused approval shows the control plane code and message', async () => {
    m = await mountApp({
      ...liveReplica('alice', 'approver'),
      changeRequestsList: async () => ({ ok: true, value: [changeRequest('bob')] }),
      changeRequestsApprove: async () => ({
        ok: false,
        error: { code: 'STALE_PAYLOAD_HASH', message: 'The request changed after you reviewed it; review it again.' },
      }),
    });
    const card = byTestId(m.container, 'cr-cr-1');
    await approveVia(card, 'Approve this payload');
    const err = byTestId(card, 'error-line');
    expect(err.querySelector('code')?.textContent).toBe('STALE_PAYLOAD_HASH');
    expect(err.textContent).toContain('The request changed after you reviewed it; review it again.');
  });

  it('an approval that completes the quorum stays in the queue with its new status and round trip until dismissed', async () => {
    m = await mountApp(quorumOfOne());
    const panel = byTestId(m.container, 'approvals');
    expect(panel.querySelector('h2')?.textContent).toBe('Approvals · 1 pending');
    await approveVia(byTestId(panel, 'cr-cr-1'), 'Approve this payload');
    await inAct(() => m!.fake.emit('ledger:appended', { receivedSize: 125 })); // the approval arrives: the pending list drops cr-1
    const card = byTestId(panel, 'cr-cr-1');
    expect(panel.querySelector('h2')?.textContent).toBe('Approvals · 0 pending');
    expect(byTestId(card, 'decided-here').textContent).toBe(
      'Decided here: you approved this request · status now APPLIED',
    );
    expect(card.querySelector('header .pill:last-child')?.textContent).toBe('APPLIED');
    expect(byTestId(card, 'approvals-count').textContent).toBe('approvals 1/1');
    expect(byTestId(card, 'round-trip-applied').textContent).toBe(
      'Applied by the control plane as ledger entry #123 (41 ms)',
    );
    expect(card.querySelector('button.primary')).toBeNull(); // no second decision on a decided card
    await inAct(() => m!.fake.emit('actions:updated', receipt('appr-1', 'verified')));
    expect(byTestId(card, 'round-trip-verified').textContent).toBe(
      'Arrived verified in this replica (212 ms after sending)',
    );
    await click(button(card, 'Dismiss'));
    expect(cardIds(panel)).toEqual([]);
    expect(panel.querySelector('p.muted')?.textContent).toBe('No change requests waiting for review.');
  });

  it('on an Unleash profile says plainly that there is no four-eyes approval to ask for', async () => {
    const live = liveReplica('alice', 'admin');
    m = await mountApp({
      ...live,
      profilesList: async () => {
        const r = await live.profilesList!(null);
        return r.ok ? { ok: true, value: r.value.map((p) => ({ ...p, source: 'unleash' as const })) } : r;
      },
    });
    expect(byTestId(m.container, 'no-four-eyes').textContent).toBe(
      "Unleash's open-source edition has no change requests: four-eyes approval cannot be asked for or enforced through it, and a change made in Unleash applies at once.",
    );
  });

  it('the command palette still reaches a request decided here after the pending list dropped it', async () => {
    m = await mountApp(quorumOfOne());
    await approveVia(byTestId(m.container, 'cr-cr-1'), 'Approve this payload');
    await inAct(() => m!.fake.emit('ledger:appended', { receivedSize: 125 }));
    expect(m.store.getState().changeRequests).toEqual([]);
    await key({ key: 'k', ctrlKey: true });
    const input = byTestId<HTMLInputElement>(m.container, 'palette-input');
    await type(input, 'review change request');
    expect(byTestId(m.container, 'command-cr-cr-1').textContent).toBe(
      'Approval Review change request cr-1: payments.checkout.new-tax in production by bob (approved here)',
    );
    await key({ key: 'Enter' }, input);
    expect(byTestId(m.container, 'cr-cr-1').contains(document.activeElement)).toBe(true);
  });

  it('a rejection stays in the queue as rejected here', async () => {
    m = await mountApp(quorumOfOne());
    const card = byTestId(m.container, 'cr-cr-1');
    await click(button(card, 'Reject…'));
    await type(card.querySelector('textarea')!, 'not during the incident');
    await click(button(card, 'Reject'));
    await inAct(() => m!.fake.emit('ledger:appended', { receivedSize: 125 }));
    expect(byTestId(m.container, 'decided-here').textContent).toBe(
      'Decided here: you rejected this request · status now REJECTED',
    );
    expect(byTestId(m.container, 'round-trip-applied').textContent).toBe(
      'Applied by the control plane as ledger entry #123 (41 ms)',
    );
  });

  it('show decided renders pending requests and decided ones 25 at a time; the title counts all pending', async () => {
    const pending = [changeRequest('bob', 'cr-p1'), { ...changeRequest('bob', 'cr-p2'), createdIdx: 1 }];
    m = await mountApp({
      ...liveReplica('alice', 'approver'),
      changeRequestsList: async ({ status }) => ({
        ok: true,
        value: status === 'ALL' ? [...decidedRequests(60), ...pending] : pending,
      }),
    });
    const panel = byTestId(m.container, 'approvals');
    const showDecided = panel.querySelector<HTMLInputElement>('input[type="checkbox"]')!;
    await click(showDecided);
    expect(panel.querySelector('h2')?.textContent).toBe('Approvals · 2 pending');
    let ids = cardIds(panel);
    expect(ids).toHaveLength(27);
    expect(ids.slice(0, 3)).toEqual(['cr-cr-p1', 'cr-cr-p2', 'cr-cr-d0']);
    expect(ids.at(-1)).toBe('cr-cr-d24');
    await click(button(panel, 'Show 25 more (35 left)'));
    expect(cardIds(panel)).toHaveLength(52);
    await click(button(panel, 'Show 10 more (10 left)'));
    ids = cardIds(panel);
    expect(ids).toHaveLength(62);
    expect(ids.at(-1)).toBe('cr-cr-d59');
    expect([...panel.querySelectorAll('button')].filter((b) => b.textContent?.startsWith('Show '))).toEqual([]);
    await click(showDecided);
    expect(cardIds(panel)).toEqual(['cr-cr-p1', 'cr-cr-p2']);
    await click(showDecided);
    expect(cardIds(panel)).toHaveLength(27); // paging starts over
  });

  it('an archive request says, before the diff, that approving tombstones the flag for ever in every environment', async () => {
    m = await mountApp({
      ...liveReplica('alice', 'approver'),
      changeRequestsList: async () => ({ ok: true, value: [archiveRequest('bob')] }),
      changeRequestsApprove: async () => ({ ok: true, value: receipt('appr-2') }),
    });
    const card = byTestId(m.container, 'cr-cr-2');
    expect(card.querySelector('h3')?.textContent).toBe('payments.checkout.new-tax · archive · every environment');
    expect(byTestId(card, 'cr-operation').textContent).toBe(
      'Approving archives payments.checkout.new-tax for ever: it is tombstoned in every environment, every SDK falls ' +
        'back to the code default for this key, and the key can never be used again.',
    );
    expect(card.querySelector('table.diff')?.textContent).toContain('TOMBSTONED');
    expect(card.querySelector('button.primary')?.textContent).toBe('Approve archiving payments.checkout.new-tax');
    await approveVia(card, 'Approve archiving payments.checkout.new-tax');
    expect(m.fake.argsOf('changeRequestsApprove')).toEqual([
      { id: 'cr-2', payloadHash: byTestId(card, 'payload-hash').textContent },
    ]);
  });

  it('a definition request names the safe default and a lowered tier in words', async () => {
    m = await mountApp({
      ...liveReplica('alice', 'approver'),
      changeRequestsList: async () => ({ ok: true, value: [definitionRequest('bob')] }),
    });
    const card = byTestId(m.container, 'cr-cr-3');
    expect(card.querySelector('h3')?.textContent).toBe('payments.checkout.new-tax · definition · every environment');
    expect([...byTestId(card, 'cr-operation').querySelectorAll('li')].map((li) => li.textContent)).toEqual([
      'Safe default (what a kill and the circuit breaker restore): off · 0 % → on · 100 %',
      'Tier: HIGH → MEDIUM — lower: later changes to this flag need fewer approvals, or none',
    ]);
    expect(button(card, 'Approve this definition change').disabled).toBe(false);
  });

  it('a state request has no operation note', async () => {
    m = await mountApp({
      ...liveReplica('alice', 'approver'),
      changeRequestsList: async () => ({ ok: true, value: [changeRequest('bob')] }),
    });
    expect(byTestId(m.container, 'cr-cr-1').querySelector('[data-testid="cr-operation"]')).toBeNull();
  });

  it('marks a pending request overtaken when the flag moved since (e.g. killed through break-glass)', async () => {
    const request = changeRequest('bob');
    m = await mountApp({
      ...liveReplica('alice', 'approver'),
      changeRequestsList: async () => ({ ok: true, value: [request] }),
      flagsGet: async () => ({ ok: true, value: { ...lowFlag, environments: { production: envState(true, 100) } } }),
    });
    const card = byTestId(m.container, 'cr-cr-1');
    expect(byTestId(card, 'cr-overtaken').textContent).toBe('overtaken');
    expect(byTestId(card, 'cr-overtaken-note').textContent).toContain('production is now on · 100 %');
  });

  it('does not mark a request whose "before" is still the flag\'s state', async () => {
    const request = changeRequest('bob');
    m = await mountApp({
      ...liveReplica('alice', 'approver'),
      changeRequestsList: async () => ({ ok: true, value: [request] }),
      flagsGet: async () => ({ ok: true, value: { ...lowFlag, environments: { production: envState(false, 0) } } }),
    });
    const card = byTestId(m.container, 'cr-cr-1');
    expect(card.querySelector('[data-testid="cr-overtaken"]')).toBeNull();
  });
});
