import { describe, expect, it } from 'vitest';
import { frameStats, formatTable, median, quantile } from './stats.ts';

describe('frameStats', () => {
  it('reads median fps and the p95 frame time from rAF timestamps', () => {
    // 19 frames of 16 ms and one of 100 ms: the median is 16 ms, the 95th percentile the 16 ms frame, the max 100 ms.
    const ts = [0];
    for (let i = 0; i < 19; i++) ts.push((ts[ts.length - 1] ?? 0) + 16);
    ts.push((ts[ts.length - 1] ?? 0) + 100);
    const s = frameStats(ts);
    expect(s.frames).toBe(20);
    expect(s.medianFrameMs).toBe(16);
    expect(s.medianFps).toBe(62.5);
    expect(s.p95FrameMs).toBe(16);
    expect(s.maxFrameMs).toBe(100);
    expect(s.longFrames).toBe(1);
    expect(s.averageFps).toBeCloseTo(20_000 / 404, 10);
  });

  it('puts a hitch into the p95 once more than 5% of the frames are long', () => {
    const ts = [0, 16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 272, 288, 388, 488];
    expect(frameStats(ts).p95FrameMs).toBe(100);
    expect(frameStats(ts).longFrames).toBe(2);
  });
});

describe('quantile and median', () => {
  it('uses the nearest rank and averages the middle pair', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4], 1)).toBe(4);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('formatTable', () => {
  it('prints the ratio large/small and judges the target on the large replica', () => {
    const text = formatTable(
      [
        { label: 'load', small: 500, large: 2000, unit: 'ms', digits: 0, target: { op: '<=', value: 1500 } },
        { label: 'fps', small: 60, large: 58, unit: 'fps', digits: 1, target: { op: '>=', value: 55 } },
        { label: 'info', small: null, large: 3, unit: 'x', digits: 0, target: null },
      ],
      'small',
      'large',
    );
    const lines = text.split('\n');
    expect(lines[1]).toMatch(/^load +500 ms +2000 ms +4\.00x +≤ 1500 ms: MISSED$/);
    expect(lines[2]).toMatch(/^fps +60\.0 fps +58\.0 fps +0\.97x +≥ 55 fps: MET$/);
    expect(lines[3]).toMatch(/^info +n\/a +3 x +n\/a$/);
  });
});
