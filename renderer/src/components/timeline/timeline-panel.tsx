/** The incident timeline: error rate, p95 latency and request rate around T, every flag change marked, brush to zoom. */
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
import { MarkerShape, describeMarker, MARKER_COLOR } from './change-marker.tsx';
import { errorAxisTop, toMarkers, toPoints, type ChangeMarker } from './chart-data.ts';

const tick = (v: number): string => clock(new Date(v).toISOString()).slice(0, 8);

/** The panel. */
export function TimelinePanel() {
  const range = useApp((s) => s.chartRange);
  const metrics = useApp((s) => s.metrics);
  const metricsError = useApp((s) => s.metricsError);
  const changes = useApp((s) => s.changes);
  const scope = useApp((s) => s.changesScope);
  const at = useApp((s) => s.correlation?.incident.at ?? null);
  const service = useApp((s) => s.correlation?.incident.service ?? null);
  const selectedIdx = useApp((s) => s.selectedChangeIdx);
  const selectChange = useApp((s) => s.selectChange);
  const showEntry = useApp((s) => s.showEntry);
  const [hover, setHover] = useState<ChangeMarker | null>(null);
  const fromMs = range ? Date.parse(range.from) : 0;
  const toMs = range ? Date.parse(range.to) : 0;
  const points = useMemo(() => toPoints(metrics, fromMs, toMs), [metrics, fromMs, toMs]);
  const markers = useMemo(
    () => (scope === 'window' ? toMarkers(changes, fromMs, toMs) : []),
    [changes, scope, fromMs, toMs],
  );
  const top = errorAxisTop(points);
  const select = (m: ChangeMarker): void => {
    selectChange(m.idx);
    void showEntry(m.idx);
  };
  if (!range || at === null)
    return (
      <Panel id="timeline" title="Timeline">
        <p className="muted">The chart appears once an incident is selected.</p>
      </Panel>
    );
  return (
    <Panel id="timeline" title={`Timeline${service ? ` · ${service}` : ''}`}>
      <ErrorLine error={metricsError} />
      {!service && (
        <p className="muted">No service for this time, so no metrics; flag changes of every service are marked.</p>
      )}
      <div
        className="chart"
        role="img"
        aria-label={`Error rate, p95 latency and request rate from ${clock(range.from)} to ${clock(range.to)}, alert at ${clock(at)}, ${markers.length} flag changes marked`}
      >
        <ResponsiveContainer width="100%" height="100%">
          <ComposedChart data={points} margin={{ top: 16, right: 16, bottom: 4, left: 4 }}>
            <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
            <XAxis
              dataKey="t"
              type="number"
              domain={['dataMin', 'dataMax']}
              scale="time"
              tickFormatter={tick}
              stroke="var(--muted)"
            />
            <YAxis yAxisId="err" domain={[0, top]} unit=" %" stroke="var(--alert)" width={56} />
            <YAxis yAxisId="p95" orientation="right" unit=" ms" stroke="var(--accent)" width={64} />
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
              stroke="var(--accent)"
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
              x={Date.parse(at)}
              stroke="var(--alert)"
              strokeWidth={2}
              label={{ value: 'alert', fill: 'var(--alert)', position: 'insideTopLeft' }}
            />
            {markers.map((m) => (
              <ReferenceLine
                key={`l${m.idx}`}
                yAxisId="err"
                x={m.t}
                stroke={MARKER_COLOR[m.kind]}
                strokeDasharray={m.kind === 'auto-rollback' ? '2 2' : undefined}
              />
            ))}
            {markers.map((m) => (
              <ReferenceDot
                key={`d${m.idx}`}
                yAxisId="err"
                x={m.t}
                y={top}
                r={6}
                shape={(p) => (
                  <MarkerShape
                    cx={p.cx}
                    cy={p.cy}
                    marker={m}
                    selected={m.idx === selectedIdx}
                    onHover={setHover}
                    onSelect={select}
                  />
                )}
              />
            ))}
            {points.length > 2 && (
              <Brush dataKey="t" height={22} tickFormatter={tick} stroke="var(--accent)" fill="var(--panel)" />
            )}
          </ComposedChart>
        </ResponsiveContainer>
      </div>
      <p className="marker-hover" aria-live="polite" data-testid="marker-hover">
        {hover
          ? describeMarker(hover)
          : 'Hover or focus a marker for who/what/when; click it to select the change. ◆ = automatic rollback.'}
      </p>
    </Panel>
  );
}
