import { afterEach, describe, expect, it } from 'vitest';
import { changeRequest, liveReplica, receipt } from '../../test-support/fixtures.ts';
import { button, byTestId, click, mountApp, type, type Mounted } from '../../test-support/render.tsx';

let m: Mounted | null = null;
afterEach(() => { m?.unmount(); m = null; });

describe('approvals queue', () => {
  it('Approve sends exactly the payload hash shown to the reviewer', async () => {
    m = await mountApp({
      ...liveReplica('alice', 'approver'),
      changesList: async () => ({ ok: true, value: [changeRequest('bob')] }),
      changesApprove: async () => ({ ok: true, value: receipt('appr-1') }),
    });
    const card = byTestId(m.container, 'cr-cr-1');
    const shown = byTestId(card, 'payload-hash').textContent;
    expect(byTestId(card, 'approvals-count').textContent).toBe('approvals 0/1');
    expect(card.querySelector('table.diff')?.textContent).toContain('rollout_pct');
    const approve = button(card, 'Approve this payload');
    expect(approve.disabled).toBe(false);
    await click(approve);
    expect(m.fake.argsOf('changesApprove')).toEqual([{ id: 'cr-1', payloadHash: shown }]);
    expect(shown).toBe('c0ffee0000000000000000000000000000000000000000000000000000000000');
    expect(byTestId(card, 'round-trip-applied').textContent).toContain('#123');
  });

  it('your own request explains why you cannot approve it', async () => {
    m = await mountApp({ ...liveReplica('bob', 'approver'), changesList: async () => ({ ok: true, value: [changeRequest('bob')] }) });
    const card = byTestId(m.container, 'cr-cr-1');
    expect(button(card, 'Approve this payload').disabled).toBe(true);
    expect(byTestId(card, 'approve-blocked').textContent).toBe(
      'You (bob) requested this change. Four-eyes review needs another person to approve it; the control plane refuses self-approval.');
    expect(button(card, 'Approve this payload').getAttribute('aria-describedby')).toBe('cr-cr-1-why');
  });

  it('a responder cannot review; the reason names the role', async () => {
    m = await mountApp({ ...liveReplica('carol', 'responder'), changesList: async () => ({ ok: true, value: [changeRequest('bob')] }) });
    expect(byTestId(m.container, 'approve-blocked').textContent).toMatch(/^Your role responder cannot approve or reject change requests/);
  });

  it('Reject asks for a reason of at least 10 characters', async () => {
    m = await mountApp({
      ...liveReplica('alice', 'approver'),
      changesList: async () => ({ ok: true, value: [changeRequest('bob')] }),
      changesReject: async () => ({ ok: true, value: receipt('rej-1') }),
    });
    const card = byTestId(m.container, 'cr-cr-1');
    await click(button(card, 'Reject…'));
    const submit = button(card, 'Reject');
    expect(submit.disabled).toBe(true);
    await type(card.querySelector('textarea')!, 'not now');
    expect(submit.disabled).toBe(true);
    await type(card.querySelector('textarea')!, 'not during the incident');
    await click(submit);
    expect(m.fake.argsOf('changesReject')).toEqual([{ id: 'cr-1', reason: 'not during the incident' }]);
  });

  it('a refused approval shows the control plane code and message', async () => {
    m = await mountApp({
      ...liveReplica('alice', 'approver'),
      changesList: async () => ({ ok: true, value: [changeRequest('bob')] }),
      changesApprove: async () => ({ ok: false, error: { code: 'STALE_PAYLOAD_HASH', message: 'The request changed after you reviewed it; review it again.' } }),
    });
    const card = byTestId(m.container, 'cr-cr-1');
    await click(button(card, 'Approve this payload'));
    const err = byTestId(card, 'error-line');
    expect(err.querySelector('code')?.textContent).toBe('STALE_PAYLOAD_HASH');
    expect(err.textContent).toContain('The request changed after you reviewed it; review it again.');
  });
});
