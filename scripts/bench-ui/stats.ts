/** Number crunching for `bench:ui`: frame statistics from rAF timestamps, medians and the result table. */

/** Frame statistics of one scroll phase. */
export interface FrameStats {
  frames: number;
  /** 1000 / median frame time. */
  medianFps: number;
  medianFrameMs: number;
  /** 95th percentile of frame time: the 5% worst frames are at least this long (5th-percentile fps = 1000 / this). */
  p95FrameMs: number;
  maxFrameMs: number;
  /** Frames longer than 50 ms (visible hitches). */
  longFrames: number;
  /** Frames per second over the whole phase. */
  averageFps: number;
}

/** The q-quantile (0..1) of ascending `sorted` by nearest rank; NaN when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

/** The median of `values` (any order); NaN when empty. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

/** Statistics over the intervals between consecutive rAF timestamps. */
export function frameStats(timestamps: readonly number[]): FrameStats {
  const intervals: number[] = [];
  for (let i = 1; i < timestamps.length; i++) intervals.push((timestamps[i] ?? 0) - (timestamps[i - 1] ?? 0));
  const sorted = [...intervals].sort((a, b) => a - b);
  const medianFrameMs = median(sorted);
  const span = (timestamps[timestamps.length - 1] ?? 0) - (timestamps[0] ?? 0);
  return {
    frames: intervals.length,
    medianFps: 1000 / medianFrameMs,
    medianFrameMs,
    p95FrameMs: quantile(sorted, 0.95),
    maxFrameMs: sorted[sorted.length - 1] ?? NaN,
    longFrames: intervals.filter((d) => d > 50).length,
    averageFps: span > 0 ? (intervals.length * 1000) / span : NaN,
  };
}

/** One line of the result table: the metric at each size, the large/small ratio and the target verdict. */
export interface ResultRow {
  label: string;
  small: number | null;
  large: number | null;
  unit: string;
  digits: number;
  /** The target applies to the large replica; null for informational rows. */
  target: { op: '<=' | '>='; value: number } | null;
}

function show(v: number | null, digits: number, unit: string): string {
  return v === null || !Number.isFinite(v) ? 'n/a' : `${v.toFixed(digits)} ${unit}`;
}

/** Formats the table: metric, small, large, ratio large/small, target and MET/MISSED. */
export function formatTable(rows: readonly ResultRow[], smallLabel: string, largeLabel: string): string {
  const head = ['metric', smallLabel, largeLabel, 'ratio', 'target (large)'];
  const body = rows.map((r) => {
    const ratio = r.small !== null && r.large !== null && r.small !== 0 ? `${(r.large / r.small).toFixed(2)}x` : 'n/a';
    let target = '';
    if (r.target !== null) {
      const met =
        r.large !== null &&
        Number.isFinite(r.large) &&
        (r.target.op === '<=' ? r.large <= r.target.value : r.large >= r.target.value);
      target = `${r.target.op === '<=' ? '≤' : '≥'} ${r.target.value} ${r.unit}: ${met ? 'MET' : 'MISSED'}`;
    }
    return [r.label, show(r.small, r.digits, r.unit), show(r.large, r.digits, r.unit), ratio, target];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  return [head, ...body]
    .map((cols) =>
      cols
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
