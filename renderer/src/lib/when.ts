/** A time as people read it on an incident screen: the clock alone today, with the date on any other day. */
import { clock, dateTime } from './time-format.ts';

/** `HH:MM:SS UTC` when `iso` is on the same UTC day as `nowMs`, else `YYYY-MM-DD HH:MM:SS UTC`. */
export function when(iso: string, nowMs: number): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return new Date(ms).toISOString().slice(0, 10) === new Date(nowMs).toISOString().slice(0, 10)
    ? clock(iso)
    : dateTime(iso);
}
