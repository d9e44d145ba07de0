import { afterEach, describe, expect, it } from 'vitest';
import { liveReplica } from '../../test-support/fixtures.ts';
import { button, byTestId, click, mountApp, type, type Mounted } from '../../test-support/render.tsx';
import { localToIso, suggestServices } from './manual-incident-dialog.tsx';

let m: Mounted | null = null;
afterEach(() => {
  m?.unmount();
  m = null;
});

describe('incident at time…', () => {
  it('parses local date-times and rejects partial input', () => {
    expect(localToIso('2026-11-25T03:12')).toBe(new Date('2026-11-25T03:12').toISOString());
    expect(localToIso('2026-11-25')).toBeNull();
    expect(localToIso('')).toBeNull();
  });

  it('ranks the changes before the typed time for the chosen service', async () => {
    m = await mountApp(liveReplica());
    await click(byTestId(m.container, 'manual-incident-open'));
    const dialog = byTestId(m.container, 'manual-incident-dialog');
    expect(document.activeElement?.id).toBe('manual-at');
    await type(dialog.querySelector<HTMLInputElement>('#manual-at')!, '2026-11-25T03:10:00');
    await type(dialog.querySelector<HTMLInputElement>('#manual-service')!, 'checkout');
    await click(button(dialog, 'Rank changes before this time'));
    expect(m.fake.argsOf('correlationRank').at(-1)).toEqual({
      at: new Date('2026-11-25T03:10:00').toISOString(),
      service: 'checkout',
      limit: 3,
    });
    expect(byTestId(m.container, 'manual-selection').textContent).toContain('checkout');
  });

  it('refuses a time in the future with E_TIME_IN_FUTURE and keeps the dialog open', async () => {
    m = await mountApp(liveReplica());
    await click(byTestId(m.container, 'manual-incident-open'));
    const dialog = byTestId(m.container, 'manual-incident-dialog');
    await type(dialog.querySelector<HTMLInputElement>('#manual-at')!, '2030-01-01T00:00:00');
    expect(byTestId(dialog, 'error-line').textContent).toContain('E_TIME_IN_FUTURE');
    expect(byTestId(dialog, 'error-line').textContent).toContain('is in the future');
    expect(button(dialog, 'Rank changes before this time').disabled).toBe(true);
    expect(m.fake.argsOf('correlationRank').some((a) => 'at' in (a as object))).toBe(false);
  });

  it('offers the known service for a misspelling and takes a new one only explicitly', async () => {
    expect(suggestServices('paymnts', ['checkout', 'payments', 'search'])).toEqual(['payments']);
    expect(suggestServices('chec', ['checkout', 'payments'])).toEqual(['checkout']);
    m = await mountApp(liveReplica());
    await click(byTestId(m.container, 'manual-incident-open'));
    const dialog = byTestId(m.container, 'manual-incident-dialog');
    await type(dialog.querySelector<HTMLInputElement>('#manual-at')!, '2026-11-25T03:10:00');
    await type(dialog.querySelector<HTMLInputElement>('#manual-service')!, 'chekout');
    expect(byTestId(dialog, 'service-unknown').textContent).toContain('“chekout” is not a service this replica knows');
    expect(button(dialog, 'Rank changes before this time').disabled).toBe(true);
    await click(byTestId(dialog, 'service-suggestion-checkout'));
    expect(dialog.querySelector<HTMLInputElement>('#manual-service')!.value).toBe('checkout');
    expect(dialog.querySelector('[data-testid="service-unknown"]')).toBeNull();
    await type(dialog.querySelector<HTMLInputElement>('#manual-service')!, 'ledger-writer');
    await click(byTestId(dialog, 'service-allow-new'));
    await click(button(dialog, 'Rank changes before this time'));
    expect(m.fake.argsOf('correlationRank').at(-1)).toMatchObject({ service: 'ledger-writer' });
  });
});
