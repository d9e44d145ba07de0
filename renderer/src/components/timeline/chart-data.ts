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

/** A flag change on the time axis; `candidateRank` marks the ranked candidates' own changes. */
export interface ChangeMarker {
  idx: number;
  t: number;
  kind: MarkerKind;
  row: EntryRow;
  candidateRank?: number;
}

/** Markers so close on the axis that they would cover each other, drawn as one numbered group that fans out. */
export interface MarkerGroup {
  /** Position of the group (its first member's time). */
  t: number;
  members: ChangeMarker[];
}

/** How much of the span one marker covers: markers closer than span / MARKER_SLOTS are grouped. */
export const MARKER_SLOTS = 60;

/** Groups markers (sorted by time) that fall within span / slots of the group's first member. */
export function groupMarkers(
  markers: readonly ChangeMarker[],
  fromMs: number,
  toMs: number,
  slots = MARKER_SLOTS,
): MarkerGroup[] {
  const gap = Math.max(1, (toMs - fromMs) / slots);
  const groups: MarkerGroup[] = [];
  for (const m of [...markers].sort((a, b) => a.t - b.t || a.idx - b.idx)) {
    const last = groups[groups.length - 1];
    if (last && m.t - last.t < gap) last.members.push(m);
    else groups.push({ t: m.t, members: [m] });
  }
  return groups;
}

/** The incident ±10 minutes: the default view of the chart. */
export const FOCUS_MS = 10 * 60_000;

/** The range the chart shows: the incident ±10 min (inside the loaded window), or the whole window. */
export function viewRange(
  atMs: number,
  fromMs: number,
  toMs: number,
  zoom: 'incident' | 'window',
): { from: number; to: number } {
  if (zoom === 'window') return { from: fromMs, to: toMs };
  return { from: Math.max(fromMs, atMs - FOCUS_MS), to: Math.min(toMs, atMs + FOCUS_MS) };
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

/** Markers for the rows inside [fromMs, toMs] that carry a flag; `candidates` maps ledger idx → candidate rank. */
export function toMarkers(
  rows: readonly EntryRow[],
  fromMs: number,
  toMs: number,
  candidates: ReadonlyMap<number, number> = new Map(),
): ChangeMarker[] {
  return rows
    .filter((r) => r.flag !== null)
    .map((row) => {
      const m: ChangeMarker = { idx: row.idx, t: Date.parse(row.ts), kind: markerKind(row.action), row };
      const rank = candidates.get(row.idx);
      if (rank !== undefined) m.candidateRank = rank;
      return m;
    })
    .filter((m) => m.t >= fromMs && m.t <= toMs);
}

/** The top of the error-rate axis: a bit above the highest value, at least 1 %. */
export function errorAxisTop(points: readonly ChartPoint[]): number {
  const max = points.reduce((m, p) => Math.max(m, p.errorPct ?? 0), 0);
  return Math.max(1, Math.ceil(max * 1.15));
}
