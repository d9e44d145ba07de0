import { describe, expect, it } from 'vitest';
import { ProgressMeter } from './progress.ts';

describe('ProgressMeter', () => {
  it('reports rate and ETA over a sliding window', () => {
    let t = 0;
    const m = new ProgressMeter(5000, () => t);
    expect(m.update(0, 1000)).toEqual({ done: 0, total: 1000, ratePerSecond: 0, etaSeconds: null });
    t = 1000;
    expect(m.update(100, 1000)).toEqual({ done: 100, total: 1000, ratePerSecond: 100, etaSeconds: 9 });
    t = 2000;
    expect(m.update(300, 1000)).toEqual({ done: 300, total: 1000, ratePerSecond: 150, etaSeconds: 5 });
  });

  it('forgets samples older than the window so the rate follows the recent speed', () => {
    let t = 0;
    const m = new ProgressMeter(2000, () => t);
    m.update(0, 10_000);
    for (t = 1000; t <= 10_000; t += 1000) m.update((t / 1000) * 10, 10_000);
    t = 11_000;
    const p = m.update(1100, 10_000);
    expect(p.ratePerSecond).toBe(505);
    expect(p.etaSeconds).toBe(18);
  });

  it('reports ETA 0 when done and restarts after a reset or a smaller done', () => {
    let t = 0;
    const m = new ProgressMeter(5000, () => t);
    m.update(0, 10);
    t = 1000;
    expect(m.update(10, 10).etaSeconds).toBe(0);
    t = 1100;
    expect(m.update(2, 10)).toEqual({ done: 2, total: 10, ratePerSecond: 0, etaSeconds: null });
  });
});
