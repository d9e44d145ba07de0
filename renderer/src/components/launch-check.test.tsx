import { afterEach, describe, expect, it } from 'vitest';
import { LAUNCH_CHECK_RUN_ID, type VerificationStatus } from '../../../shared/ipc/contract.ts';
import { liveReplica, status } from '../test-support/fixtures.ts';
import { button, byTestId, click, inAct, mountApp, type Mounted } from '../test-support/render.tsx';

let m: Mounted | null = null;
afterEach(() => {
  m?.unmount();
  m = null;
});

const checking: VerificationStatus = { ...status, deepCheck: { done: 0, total: 120 } };

describe('the deep check after launch', () => {
  it('shows its progress in the badge and nothing as verified until it ends; actions stay available', async () => {
    let current = checking;
    m = await mountApp({ ...liveReplica('alice', 'admin'), verifyStatus: async () => ({ ok: true, value: current }) });
    const c = m.container;
    await inAct(() => m!.fake.emit('verify:progressed', { runId: LAUNCH_CHECK_RUN_ID, done: 64, total: 120 }));
    const badge = byTestId(c, 'verification-badge');
    expect([badge.dataset['state'], badge.textContent]).toEqual(['verifying', 'verifying 64 / 120']);
    const card = byTestId(c, 'candidate-1');
    expect(byTestId(card, 'badge-verifying').textContent).toBe('verification in progress');
    expect(card.querySelector('[data-testid="badge-verified"]')).toBeNull();
    expect(button(card, 'Roll back').disabled).toBe(false);
    expect(byTestId(c, 'change-row-117').querySelector('[aria-label="verification in progress"]')).not.toBeNull();
    await click(badge);
    expect(byTestId(c, 'verification-status').textContent).toBe(
      'verification in progress: 64 of 120 entries re-verified since the console started',
    );

    current = { ...status, deepCheck: null };
    await inAct(() =>
      m!.fake.emit('verify:finished', {
        runId: LAUNCH_CHECK_RUN_ID,
        kind: 'verified',
        size: 120,
        rootHex: status.rootHex ?? '',
        seconds: 1.2,
        mode: 'deep',
      }),
    );
    expect(byTestId(c, 'verification-badge').dataset['state']).toBe('verified');
    expect(byTestId(byTestId(c, 'candidate-1'), 'badge-verified').textContent).toBe('✓ verified');
    expect(byTestId(c, 'change-row-117').querySelector('[aria-label="verified"]')).not.toBeNull();
  });

  it('an alert it finds turns the badge red; no candidate is shown as verified', async () => {
    m = await mountApp({ ...liveReplica('alice', 'admin'), verifyStatus: async () => ({ ok: true, value: checking }) });
    const alert = {
      id: -1,
      kind: 'launch-check',
      code: 'LEAF_HASH_MISMATCH',
      idx: 9000,
      detail:
        'the leaf bytes of entry 9000 do not hash to its stored leaf hash (found when the console opened this replica)',
      notes: [],
      at: '2026-11-25T03:15:00.000Z',
    };
    await inAct(() => m!.fake.emit('ledger:alerted', alert));
    const badge = byTestId(m.container, 'verification-badge');
    expect([badge.dataset['state'], badge.textContent]).toEqual(['alert', 'ALERT LEAF_HASH_MISMATCH at entry #9000']);
    const card = byTestId(m.container, 'candidate-1');
    expect(card.querySelector('[data-testid="badge-verified"]')).toBeNull();
    expect(byTestId(card, 'badge-unverified').textContent).toBe('unverified');
  });
});
