import { describe, expect, it } from 'vitest';
import { row } from '../../test-support/fixtures.ts';
import { errorAxisTop, FOCUS_MS, groupMarkers, markerKind, toMarkers, toPoints, viewRange } from './chart-data.ts';
import { metricsGapNote } from './timeline-panel.tsx';

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

  it('groups markers that would cover each other and keeps the others apart', () => {
    const at = (ms: number, idx: number) => ({ ...toMarkers([row(idx)], 0, Infinity)[0]!, t: ms, idx });
    const from = 0;
    const to = 60 * 60_000; // 60 slots of one minute
    const groups = groupMarkers(
      [at(30 * 60_000 + 5_000, 3), at(30 * 60_000, 1), at(10 * 60_000, 2), at(30 * 60_000 + 59_000, 4)],
      from,
      to,
    );
    expect(groups.map((g) => [g.t, g.members.map((m) => m.idx)])).toEqual([
      [10 * 60_000, [2]],
      [30 * 60_000, [1, 3, 4]],
    ]);
  });

  it("marks the candidates' own changes", () => {
    const [m] = toMarkers([row(117)], 0, Infinity, new Map([[117, 1]]));
    expect(m?.candidateRank).toBe(1);
    expect(toMarkers([row(118)], 0, Infinity, new Map([[117, 1]]))[0]?.candidateRank).toBeUndefined();
  });

  it('opens on the incident ±10 min inside the loaded window', () => {
    const at = 100 * 60_000;
    expect(viewRange(at, at - 32 * 60_000, at + 10 * 60_000, 'incident')).toEqual({
      from: at - FOCUS_MS,
      to: at + FOCUS_MS,
    });
    expect(viewRange(at, at - 5 * 60_000, at + 10 * 60_000, 'incident')).toEqual({
      from: at - 5 * 60_000,
      to: at + FOCUS_MS,
    });
    expect(viewRange(at, at - 32 * 60_000, at + 10 * 60_000, 'window')).toEqual({
      from: at - 32 * 60_000,
      to: at + FOCUS_MS,
    });
  });

  it('says why the chart is empty: past the metrics retention, or nothing recorded', () => {
    const now = Date.parse('2026-12-05T12:00:00.000Z');
    expect(metricsGapNote(0, 'payments', now - 7 * 3600_000, now)).toBe(
      'Metrics for this time are no longer kept by the control plane (it keeps about 6 hours); the flag changes are still marked.',
    );
    expect(metricsGapNote(0, 'payments', now - 3600_000, now)).toBe(
      'No metrics were recorded for payments in this window; the flag changes are still marked.',
    );
    expect(metricsGapNote(12, 'payments', now - 7 * 3600_000, now)).toBeNull();
  });
});
