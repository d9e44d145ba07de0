import { afterEach, describe, expect, it } from 'vitest';
import { incidentPage, liveReplica, oldIncident, receipt } from '../../test-support/fixtures.ts';
import { byTestId, click, mountApp, type Mounted } from '../../test-support/render.tsx';

let m: Mounted | null = null;
afterEach(() => {
  m?.unmount();
  m = null;
});

const use = (idx: number, at: string) => ({
  idx,
  actor: 'carol',
  flag: 'core.ledger.writes',
  env: 'production',
  reason: `use ${idx}`,
  at,
  acknowledgedBy: null,
  acknowledgedAt: null,
});

describe('the selected incident', () => {
  it('shows the break-glass uses made during it, not those from before', async () => {
    m = await mountApp({
      ...liveReplica(),
      breakGlassRecent: async () => ({
        ok: true,
        value: [use(130, '2026-11-25T03:20:00.000Z'), use(90, '2026-11-25T02:00:00.000Z')],
      }),
    });
    const during = byTestId(m.container, 'incident-break-glass');
    expect(during.textContent).toContain('use 130');
    expect(during.textContent).not.toContain('use 90');
  });

  it('is acknowledged and resolved through the control plane, each step saying what happened', async () => {
    m = await mountApp({
      ...liveReplica('alice', 'responder'),
      incidentsAcknowledge: async () => ({ ok: true, value: { ...receipt('ack-1'), action: 'incidents:acknowledge' } }),
    });
    const head = byTestId(m.container, 'incident-head');
    expect(byTestId(head, 'incident-status').textContent).toBe('triggered');
    await click(byTestId(head, 'incident-acknowledge'));
    expect(m.fake.argsOf('incidentsAcknowledge')).toEqual([{ id: 'inc-1' }]);
    expect(byTestId(head, 'incident-action-status').textContent).toBe(
      'Acknowledged (ledger #123); waiting for it to arrive verified…',
    );
  });

  it('a viewer is told why they cannot acknowledge', async () => {
    m = await mountApp({ ...liveReplica('vic', 'viewer') });
    const ack = byTestId<HTMLButtonElement>(m.container, 'incident-acknowledge');
    expect(ack.disabled).toBe(true);
    expect(ack.title).toBe(
      'Your role viewer cannot acknowledge or resolve incidents (needs responder or approver or admin); ask an admin.',
    );
  });

  it('with only resolved incidents, the screen is calm: nothing active, nothing selected', async () => {
    m = await mountApp({
      ...liveReplica(),
      incidentsList: async (a) => ({ ok: true, value: incidentPage([oldIncident], a) }),
    });
    expect(byTestId(m.container, 'nothing-active').textContent).toContain('Nothing active.');
    expect(m.store.getState().selection).toBeNull();
  });
});
