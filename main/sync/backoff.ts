/**
 * Reconnect delays: exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"),
 * capped, and never shorter than the reconnection time the server asked for with an SSE `retry:` field.
 */

/** How reconnect delays grow. */
export interface BackoffPolicy {
  /** Ceiling of the first attempt's delay. */
  baseMs: number;
  /** Largest ceiling, reached after a few attempts. */
  capMs: number;
  /** Largest server `retry:` honoured (a hostile or misconfigured server cannot park the console for hours). */
  maxServerRetryMs: number;
}

/** Defaults: 0.5 s doubling to 30 s; a server may ask for up to 5 minutes. */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 30_000, maxServerRetryMs: 300_000 };

/** The ceiling of attempt `attempt` (1-based): min(cap, base · 2^(attempt-1)), without overflow for large attempts. */
export function backoffCeiling(attempt: number, policy: BackoffPolicy): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 52);
  return Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
}

/**
 * The delay before reconnect attempt `attempt` (1-based): a uniform draw in [0, ceiling) ("full jitter"), raised to
 * the server's `retry:` value when it sent one (clamped to `maxServerRetryMs`). `random` returns [0, 1).
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  serverRetryMs: number | null,
  random: () => number = Math.random,
): number {
  const jittered = Math.floor(random() * backoffCeiling(attempt, policy));
  if (serverRetryMs === null) return jittered;
  const asked = Math.min(Math.max(serverRetryMs, 0), policy.maxServerRetryMs);
  return Math.max(asked, jittered);
}
