import { afterEach, describe, expect, it } from 'vitest';
import { liveReplica } from '../test-support/fixtures.ts';
import { button, byTestId, inAct, mountApp, type Mounted } from '../test-support/render.tsx';

let m: Mounted | null = null;
afterEach(() => {
  m?.unmount();
  m = null;
});

const offline = {
  kind: 'offline',
  url: 'http://127.0.0.1:4000',
  replicaAsOf: '2026-11-25T03:12:07.000Z',
  reason: 'the control plane does not answer',
} as const;

describe('offline', () => {
  it('keeps every piece of data on screen and disables actions with the reason', async () => {
    m = await mountApp({ ...liveReplica('alice', 'admin'), syncState: async () => ({ ok: true, value: offline }) });
    const c = m.container;
    expect(byTestId(c, 'connection-state').textContent).toBe('Offline · replica as of 03:12:07 UTC');
    expect(byTestId(c, 'incident-inc-1').textContent).toContain('Checkout 5xx');
    const card = byTestId(c, 'candidate-1');
    expect(byTestId(card, 'candidate-flag').textContent).toBe('payments.checkout.new-tax');
    expect(byTestId(card, 'candidate-score').textContent).toBe('score 0.82');
    expect(button(card, 'Roll back').disabled).toBe(true);
    expect(button(card, 'Kill switch').disabled).toBe(true);
    expect(button(card, 'Roll back').getAttribute('aria-describedby')).toBe('candidates-blocked');
    expect(byTestId(c, 'blocked-reason').textContent).toBe(
      'Offline: the control plane does not answer. Showing the replica as of 03:12:07 UTC; actions need the control plane.',
    );
    expect(byTestId(c, 'change-row-117')).toBeTruthy();
  });

  it('actions come back when sync is live again', async () => {
    m = await mountApp({ ...liveReplica('alice', 'admin'), syncState: async () => ({ ok: true, value: offline }) });
    await inAct(() =>
      m!.fake.emit('sync:changed', {
        kind: 'live',
        url: 'http://127.0.0.1:4000',
        roundTripMs: 7,
        since: '2026-11-25T03:20:00.000Z',
      }),
    );
    // The latency shown is the latest probe's (4 ms in the fixture), not the one measured when sync connected.
    expect(byTestId(m.container, 'connection-state').textContent).toBe('Live · 4 ms');
    expect(button(byTestId(m.container, 'candidate-1'), 'Roll back').disabled).toBe(false);
    expect(m.container.querySelector('[data-testid="blocked-reason"]')).toBeNull();
  });
});
