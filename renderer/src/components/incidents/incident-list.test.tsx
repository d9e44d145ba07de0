import { afterEach, describe, expect, it } from 'vitest';
import type { Incident } from '../../../../shared/ipc/contract.ts';
import { incident, incidentPage, liveReplica } from '../../test-support/fixtures.ts';
import { byTestId, click, inAct, mountApp, type Mounted } from '../../test-support/render.tsx';

let m: Mounted | null = null;
afterEach(() => {
  m?.unmount();
  m = null;
});

function resolved(n: number): Incident[] {
  return Array.from({ length: n }, (_, i) => ({
    ...incident,
    id: `PD-R${i}`,
    status: 'resolved' as const,
    idx: 1000 - i,
    triggeredAt: new Date(Date.UTC(2026, 10, 24, 12) - i * 60_000).toISOString(),
  }));
}

describe('incident list', () => {
  it('renders resolved incidents only when opened, fifty at a time', async () => {
    m = await mountApp({
      ...liveReplica(),
      incidentsList: async (a) => ({ ok: true, value: incidentPage([incident, ...resolved(120)], a) }),
    });
    const panel = m.container.querySelector('#incidents')!;
    const rendered = (): number => panel.querySelectorAll('[data-testid^="incident-PD-R"]').length;
    expect(panel.querySelector('summary')!.textContent).toBe('Resolved (120)');
    expect(rendered()).toBe(0);
    const details = panel.querySelector('details')!;
    await inAct(() => {
      details.open = true;
      details.dispatchEvent(new Event('toggle'));
    });
    expect(rendered()).toBe(50);
    expect(byTestId(m.container, 'incidents-show-more').textContent).toBe('Show 50 more (70 older)');
    await click(byTestId(m.container, 'incidents-show-more'));
    expect(rendered()).toBe(100);
    expect(byTestId(m.container, 'incidents-show-more').textContent).toBe('Show 20 more (20 older)');
    await click(byTestId(m.container, 'incidents-show-more'));
    expect(rendered()).toBe(120);
    expect(m.container.querySelector('[data-testid="incidents-show-more"]')).toBeNull();
    expect(panel.querySelector('[data-testid="incident-PD-R119"]')).not.toBeNull();
  });
});
