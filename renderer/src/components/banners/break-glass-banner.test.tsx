import { afterEach, describe, expect, it } from 'vitest';
import { liveReplica } from '../../test-support/fixtures.ts';
import { button, byTestId, click, inAct, mountApp, type Mounted } from '../../test-support/render.tsx';

let m: Mounted | null = null;
afterEach(() => {
  m?.unmount();
  m = null;
});

describe('break-glass banner', () => {
  it('stays until acknowledged, on any screen', async () => {
    m = await mountApp({ ...liveReplica(), breakGlassAcknowledge: async () => ({ ok: true, value: null }) });
    await inAct(() =>
      m!.fake.emit('breakGlass:used', {
        idx: 131,
        actor: 'carol',
        flag: 'core.ledger.writes',
        env: 'production',
        reason: 'ledger corrupting balances',
        at: '2026-11-25T03:20:00.000Z',
      }),
    );
    const banner = byTestId(m.container, 'break-glass-banner');
    expect(banner.getAttribute('role')).toBe('alert');
    expect(banner.textContent).toContain(
      'BREAK-GLASS USED by carol at 03:20:00 UTC on core.ledger.writes in production',
    );
    await click(banner.querySelector('button')!);
    expect(m.fake.argsOf('breakGlassAcknowledge')).toEqual([{ idx: 131 }]);
    expect(m.container.querySelector('[data-testid="break-glass-banner"]')).toBeNull();
  });

  it('many uses collapse to the latest, with "+N more" and "Acknowledge all"', async () => {
    m = await mountApp({ ...liveReplica(), breakGlassAcknowledge: async () => ({ ok: true, value: null }) });
    const use = (idx: number) => ({
      idx,
      actor: 'carol',
      flag: 'core.ledger.writes',
      env: 'production',
      reason: `use ${idx}`,
      at: '2026-11-25T03:20:00.000Z',
    });
    await inAct(() => {
      m!.fake.emit('breakGlass:used', use(140));
      m!.fake.emit('breakGlass:used', use(150));
    });
    const banner = byTestId(m.container, 'break-glass-banner');
    expect(banner.textContent).toContain('use 150');
    expect(banner.textContent).not.toContain('use 140');
    await click(button(banner, '+1 more unacknowledged'));
    expect(banner.textContent).toContain('use 140');
    await click(button(banner, 'Acknowledge all 2'));
    expect(m.fake.argsOf('breakGlassAcknowledge')).toEqual([{ idx: 150 }, { idx: 140 }]);
    expect(m.container.querySelector('[data-testid="break-glass-banner"]')).toBeNull();
  });
});
