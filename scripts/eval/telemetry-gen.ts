/**
 * Evaluator telemetry for the telemetry mix: one error-rate sample per minute per covered flag (errors among requests
 * served the flag's treatment, as the circuit breaker measures them) and for the paging service. The cause raises its
 * own flag's rate by a jump and the service's rate with it; other flags of the service see a share of the spill-over.
 */
import type { ChangeRecord } from '../../shared/correlate/changes.ts';
import type { CorrelationEntry, ErrorRateSample, Telemetry } from '../../shared/correlate/types.ts';
import type { Rng } from './rng.ts';

/** What the telemetry generator needs to know about the scenario. */
export interface TelemetryFrame {
  entries: readonly CorrelationEntry[];
  cause: ChangeRecord;
  alertMs: number;
  service: string;
  linked: ReadonlySet<string>;
  coverage: number;
}

const MINUTE = 60_000;

function series(rng: Rng, fromMs: number, toMs: number, rate: (ms: number) => number): ErrorRateSample[] {
  const out: ErrorRateSample[] = [];
  for (let t = Math.ceil(fromMs / MINUTE) * MINUTE; t <= toMs; t += MINUTE) {
    const noisy = rate(t) * (1 + rng.real(-0.3, 0.3));
    out.push({
      at: new Date(t).toISOString(),
      error_rate: Math.min(1, Math.max(0, Math.round(noisy * 1e5) / 1e5)),
      requests: rng.int(150, 2000),
    });
  }
  return out;
}

/** Generates per-flag and per-service error rates around the incident. */
export function generateTelemetry(rng: Rng, fr: TelemetryFrame): Telemetry {
  const from = fr.alertMs - 45 * MINUTE;
  const to = fr.alertMs + 2 * MINUTE;
  const onset = fr.cause.tsMs + rng.real(15, 90) * 1000;
  const jump = rng.real(0.03, 0.2);
  const rollback = fr.entries.find(
    (e) => e.action === 'flag.auto_rolled_back' && e.flag === fr.cause.flag && e.idx > fr.cause.entry.idx,
  );
  const end = rollback === undefined ? Infinity : Date.parse(rollback.ts);
  const live = (ms: number): boolean => ms >= onset && ms < end;
  const changed = new Set(
    fr.entries
      .filter((e) => e.env === 'production' && e.flag !== null && Date.parse(e.ts) >= from)
      .map((e) => e.flag ?? ''),
  );
  const flags: Record<string, ErrorRateSample[]> = {};
  for (const key of [...changed].sort()) {
    if (!rng.chance(fr.coverage)) continue;
    const base = rng.real(0.002, 0.01);
    const spill = fr.linked.has(key) ? rng.real(0, 0.3) : 0;
    const share = key === fr.cause.flag ? 1 : spill;
    flags[key] = series(rng, from, to, (ms) => base + (live(ms) ? jump * share : 0));
  }
  const base = rng.real(0.002, 0.01);
  const services = { [fr.service]: series(rng, from, to, (ms) => base + (live(ms) ? jump * 0.6 : 0)) };
  return { flags, services };
}
