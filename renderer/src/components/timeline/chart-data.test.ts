import { describe, expect, it } from 'vitest';
import { row } from '../../test-support/fixtures.ts';
import { errorAxisTop, markerKind, toMarkers, toPoints } from './chart-data.ts';

describe('chart data', () => {
  it('distinguishes automatic rollbacks from other changes', () => {
    expect(markerKind('flag.auto_rolled_back')).toBe('auto-rollback');
    expect(markerKind('flag.rolled_back')).toBe('rollback');
    expect(markerKind('flag.killed')).toBe('kill');
    expect(markerKind('flag.updated')).toBe('change');
  });

  it('converts error rate to percent, sorts by time, and never invents values for an empty series', () => {
    const series = {
      service: 's',
      stepSeconds: 10,
      points: [
        { t: '2026-11-25T03:00:10.000Z', errorRate: 0.05, p95Ms: 300, rps: 10 },
        { t: '2026-11-25T03:00:00.000Z', errorRate: 0.01, p95Ms: 200, rps: 12 },
      ],
    };
    const t0 = Date.parse('2026-11-25T03:00:00.000Z');
    expect(toPoints(series, t0, t0 + 10_000)).toEqual([
      { t: t0, errorPct: 1, p95Ms: 200, rps: 12 },
      { t: t0 + 10_000, errorPct: 5, p95Ms: 300, rps: 10 },
    ]);
    // Samples end before the window does: a value-less point keeps the axis (and late markers) in view.
    expect(toPoints(series, t0 - 5000, t0 + 60_000).map((p) => [p.t - t0, p.errorPct])).toEqual([
      [-5000, undefined],
      [0, 1],
      [10_000, 5],
      [60_000, undefined],
    ]);
    expect(toPoints(null, 100, 200)).toEqual([{ t: 100 }, { t: 200 }]);
    expect(errorAxisTop([{ t: 0, errorPct: 8.7 }])).toBe(11);
    expect(errorAxisTop([{ t: 0 }])).toBe(1);
  });

  it('keeps only flag entries inside the range', () => {
    const inside = row(5);
    const outside = row(500);
    const noFlag = { ...row(6), flag: null };
    const from = Date.parse(inside.ts) - 1000;
    const markers = toMarkers([inside, outside, noFlag], from, from + 60_000);
    expect(markers.map((m) => m.idx)).toEqual([5]);
  });
});
