/** Time formatting shared by the store's sentences and the components: UTC clock times and short ages. */

/** `HH:MM:SS UTC` of an RFC 3339 time (invalid input is returned as is). */
export function clock(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms).toISOString().slice(11, 19)} UTC`;
}

/** `YYYY-MM-DD HH:MM:SS UTC`. */
export function dateTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A short age like `42 s`, `5 min`, `3 h`, `2 d` between `iso` and `nowMs` (never negative). */
export function age(iso: string, nowMs: number): string {
  const s = Math.max(0, Math.round((nowMs - Date.parse(iso)) / 1000));
  if (Number.isNaN(s)) return '?';
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

/** Seconds as `12 s` / `4 min 5 s` / `-30 s` (negative = after the alert). */
export function seconds(s: number): string {
  const sign = s < 0 ? '-' : '';
  const a = Math.abs(Math.round(s));
  if (a < 120) return `${sign}${a} s`;
  return `${sign}${Math.floor(a / 60)} min ${a % 60} s`;
}
