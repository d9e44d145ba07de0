import { afterEach, describe, expect, it } from 'vitest';
import { liveReplica } from '../../test-support/fixtures.ts';
import { button, byTestId, click, mountApp, type, type Mounted } from '../../test-support/render.tsx';
import { localToIso } from './manual-incident-dialog.tsx';

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
});
