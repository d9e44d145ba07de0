/**
 * Clickable, focusable markers for flag changes on the chart (SVG shapes for recharts' ReferenceDot): one change, or
 * a numbered group of changes too close to tell apart, which fans out into a list where each is reachable.
 */
import type { KeyboardEvent } from 'react';
import { clock } from '../../lib/time-format.ts';
import { when } from '../../lib/when.ts';
import type { ChangeMarker, MarkerGroup } from './chart-data.ts';

/** Colour variable per marker kind; automatic rollbacks stand out, none shares the p95 line's colour. */
export const MARKER_COLOR: Record<ChangeMarker['kind'], string> = {
  change: 'var(--marker)',
  'auto-rollback': 'var(--warn)',
  rollback: 'var(--ok)',
  kill: 'var(--alert)',
  'break-glass': 'var(--alert)',
};

/** One-line description used for the tooltip and the accessible name. */
export function describeMarker(m: ChangeMarker): string {
  const where = m.row.env ? ` in ${m.row.env}` : '';
  const rank = m.candidateRank ? ` (candidate #${m.candidateRank})` : '';
  return `#${m.idx} ${when(m.row.ts, Date.now())} · ${m.row.actor} · ${m.row.action} ${m.row.flag ?? ''}${where}${rank} · ${m.row.summary}`;
}

function activate(e: KeyboardEvent<SVGGElement>, run: () => void): void {
  if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    run();
  }
}

/** The SVG glyph of one marker at (cx, cy). */
function Glyph({ cx, cy, marker, selected }: { cx: number; cy: number; marker: ChangeMarker; selected: boolean }) {
  const stroke = selected ? 'var(--text)' : 'none';
  if (marker.candidateRank)
    // A candidate's own change: a ringed dot with its rank, unlike every other marker.
    return (
      <>
        <circle cx={cx} cy={cy} r={9} fill="var(--panel)" stroke="var(--alert)" strokeWidth={3} />
        <text x={cx} y={cy + 4} textAnchor="middle" fontSize={10} fontWeight={700} fill="var(--text)">
          {marker.candidateRank}
        </text>
      </>
    );
  if (marker.kind === 'auto-rollback')
    return (
      <rect
        x={cx - 6}
        y={cy - 6}
        width={12}
        height={12}
        transform={`rotate(45 ${cx} ${cy})`}
        fill={MARKER_COLOR[marker.kind]}
        stroke={stroke}
        strokeWidth={2}
      />
    );
  return (
    <circle cx={cx} cy={cy} r={selected ? 8 : 6} fill={MARKER_COLOR[marker.kind]} stroke={stroke} strokeWidth={2} />
  );
}

/** One change; `cx`/`cy` come from recharts. */
export function MarkerShape({
  cx,
  cy,
  marker,
  selected,
  onHover,
  onSelect,
}: {
  cx?: number;
  cy?: number;
  marker: ChangeMarker;
  selected: boolean;
  onHover: (m: ChangeMarker | null) => void;
  onSelect: (m: ChangeMarker) => void;
}) {
  if (cx === undefined || cy === undefined) return <g />;
  return (
    <g
      role="button"
      tabIndex={0}
      aria-label={describeMarker(marker)}
      className="chart-marker"
      data-testid={`marker-${marker.idx}`}
      data-kind={marker.kind}
      data-candidate={marker.candidateRank}
      onClick={() => onSelect(marker)}
      onKeyDown={(e) => activate(e, () => onSelect(marker))}
      onMouseEnter={() => onHover(marker)}
      onMouseLeave={() => onHover(null)}
      onFocus={() => onHover(marker)}
      onBlur={() => onHover(null)}
    >
      <title>{describeMarker(marker)}</title>
      <Glyph cx={cx} cy={cy} marker={marker} selected={selected} />
    </g>
  );
}

/** Several changes too close to tell apart: a numbered badge that opens their list. */
export function GroupShape({
  cx,
  cy,
  group,
  open,
  onToggle,
}: {
  cx?: number;
  cy?: number;
  group: MarkerGroup;
  open: boolean;
  onToggle: (g: MarkerGroup) => void;
}) {
  if (cx === undefined || cy === undefined) return <g />;
  const candidate = group.members.some((m) => m.candidateRank);
  const label = `${group.members.length} changes at ${clock(new Date(group.t).toISOString())}${candidate ? ', including a candidate' : ''}: ${open ? 'hide' : 'show'} the list`;
  return (
    <g
      role="button"
      tabIndex={0}
      aria-label={label}
      aria-expanded={open}
      className="chart-marker"
      data-testid="marker-group"
      data-members={group.members.map((m) => m.idx).join(' ')}
      onClick={() => onToggle(group)}
      onKeyDown={(e) => activate(e, () => onToggle(group))}
    >
      <title>{label}</title>
      <circle
        cx={cx}
        cy={cy}
        r={10}
        fill="var(--panel-2)"
        stroke={candidate ? 'var(--alert)' : 'var(--marker)'}
        strokeWidth={open ? 4 : 2}
      />
      <text x={cx} y={cy + 4} textAnchor="middle" fontSize={11} fontWeight={700} fill="var(--text)">
        {group.members.length}
      </text>
    </g>
  );
}
