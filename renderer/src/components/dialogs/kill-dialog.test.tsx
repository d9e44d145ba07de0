import { afterEach, describe, expect, it } from 'vitest';
import { blockedFlag, liveReplica, lowFlag, receipt } from '../../test-support/fixtures.ts';
import {
  button,
  byTestId,
  click,
  inAct,
  key,
  mountApp,
  reasonAndConfirm,
  type,
  type Mounted,
} from '../../test-support/render.tsx';

let m: Mounted | null = null;
afterEach(() => {
  m?.unmount();
  m = null;
});

async function openKill(flag: string | null, env: string | null, overrides = {}): Promise<Mounted> {
  m = await mountApp({ ...liveReplica('alice', 'responder'), ...overrides });
  const store = m.store;
  await inAct(() => store.getState().openDialog({ kind: 'kill', flag, env }));
  return m;
}

describe('kill switch dialog', () => {
  it('requires a reason of 10 characters and the confirmation, then shows the round trip', async () => {
    const { container, fake } = await openKill(lowFlag.key, 'production', {
      actionsKill: async () => ({ ok: true, value: receipt('kill-1') }),
    });
    const dialog = byTestId(container, 'kill-dialog');
    expect(byTestId(dialog, 'flag-tier').textContent).toBe('LOW');
    expect(byTestId(dialog, 'flag-safe-default').textContent).toBe('off · 0 %');
    expect(byTestId(dialog, 'blast-radius').textContent).toContain('checkout');
    const submit = byTestId<HTMLButtonElement>(dialog, 'kill-submit');
    expect(submit.disabled).toBe(true);
    await reasonAndConfirm(dialog, 'too short', true); // 9 characters
    expect(submit.disabled).toBe(true);
    await reasonAndConfirm(dialog, 'tax errors 5xx', false);
    expect(submit.disabled).toBe(false);
    await click(dialog.querySelector<HTMLInputElement>('.reason-confirm input[type="checkbox"]')!); // untick
    expect(submit.disabled).toBe(true);
    await click(dialog.querySelector<HTMLInputElement>('.reason-confirm input[type="checkbox"]')!);
    await click(submit);
    expect(fake.argsOf('actionsKill')).toEqual([
      { flag: 'payments.checkout.new-tax', env: 'production', reason: 'tax errors 5xx' },
    ]);
    expect(byTestId(dialog, 'round-trip-applied').textContent).toBe(
      'Applied by the control plane as ledger entry #123 (41 ms)',
    );
    await inAct(() => fake.emit('actions:updated', receipt('kill-1', 'verified')));
    expect(byTestId(dialog, 'round-trip-verified').textContent).toBe(
      'Arrived verified in this replica (212 ms after sending)',
    );
  });

  it('counts visible characters: ten spaces or zero-width spaces say how many more are needed', async () => {
    const { container } = await openKill(lowFlag.key, 'production');
    const dialog = byTestId(container, 'kill-dialog');
    const submit = byTestId<HTMLButtonElement>(dialog, 'kill-submit');
    const hint = (): string | null => dialog.querySelector('[data-testid="reason-hint"]')?.textContent ?? null;
    expect(hint()).toBe('10 more characters needed (at least 10; spaces and invisible characters do not count).');
    await reasonAndConfirm(dialog, ' '.repeat(10), true);
    expect(submit.disabled).toBe(true);
    expect(hint()).toBe('10 more characters needed (at least 10; spaces and invisible characters do not count).');
    expect(dialog.querySelector('.reason-confirm .count')?.textContent).toBe('0/10');
    await reasonAndConfirm(dialog, '\u200b'.repeat(9) + 'tax 5xx', false);
    expect(hint()).toBe('4 more characters needed (at least 10; spaces and invisible characters do not count).');
    expect(submit.disabled).toBe(true);
    await reasonAndConfirm(dialog, 'tax errors 5xx', false);
    expect(hint()).toBeNull();
    expect(submit.disabled).toBe(false);
  });

  it('on an Unleash profile a BLOCKED (or untagged) flag is killed directly, and the dialog says why', async () => {
    const live = liveReplica('alice', 'responder');
    const { container, fake } = await openKill(blockedFlag.key, 'production', {
      profilesList: async () => {
        const r = await live.profilesList!(null);
        return r.ok ? { ok: true, value: r.value.map((p) => ({ ...p, source: 'unleash' as const })) } : r;
      },
      actionsKill: async () => ({ ok: true, value: receipt('kill-u') }),
    });
    const dialog = byTestId(container, 'kill-dialog');
    expect(byTestId(dialog, 'no-four-eyes-note').textContent).toBe(
      "This flag's tier is BLOCKED (or unknown: no tier tag in Unleash), but Unleash has no four-eyes gate: the kill goes through directly.",
    );
    expect(dialog.querySelector('[data-testid="blocked-routes"]')).toBeNull();
    await reasonAndConfirm(dialog, 'ledger writes corrupt');
    await click(byTestId<HTMLButtonElement>(dialog, 'kill-submit'));
    expect(fake.argsOf('actionsKill')).toEqual([
      { flag: 'core.ledger.writes', env: 'production', reason: 'ledger writes corrupt', breakGlassToken: undefined },
    ]);
    expect(byTestId(dialog, 'round-trip-applied').textContent).toContain('Unleash');
  });

  it('BLOCKED flags cannot be killed directly: routes to a change request or break-glass', async () => {
    const { container, fake } = await openKill(blockedFlag.key, 'production', {
      changeRequestsCreate: async () => ({ ok: true, value: receipt('cr-k') }),
      breakGlassIssue: async () => ({
        ok: true,
        value: { tokenId: 'bg-1', token: 'bg-secret', expiresAt: '2999-01-01T00:00:00.000Z' },
      }),
      actionsKill: async () => ({ ok: true, value: receipt('kill-bg') }),
    });
    let dialog = byTestId(container, 'kill-dialog');
    await reasonAndConfirm(dialog, 'ledger writes corrupt');
    expect(byTestId<HTMLButtonElement>(dialog, 'kill-submit').disabled).toBe(true);
    expect(byTestId(dialog, 'blocked-routes').textContent).toContain('two other approvers');
    await click(byTestId(dialog, 'route-change-request'));
    expect(fake.argsOf('changeRequestsCreate')).toEqual([
      {
        flag: 'core.ledger.writes',
        env: 'production',
        reason: 'ledger writes corrupt',
        after: { enabled: false, rollout_pct: 0, variation: 'on', rules: [], prerequisites: [] },
      },
    ]);
    await click(byTestId(dialog, 'route-break-glass'));
    const bg = byTestId(container, 'break-glass-dialog');
    expect(bg.querySelector<HTMLInputElement>('#bg-flags')!.value).toBe('core.ledger.writes');
    expect(byTestId(bg, 'break-glass-warning').textContent).toContain(
      'Every connected console and the on-call lead will be notified',
    );
    await reasonAndConfirm(bg, 'nineteen characters'); // 19: not enough
    expect(byTestId<HTMLButtonElement>(bg, 'break-glass-submit').disabled).toBe(true);
    await reasonAndConfirm(bg, 'ledger writes corrupting balances', false);
    await click(byTestId(bg, 'break-glass-submit'));
    expect(fake.argsOf('breakGlassIssue')).toEqual([
      {
        justification: 'ledger writes corrupting balances',
        flags: ['core.ledger.writes'],
        envs: ['production'],
        ttlMinutes: 15,
      },
    ]);
    dialog = byTestId(container, 'kill-dialog'); // back in the kill dialog, now covered by the token, reason kept
    expect(dialog.querySelector('textarea')!.value).toBe('ledger writes corrupt');
    await click(dialog.querySelector<HTMLInputElement>('.reason-confirm input[type="checkbox"]')!);
    const submit = byTestId<HTMLButtonElement>(dialog, 'kill-submit');
    expect(submit.textContent).toBe('Kill with break-glass token');
    await click(submit);
    expect(fake.argsOf('actionsKill')).toEqual([
      { flag: 'core.ledger.writes', env: 'production', reason: 'ledger writes corrupt', breakGlassToken: 'bg-secret' },
    ]);
    expect(m!.store.getState().grant).toBeNull(); // single use
  });

  it('APPROVAL_REQUIRED from the control plane shows its code and the routes', async () => {
    const { container } = await openKill(lowFlag.key, 'production', {
      actionsKill: async () => ({
        ok: false,
        error: { code: 'APPROVAL_REQUIRED', message: 'payments.checkout.new-tax is HIGH tier: open a change request.' },
      }),
    });
    const dialog = byTestId(container, 'kill-dialog');
    await reasonAndConfirm(dialog, 'tax errors 5xx');
    await click(byTestId(dialog, 'kill-submit'));
    expect(dialog.querySelector('.error-code')?.textContent).toBe('APPROVAL_REQUIRED');
    expect(byTestId(dialog, 'blocked-routes')).toBeTruthy();
  });

  it('type-ahead finds any flag and shows its impact', async () => {
    const { container, fake } = await openKill(null, null);
    const dialog = byTestId(container, 'kill-dialog');
    await type(byTestId<HTMLInputElement>(dialog, 'flag-search'), 'core');
    expect(fake.argsOf('flagsList').at(-1)).toEqual({ query: 'core', limit: 20 });
    expect(dialog.querySelectorAll('[role="option"]').length).toBe(2);
    await key({ key: 'ArrowDown' }, byTestId(dialog, 'flag-search'));
    await key({ key: 'Enter' }, byTestId(dialog, 'flag-search'));
    expect(byTestId(dialog, 'flag-tier').textContent).toBe('BLOCKED');
    expect(byTestId(dialog, 'blast-radius').textContent).toContain('core.ledger.audit');
    expect(button(dialog, 'Cancel')).toBeTruthy();
  });
});
