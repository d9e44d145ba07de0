/** Time parsing and formatting for correlation: RFC 3339 instants, `30m`-style durations, short human durations. */
import { CorrelateError } from './errors.ts';

const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const DURATION_RE = /^(\d{1,9})(ms|s|m|h|d)?$/;
const UNIT_SECONDS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** Parses an RFC 3339 instant (any offset, optional fraction) to epoch milliseconds; throws BAD_TIME. */
export function parseInstant(text: string): number {
  const m = RFC3339_RE.exec(text);
  if (!m)
    throw new CorrelateError('BAD_TIME', `"${text}" is not an RFC 3339 time; write it like 2026-11-25T03:12:45Z.`);
  const [, y, mo, d, h, mi, s] = m.map(Number);
  const ms = Date.parse(text.toUpperCase());
  // Date.parse rolls impossible dates over (Feb 30 → Mar 2); rebuild the calendar fields and compare.
  const c = new Date(Date.UTC(y!, mo! - 1, d!));
  const real =
    c.getUTCFullYear() === y && c.getUTCMonth() === mo! - 1 && c.getUTCDate() === d && h! < 24 && mi! < 60 && s! < 60;
  if (Number.isNaN(ms) || !real) throw new CorrelateError('BAD_TIME', `"${text}" is not a real calendar time.`);
  return ms;
}

/** The canonical ledger form of an instant: RFC 3339 UTC with milliseconds. */
export function formatInstant(ms: number): string {
  return new Date(ms).toISOString();
}

/** Parses a duration like `30m`, `90s`, `2h`, `1d`, `500ms` or bare seconds to seconds; throws BAD_DURATION. */
export function parseDuration(text: string): number {
  const m = DURATION_RE.exec(text.trim());
  if (!m) throw new CorrelateError('BAD_DURATION', `"${text}" is not a duration; write it like 30m, 90s, 2h or 1d.`);
  return Number(m[1]) * (UNIT_SECONDS[m[2] ?? 's'] ?? 1);
}

/** Short human form of a number of seconds: `47s`, `4m07s`, `2h05m`, `3d04h`. */
export function formatSeconds(seconds: number): string {
  const s = Math.round(Math.abs(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, '0')}h`;
}
