import { afterEach, describe, expect, it } from 'vitest';
import { liveReplica } from '../../test-support/fixtures.ts';
import { button, byTestId, click, inAct, mountApp, type Mounted } from '../../test-support/render.tsx';

let m: Mounted | null = null;
afterEach(() => {
  m?.unmount();
  m = null;
});

const use = (idx: number, reason = `use ${idx}`) => ({
  idx,
  actor: 'carol',
  flag: 'core.ledger.writes',
  env: 'production',
  reason,
  at: '2026-11-25T03:20:00.000Z',
});

describe('break-glass line', () => {
  it('is one line naming the latest use until acknowledged; the acknowledged use stays in the list', async () => {
    m = await mountApp({ ...liveReplica(), breakGlassAcknowledge: async () => ({ ok: true, value: null }) });
    await inAct(() => m!.fake.emit('breakGlass:used', use(131, 'ledger corrupting balances')));
    const line = byTestId(m.container, 'break-glass-banner');
    expect(byTestId(line, 'break-glass-summary').getAttribute('role')).toBe('alert');
    expect(byTestId(line, 'break-glass-summary').textContent).toBe(
      'Break-glass used · latest: carol at 2026-11-25 03:20:00 UTC on core.ledger.writes in production — “ledger corrupting balances” (ledger #131)',
    );
    await click(button(line, 'Review 1'));
    await click(line.querySelector<HTMLButtonElement>('button[aria-label="Acknowledge break-glass use #131"]')!);
    expect(m.fake.argsOf('breakGlassAcknowledge')).toEqual([{ idx: 131 }]);
    expect(m.container.querySelector('[data-testid="break-glass-banner"]')).toBeNull();
    expect(m.store.getState().breakGlassUses[0]?.acknowledgedBy).toBe('alice');
  });

  it('many uses: the count and the latest on the line, the rest in the list, "Acknowledge all"', async () => {
    m = await mountApp({ ...liveReplica(), breakGlassAcknowledge: async () => ({ ok: true, value: null }) });
    await inAct(() => {
      m!.fake.emit('breakGlass:used', use(140));
      m!.fake.emit('breakGlass:used', use(150));
    });
    const line = byTestId(m.container, 'break-glass-banner');
    expect(byTestId(line, 'break-glass-summary').textContent).toContain('· 2 unacknowledged · latest: carol');
    expect(line.textContent).toContain('use 150');
    expect(line.textContent).not.toContain('use 140');
    await click(button(line, 'Review 2'));
    expect(byTestId(line, 'break-glass-use-140').textContent).toContain('use 140');
    await click(button(line, 'Acknowledge all 2'));
    expect(m.fake.argsOf('breakGlassAcknowledge')).toEqual([{ idx: 150 }, { idx: 140 }]);
    expect(m.container.querySelector('[data-testid="break-glass-banner"]')).toBeNull();
  });
});
