import { afterEach, describe, expect, it } from 'vitest';
import { liveReplica } from '../test-support/fixtures.ts';
import { byTestId, click, inAct, mountApp, type Mounted } from '../test-support/render.tsx';

let m: Mounted | null = null;
afterEach(() => {
  m?.unmount();
  m = null;
});

describe('errors are shown with their code', () => {
  it('a failed ranking and failed metrics show code and message in their panels', async () => {
    m = await mountApp({
      ...liveReplica(),
      correlationRank: async () => ({
        ok: false,
        error: { code: 'E_INCIDENT_NOT_FOUND', message: 'Incident inc-1 is not in the replica yet; wait for sync.' },
      }),
    });
    const err = byTestId(byTestId(m.container, 'candidates'), 'error-line');
    expect(err.getAttribute('role')).toBe('alert');
    expect(err.querySelector('code')?.textContent).toBe('E_INCIDENT_NOT_FOUND');
    expect(err.textContent).toContain('Incident inc-1 is not in the replica yet; wait for sync.');
  });

  it('a background failure shows the banner until dismissed', async () => {
    m = await mountApp({
      connectionProbe: async () => ({
        ok: false,
        error: { code: 'E_CONTROL_PLANE_UNREACHABLE', message: 'The control plane did not answer.' },
      }),
    });
    await inAct(() => m!.store.getState().probe());
    const banner = byTestId(m.container, 'error-banner');
    expect(banner.querySelector('code')?.textContent).toBe('E_CONTROL_PLANE_UNREACHABLE');
    await click(banner.querySelector('button')!);
    expect(m.container.querySelector('[data-testid="error-banner"]')).toBeNull();
  });

  it('a failed metrics call keeps the chart panel with the error and the markers', async () => {
    m = await mountApp({
      ...liveReplica(),
      metricsSeries: async () => ({
        ok: false,
        error: { code: 'E_METRICS_UNAVAILABLE', message: 'No metrics for checkout.' },
      }),
    });
    const panel = byTestId(m.container, 'timeline');
    expect(byTestId(panel, 'error-line').textContent).toContain('E_METRICS_UNAVAILABLE');
  });
});
