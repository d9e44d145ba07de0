import { afterEach, describe, expect, it } from 'vitest';
import { liveReplica, lowFlag, receipt } from '../../test-support/fixtures.ts';
import { fleetStep, fleetView } from '../../test-support/fleet-fixtures.ts';
import type { FleetRoundTrip } from '../../../../shared/ipc/contract.ts';
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

const withFleet = (live = true) => ({
  ...liveReplica('alice', 'responder'),
  fleetGet: async () => ({ ok: true as const, value: fleetView(live) }),
  flagsGet: async () => ({ ok: true as const, value: lowFlag }),
});

async function select(el: HTMLSelectElement, value: string): Promise<void> {
  await inAct(() => {
    el.value = value;
    el.dispatchEvent(new Event('change', { bubbles: true }));
  });
}

describe('the SDK fleet view', () => {
  it('opens from the incident with the paging service first: its instances by state, with how long', async () => {
    m = await mountApp(withFleet());
    const button = byTestId(m.container, 'incident-fleet');
    expect(button.textContent).toBe('Fleet: 1/3 current');
    await click(button);
    const dialog = byTestId(m.container, 'fleet-dialog');
    expect(byTestId(dialog, 'fleet-freshness').dataset['live']).toBe('true');
    expect(byTestId(dialog, 'fleet-freshness').textContent).toContain('5 SDK instances in production');
    expect(byTestId<HTMLSelectElement>(dialog, 'fleet-filter').value).toBe('checkout');
    expect(dialog.querySelector('[data-testid="fleet-service-payments"]')).toBeNull();
    const checkout = byTestId(dialog, 'fleet-service-checkout');
    expect(checkout.querySelector('h3')?.textContent).toBe(
      'checkout · 1 of 3 on the latest version, 1 on last-known-good, 1 disconnected',
    );
    // Trouble first: disconnected, then last-known-good, then current.
    expect([...checkout.querySelectorAll('tbody tr')].map((r) => (r as HTMLElement).dataset['state'])).toEqual([
      'disconnected',
      'last_known_good',
      'current',
    ]);
    expect(byTestId(byTestId(checkout, 'fleet-instance-chk-3'), 'fleet-instance-state').textContent).toMatch(
      /^on last-known-good for \d+ (s|min|h|d) \(since 03:04:00 UTC\)$/,
    );
    await select(byTestId<HTMLSelectElement>(dialog, 'fleet-filter'), '');
    const services = [...dialog.querySelectorAll('.fleet-service')].map((s) => (s as HTMLElement).dataset['testid']);
    expect(services).toEqual(['fleet-service-checkout', 'fleet-service-payments']);
    expect(
      byTestId(byTestId(dialog, 'fleet-instance-pay-2'), 'fleet-instance-state').textContent?.startsWith(
        'behind by 3 versions for',
      ),
    ).toBe(true);
    await key({ key: 'Escape' }, dialog);
    expect(m.container.querySelector('[data-testid="fleet-dialog"]')).toBeNull();
  });

  it('offline, shows the last snapshot dated, aged at the time it was made, and never as live', async () => {
    m = await mountApp(withFleet(false));
    expect(byTestId(m.container, 'incident-fleet').textContent).toBe('Fleet: 1/3 current (not live)');
    await inAct(() => m?.store.getState().openDialog({ kind: 'fleet', service: null }));
    const f = byTestId(m.container, 'fleet-freshness');
    expect(f.dataset['live']).toBe('false');
    expect(f.textContent).toContain('Not live As of 2026-11-25 03:13:00 UTC');
    expect(f.textContent).toContain('instances may have changed since');
    // 03:13:00 − 03:04:00: the age the console could see, not the time that passed since.
    expect(byTestId(byTestId(m.container, 'fleet-instance-chk-3'), 'fleet-instance-state').textContent).toBe(
      'on last-known-good for 9 min (since 03:04:00 UTC)',
    );
  });

  it('follows fleet:changed pushes, and says when no fleet was received yet', async () => {
    m = await mountApp({
      ...withFleet(),
      fleetGet: async () => ({
        ok: true as const,
        value: { environment: 'production', snapshot: null, receivedAt: null, live: false },
      }),
    });
    await inAct(() => m?.store.getState().openDialog({ kind: 'fleet', service: 'checkout' }));
    expect(byTestId(m.container, 'fleet-empty').textContent).toContain('not received the SDK fleet of production');
    await inAct(() => m?.fake.emit('fleet:changed', fleetView()));
    expect(m.container.querySelector('[data-testid="fleet-empty"]')).toBeNull();
    expect(byTestId(m.container, 'fleet-instance-chk-1')).toBeTruthy();
  });

  it('opens with F, the incident service first, and focus on the service selector', async () => {
    m = await mountApp(withFleet());
    await key({ key: 'f' });
    expect(document.activeElement).toBe(byTestId(m.container, 'fleet-filter'));
    expect(byTestId<HTMLSelectElement>(m.container, 'fleet-filter').value).toBe('checkout');
  });

  it('is in the command palette, per service too', async () => {
    m = await mountApp(withFleet());
    await key({ key: 'k', ctrlKey: true });
    const input = byTestId<HTMLInputElement>(m.container, 'palette-input');
    await type(input, 'sdk fleet');
    expect(byTestId(m.container, 'command-fleet').textContent).toContain('Open the SDK fleet (checkout first)');
    expect(byTestId(m.container, 'command-fleet-payments').textContent).toContain(
      'SDK fleet of payments: 1 of 2 on the latest version, 1 behind',
    );
    await type(input, 'sdk fleet of payments');
    await key({ key: 'Enter' }, input);
    expect(byTestId<HTMLSelectElement>(m.container, 'fleet-filter').value).toBe('payments');
  });
});

describe("the round trip's last step", () => {
  /** Sends a kill from its dialog; the round trip shows in the dialog. */
  async function killed(): Promise<{ mm: Mounted; dialog: HTMLElement }> {
    const mm = await mountApp({ ...withFleet(), actionsKill: async () => ({ ok: true, value: receipt('kill-1') }) });
    m = mm;
    await inAct(() => mm.store.getState().openDialog({ kind: 'kill', flag: lowFlag.key, env: 'production' }));
    const dialog = byTestId(mm.container, 'kill-dialog');
    await reasonAndConfirm(dialog, 'tax errors 5xx');
    await click(byTestId(dialog, 'kill-submit'));
    return { mm, dialog };
  }
  const update = (mm: Mounted, fleet: FleetRoundTrip) =>
    inAct(() => mm.fake.emit('actions:updated', { ...receipt('kill-1', 'verified'), action: 'actions:kill', fleet }));

  it('says applied by every SDK instance, with p50 and max ms', async () => {
    const { mm, dialog } = await killed();
    expect(dialog.querySelector('[data-testid="round-trip-fleet"]')).toBeNull();
    await update(mm, { ...fleetStep('checking', 0, 0), k: null, n: null });
    expect(byTestId(dialog, 'round-trip-fleet-summary').textContent).toBe(
      'Asking the control plane which SDK instances applied it…',
    );
    await update(mm, fleetStep('complete', 5, 5));
    const step = byTestId(dialog, 'round-trip-fleet');
    expect(step.dataset['status']).toBe('complete');
    expect(step.className).toBe('done');
    expect(byTestId(step, 'round-trip-fleet-summary').textContent).toBe(
      'Applied by 5 of 5 SDK instances (p50 4 ms, max 9 ms after the commit)',
    );
    expect(step.querySelector('ul')).toBeNull();
  });

  it('offline: says it could not be checked, and counts nobody', async () => {
    const { mm, dialog } = await killed();
    await update(mm, {
      ...fleetStep('unchecked', 0, 0),
      k: null,
      n: null,
      p50Ms: null,
      maxMs: null,
      checkedAt: null,
      error: { code: 'E_FLEET_UNCHECKED', message: 'Which SDK instances applied entry #123 could not be checked.' },
    });
    const text = byTestId(dialog, 'round-trip-fleet-summary').textContent ?? '';
    expect(text).toBe(
      'Could not check which SDK instances applied it — Which SDK instances applied entry #123 could not be checked.',
    );
    expect(text).not.toMatch(/of \d+ SDK/);
  });

  it('names the straggler, raises the alert line after 5 s, and leads to the fleet view', async () => {
    const { mm, dialog } = await killed();
    await update(mm, fleetStep('checking', 4, 5));
    expect(byTestId(dialog, 'round-trip-fleet-summary').textContent).toBe(
      'Applied by 4 of 5 SDK instances so far (p50 4 ms, max 9 ms after the commit); waiting for the rest…',
    );
    expect(mm.container.querySelector('[data-testid="fleet-alert-banner"]')).toBeNull();
    await update(mm, fleetStep('partial', 4, 5, true));
    expect(byTestId(dialog, 'round-trip-fleet-alert').textContent).toBe(
      'Still behind 5 s after the commit: 1 SDK instance serves what was there before.',
    );
    expect(byTestId(dialog, 'round-trip-straggler-chk-3').textContent).toMatch(
      /^chk-3 \(checkout\) on host ip-10-2-3-4 — on config version 96, serving its last-known-good since 03:04:00 UTC \(\d+ (s|min|h|d)\)$/,
    );
    const banner = byTestId(mm.container, 'fleet-alert-banner');
    expect(banner.textContent).toContain('The kill switch (#123) has not reached 1 SDK instance');
    expect(banner.textContent).toContain('applied by 4 of 5 after 5 s');
    await click(byTestId(banner, 'fleet-alert-open'));
    expect(byTestId<HTMLSelectElement>(mm.container, 'fleet-filter').value).toBe('checkout');
    await click(button(byTestId(mm.container, 'fleet-alert-banner'), 'Dismiss'));
    expect(mm.container.querySelector('[data-testid="fleet-alert-banner"]')).toBeNull();
  });
});
