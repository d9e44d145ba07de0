/** The rule for a manually entered incident time: it has happened (up to the clock-skew tolerance). */

/** How far ahead of this clock a typed time may be (clocks of responders and control plane differ a little). */
export const MANUAL_TIME_SKEW_MS = 120_000;

/** `E_TIME_IN_FUTURE` with what to do when `atIso` lies beyond the tolerance after `nowMs`, else null. */
export function futureTimeError(atIso: string, nowMs: number): { code: 'E_TIME_IN_FUTURE'; message: string } | null {
  const at = Date.parse(atIso);
  if (Number.isNaN(at) || at <= nowMs + MANUAL_TIME_SKEW_MS) return null;
  return {
    code: 'E_TIME_IN_FUTURE',
    message: `${new Date(at).toISOString().slice(0, 19).replace('T', ' ')} UTC is in the future; changes can only be ranked before a moment that has happened. Enter a time no later than 2 minutes from now.`,
  };
}
