/** A clickable, focusable marker for one flag change on the chart (an SVG shape for recharts' ReferenceDot). */
import type { KeyboardEvent } from 'react';
import { clock } from '../../lib/time-format.ts';
import type { ChangeMarker } from './chart-data.ts';

/** Colour variable per marker kind; automatic rollbacks stand out. */
export const MARKER_COLOR: Record<ChangeMarker['kind'], string> = {
  change: 'var(--accent)',
  'auto-rollback': 'var(--warn)',
  rollback: 'var(--ok)',
  kill: 'var(--alert)',
  'break-glass': 'var(--alert)',
};

/** One-line description used for the tooltip and the accessible name. */
export function describeMarker(m: ChangeMarker): string {
  const where = m.row.env ? ` in ${m.row.env}` : '';
  return `#${m.idx} ${clock(m.row.ts)} · ${m.row.actor} · ${m.row.action} ${m.row.flag ?? ''}${where} · ${m.row.summary}`;
}

/** The SVG shape; `cx`/`cy` come from recharts. */
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
  const onKey = (e: KeyboardEvent<SVGGElement>): void => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSelect(marker);
    }
  };
  const auto = marker.kind === 'auto-rollback';
  return (
    <g
      role="button"
      tabIndex={0}
      aria-label={describeMarker(marker)}
      className="chart-marker"
      data-testid={`marker-${marker.idx}`}
      data-kind={marker.kind}
      onClick={() => onSelect(marker)}
      onKeyDown={onKey}
      onMouseEnter={() => onHover(marker)}
      onMouseLeave={() => onHover(null)}
      onFocus={() => onHover(marker)}
      onBlur={() => onHover(null)}
    >
      <title>{describeMarker(marker)}</title>
      {auto ? (
        <rect
          x={cx - 6}
          y={cy - 6}
          width={12}
          height={12}
          transform={`rotate(45 ${cx} ${cy})`}
          fill={MARKER_COLOR[marker.kind]}
          stroke={selected ? 'var(--text)' : 'none'}
          strokeWidth={2}
        />
      ) : (
        <circle
          cx={cx}
          cy={cy}
          r={selected ? 8 : 6}
          fill={MARKER_COLOR[marker.kind]}
          stroke={selected ? 'var(--text)' : 'none'}
          strokeWidth={2}
        />
      )}
    </g>
  );
}
