/**
 * Per-flag error rates for a ranking, from the control plane (`GET /api/v1/metrics?flag=&environment=`): the requests
 * that evaluated each changed flag, before and after its change. Live-only and best effort — metrics are samples, not
 * ledger data — so a slow or unreachable control plane costs at most the time budget and the ranking goes on without
 * them (the telemetry factor then says "no telemetry for this flag").
 */
import type { ErrorRateSample } from '../../shared/correlate/index.ts';
import { getJson, type SyncTarget } from '../sync/http.ts';

/** At most this many flags are asked for (the ones changed closest to the alert come first). */
export const MAX_FLAGS = 50;

/** Protocol points → samples; points without requests are no measurement and are left out (not "flat at 0 %"). */
export function samplesOf(points: unknown): ErrorRateSample[] {
  if (!Array.isArray(points)) return [];
  const out: ErrorRateSample[] = [];
  for (const p of points as unknown[]) {
    if (typeof p !== 'object' || p === null) continue;
    const { ts, error_rate: rate, requests } = p as Record<string, unknown>;
    if (
      typeof ts !== 'string' ||
      typeof rate !== 'number' ||
      !(rate >= 0 && rate <= 1) ||
      typeof requests !== 'number' ||
      !(requests > 0)
    )
      continue;
    out.push({ at: ts, error_rate: rate, requests });
  }
  return out;
}

/** Fetches the series of `flags` in `environment` over [fromMs, toMs) at `stepSeconds`, within `budgetMs` in all. */
export async function fetchFlagTelemetry(
  target: SyncTarget,
  flags: readonly string[],
  environment: string,
  fromMs: number,
  toMs: number,
  o: { stepSeconds?: number; budgetMs?: number } = {},
): Promise<Record<string, ErrorRateSample[]>> {
  const budget = new AbortController();
  const timer = setTimeout(() => budget.abort(), o.budgetMs ?? 1500);
  const range = `from=${fromMs}&to=${toMs}&step=${o.stepSeconds ?? 30}&environment=${encodeURIComponent(environment)}`;
  try {
    const results = await Promise.all(
      flags.slice(0, MAX_FLAGS).map(async (flag) => {
        try {
          const body = await getJson(
            { ...target, signal: budget.signal },
            `/api/v1/metrics?flag=${encodeURIComponent(flag)}&${range}`,
            o.budgetMs ?? 1500,
          );
          return [flag, samplesOf(body['points'])] as const;
        } catch {
          return [flag, []] as const;
        }
      }),
    );
    return Object.fromEntries(results.filter(([, samples]) => samples.length > 0));
  } finally {
    clearTimeout(timer);
  }
}
