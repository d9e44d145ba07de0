/**
 * The incident timeline: error rate, p95 latency and request rate around T with every flag change marked. It opens
 * on the incident ±10 min (the whole ranked window is one click away); changes too close to tell apart are grouped
 * and fan out into a list, so each is reachable by mouse and keyboard; the candidates' own changes are marked apart.
 */
import { useMemo, useState } from 'react';
import {
  Brush,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  ReferenceDot,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { clock } from '../../lib/time-format.ts';
import { ErrorLine } from '../../ui/error-line.tsx';
import { Panel } from '../../ui/panel.tsx';
import { useApp } from '../../store-context.tsx';
import { describeMarker, GroupShape, MarkerShape, MARKER_COLOR } from './change-marker.tsx';
import {
  errorAxisTop,
  groupMarkers,
  toMarkers,
  toPoints,
  viewRange,
  type ChangeMarker,
  type MarkerGroup,
} from './chart-data.ts';

const tick = (v: number): string => clock(new Date(v).toISOString()).slice(0, 8);

/** How long the control plane keeps metrics (docs/protocol.md, metrics): older incidents have no series. */
export const METRICS_RETENTION_MS = 6 * 3600_000;

/** Why the chart has no lines, in words (null when it has some). */
export function metricsGapNote(points: number, service: string, atMs: number, nowMs: number): string | null {
  if (points > 0) return null;
  if (nowMs - atMs > METRICS_RETENTION_MS)
    return `Metrics for this time are no longer kept by the control plane (it keeps about ${METRICS_RETENTION_MS / 3600_000} hours); the flag changes are still marked.`;
  return `No metrics were recorded for ${service} in this window; the flag changes are still marked.`;
}

/** The panel. */
export function TimelinePanel() {
  const range = useApp((s) => s.chartRange);
  const metrics = useApp((s) => s.metrics);
  const metricsError = useApp((s) => s.metricsError);
  const changes = useApp((s) => s.changes);
  const scope = useApp((s) => s.changesScope);
  const at = useApp((s) => s.correlation?.incident.at ?? null);
  const service = useApp((s) => s.correlation?.incident.service ?? null);
  const candidates = useApp((s) => s.correlation?.candidates);
  const selectedIdx = useApp((s) => s.selectedChangeIdx);
  const selectChange = useApp((s) => s.selectChange);
  const showEntry = useApp((s) => s.showEntry);
  const [hover, setHover] = useState<ChangeMarker | null>(null);
  const [zoom, setZoom] = useState<'incident' | 'window'>('incident');
  const [openGroup, setOpenGroup] = useState<number | null>(null);
  const fromMs = range ? Date.parse(range.from) : 0;
  const toMs = range ? Date.parse(range.to) : 0;
  const atMs = at ? Date.parse(at) : 0;
  const view = viewRange(atMs, fromMs, toMs, zoom);
  const points = useMemo(
    () => toPoints(metrics, view.from, view.to).filter((p) => p.t >= view.from && p.t <= view.to),
    [metrics, view.from, view.to],
  );
  const measured = points.filter((p) => p.errorPct !== undefined).length;
  const ranks = useMemo(
    () => new Map((candidates ?? []).map((c) => [c.ledger_idx, c.candidate_rank] as const)),
    [candidates],
  );
  const markers = useMemo(
    () => (scope === 'window' ? toMarkers(changes, view.from, view.to, ranks) : []),
    [changes, scope, view.from, view.to, ranks],
  );
  const groups = useMemo(() => groupMarkers(markers, view.from, view.to), [markers, view.from, view.to]);
  const fanned = groups.find((g) => g.t === openGroup && g.members.length > 1) ?? null;
  const top = errorAxisTop(points);
  const select = (m: ChangeMarker): void => {
    selectChange(m.idx);
    void showEntry(m.idx);
  };
  const toggle = (g: MarkerGroup): void => setOpenGroup(openGroup === g.t ? null : g.t);
  if (!range || at === null)
    return (
      <Panel id="timeline" title="Timeline">
        <p className="muted">The chart appears once an incident is selected.</p>
      </Panel>
    );
  const spanMin = Math.round((toMs - fromMs) / 60_000);
  const tools = (
    <div className="segmented" role="group" aria-label="Time range">
      <button
        type="button"
        aria-pressed={zoom === 'incident'}
        onClick={() => setZoom('incident')}
        data-testid="zoom-incident"
      >
        ±10 min
      </button>
      <button
        type="button"
        aria-pressed={zoom === 'window'}
        onClick={() => setZoom('window')}
        data-testid="zoom-window"
      >
        Whole window ({spanMin} min)
      </button>
    </div>
  );
  const gap = service && !metricsError ? metricsGapNote(measured, service, atMs, Date.now()) : null;
  return (
    <Panel id="timeline" title={`Timeline${service ? ` · ${service}` : ''}`} tools={tools}>
      <ErrorLine error={metricsError} />
      {!service && (
        <p className="muted">No service for this time, so no metrics; flag changes of every service are marked.</p>
      )}
      {gap && (
        <p className="muted" role="status" data-testid="metrics-gap">
          {gap}
        </p>
      )}
      <div
        className="chart"
        role="img"
        aria-label={`Error rate, p95 latency and request rate from ${clock(new Date(view.from).toISOString())} to ${clock(new Date(view.to).toISOString())}, alert at ${clock(at)}, ${markers.length} flag changes marked`}
      >
        <ResponsiveContainer width="100%" height="100%">
          <ComposedChart data={points} margin={{ top: 16, right: 16, bottom: 4, left: 4 }}>
            <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
            <XAxis
              dataKey="t"
              type="number"
              domain={[view.from, view.to]}
              scale="time"
              tickFormatter={tick}
              stroke="var(--muted)"
              allowDataOverflow
            />
            <YAxis yAxisId="err" domain={[0, top]} unit=" %" stroke="var(--alert)" width={56} />
            <YAxis yAxisId="p95" orientation="right" unit=" ms" stroke="var(--p95)" width={64} />
            <YAxis yAxisId="rps" hide />
            <Tooltip
              labelFormatter={(v) => clock(new Date(Number(v)).toISOString())}
              formatter={(v, name) => [Number(v).toFixed(name === 'error rate %' ? 2 : 0), name]}
              contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)' }}
            />
            <Legend />
            <Line
              yAxisId="err"
              dataKey="errorPct"
              name="error rate %"
              stroke="var(--alert)"
              dot={false}
              isAnimationActive={false}
            />
            <Line
              yAxisId="p95"
              dataKey="p95Ms"
              name="p95 ms"
              stroke="var(--p95)"
              dot={false}
              isAnimationActive={false}
            />
            <Line
              yAxisId="rps"
              dataKey="rps"
              name="requests/s"
              stroke="var(--muted)"
              strokeDasharray="4 3"
              dot={false}
              isAnimationActive={false}
            />
            <ReferenceLine
              yAxisId="err"
              x={atMs}
              stroke="var(--alert)"
              strokeWidth={2}
              label={{ value: 'alert', fill: 'var(--alert)', position: 'insideTopLeft' }}
            />
            {groups.map((g) => {
              const first = g.members[0];
              if (!first) return null;
              return (
                <ReferenceLine
                  key={`l${first.idx}`}
                  yAxisId="err"
                  x={g.t}
                  stroke={g.members.length > 1 ? 'var(--marker)' : MARKER_COLOR[first.kind]}
                  strokeDasharray={first.kind === 'auto-rollback' && g.members.length === 1 ? '2 2' : undefined}
                />
              );
            })}
            {groups.map((g) => {
              const first = g.members[0];
              if (!first) return null;
              return (
                <ReferenceDot
                  key={`d${first.idx}`}
                  yAxisId="err"
                  x={g.t}
                  y={top}
                  r={6}
                  shape={(p) =>
                    g.members.length === 1 ? (
                      <MarkerShape
                        cx={p.cx}
                        cy={p.cy}
                        marker={first}
                        selected={first.idx === selectedIdx}
                        onHover={setHover}
                        onSelect={select}
                      />
                    ) : (
                      <GroupShape cx={p.cx} cy={p.cy} group={g} open={fanned === g} onToggle={toggle} />
                    )
                  }
                />
              );
            })}
            {points.length > 2 && (
              <Brush dataKey="t" height={18} tickFormatter={tick} stroke="var(--accent)" fill="var(--panel)" />
            )}
          </ComposedChart>
        </ResponsiveContainer>
      </div>
      {fanned && (
        <ul
          className="marker-fan"
          aria-label={`${fanned.members.length} changes close together`}
          data-testid="marker-fan"
        >
          {fanned.members.map((m) => (
            <li key={m.idx}>
              <button
                type="button"
                className={`fan-item kind-${m.kind}${m.candidateRank ? ' candidate' : ''}`}
                data-testid={`marker-${m.idx}`}
                data-kind={m.kind}
                data-candidate={m.candidateRank}
                aria-pressed={m.idx === selectedIdx}
                onClick={() => select(m)}
                onMouseEnter={() => setHover(m)}
                onMouseLeave={() => setHover(null)}
                onFocus={() => setHover(m)}
                onBlur={() => setHover(null)}
              >
                <span className="swatch" style={{ background: MARKER_COLOR[m.kind] }} aria-hidden="true" />
                {describeMarker(m)}
              </button>
            </li>
          ))}
        </ul>
      )}
      <p className="marker-hover" aria-live="polite" data-testid="marker-hover">
        {hover
          ? describeMarker(hover)
          : 'Hover or focus a marker for who/what/when; click it to select the change. ◆ automatic rollback, ringed number = candidate, numbered disc = changes close together (opens a list).'}
      </p>
    </Panel>
  );
}
