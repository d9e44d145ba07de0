/** Turns metrics and ledger rows into what the timeline chart draws (pure, tested). */
import type { EntryRow, MetricsSeries } from '../../../../shared/ipc/contract.ts';

/** One x position of the chart; metric fields are absent where nothing was measured (never invented). */
export interface ChartPoint {
  t: number;
  errorPct?: number;
  p95Ms?: number;
  rps?: number;
}

/** How a change marker is drawn. */
export type MarkerKind = 'change' | 'auto-rollback' | 'rollback' | 'kill' | 'break-glass';

/** A flag change on the time axis. */
export interface ChangeMarker {
  idx: number;
  t: number;
  kind: MarkerKind;
  row: EntryRow;
}

/** Marker kind of a ledger action; automatic rollbacks by the circuit breaker are their own kind. */
export function markerKind(action: string): MarkerKind {
  switch (action) {
    case 'flag.auto_rolled_back':
      return 'auto-rollback';
    case 'flag.rolled_back':
      return 'rollback';
    case 'flag.killed':
      return 'kill';
    case 'break_glass.used':
      return 'break-glass';
    default:
      return 'change';
  }
}

/**
 * Chart points from a series (error rate as a fraction → percent), padded with value-less points at the range
 * ends so the time axis always spans the whole window: markers after the last sample (a rollback a moment
 * ago) stay visible, and nothing is drawn where nothing was measured.
 */
export function toPoints(series: MetricsSeries | null, fromMs: number, toMs: number): ChartPoint[] {
  const points: ChartPoint[] = (series?.points ?? [])
    .map((p) => ({ t: Date.parse(p.t), errorPct: p.errorRate * 100, p95Ms: p.p95Ms, rps: p.rps }))
    .filter((p) => !Number.isNaN(p.t))
    .sort((a, b) => a.t - b.t);
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || first.t > fromMs) points.unshift({ t: fromMs });
  if (!last || last.t < toMs) points.push({ t: toMs });
  return points;
}

/** Markers for the rows inside [fromMs, toMs] that carry a flag. */
export function toMarkers(rows: readonly EntryRow[], fromMs: number, toMs: number): ChangeMarker[] {
  return rows
    .filter((r) => r.flag !== null)
    .map((row) => ({ idx: row.idx, t: Date.parse(row.ts), kind: markerKind(row.action), row }))
    .filter((m) => m.t >= fromMs && m.t <= toMs);
}

/** The top of the error-rate axis: a bit above the highest value, at least 1 %. */
export function errorAxisTop(points: readonly ChartPoint[]): number {
  const max = points.reduce((m, p) => Math.max(m, p.errorPct ?? 0), 0);
  return Math.max(1, Math.ceil(max * 1.15));
}
