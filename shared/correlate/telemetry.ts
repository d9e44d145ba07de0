/**
 * Telemetry evidence: the circuit breaker's automatic rollbacks (a measured error rate above threshold, recorded in
 * the ledger itself), per-flag error rates around a change, and when the paging service's errors began.
 * With no telemetry the factor says so and contributes nothing.
 */
import type { ChangeRecord } from './changes.ts';
import { CorrelateError } from './errors.ts';
import { formatSeconds, parseInstant } from './time.ts';
import type { CorrelationEntry, ErrorRateSample, Factor, Telemetry } from './types.ts';
import { TELEMETRY_WEIGHTS as W } from './weights.ts';

/** A validated sample: epoch milliseconds and an error rate in 0..1. */
export interface Point {
  ms: number;
  rate: number;
}

/** Telemetry prepared once per ranking. */
export interface TelemetryContext {
  incidentMs: number;
  skewSeconds: number;
  service: string | null;
  /** Per-flag series, sorted by time. */
  flags: ReadonlyMap<string, readonly Point[]>;
  /** When the paging service's error rate began its final rise before the alert; null when unknown. */
  onsetMs: number | null;
  /** The circuit breaker's rollbacks in the window. */
  rollbacks: readonly CorrelationEntry[];
  /** Whether any telemetry at all was supplied. */
  supplied: boolean;
}

/** Validates and sorts a series; throws BAD_TELEMETRY naming the first bad sample. */
export function toPoints(name: string, samples: readonly ErrorRateSample[]): Point[] {
  return samples
    .map((s, i) => {
      const rate = s.error_rate;
      if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate > 1) {
        throw new CorrelateError(
          'BAD_TELEMETRY',
          `sample ${i} of "${name}" has error_rate ${String(rate)}; it must be a fraction 0..1.`,
        );
      }
      if (s.requests !== undefined && (!Number.isFinite(s.requests) || s.requests < 0)) {
        throw new CorrelateError(
          'BAD_TELEMETRY',
          `sample ${i} of "${name}" has a negative or non-finite request count.`,
        );
      }
      return { ms: parseInstant(s.at), rate };
    })
    .sort((a, b) => a.ms - b.ms);
}

function mean(points: readonly Point[]): number {
  return points.reduce((s, p) => s + p.rate, 0) / points.length;
}

function median(points: readonly Point[]): number {
  const rates = points.map((p) => p.rate).sort((a, b) => a - b);
  const mid = Math.floor(rates.length / 2);
  return rates.length % 2 === 1 ? rates[mid]! : (rates[mid - 1]! + rates[mid]!) / 2;
}

function rose(before: number, after: number): boolean {
  return after - before >= W.minRise && after >= before * W.minRatio;
}

/** Start of the final run of elevated samples ending at the last sample ≤ `endMs`, against the first half's median. */
export function serviceOnset(points: readonly Point[], endMs: number): number | null {
  const upto = points.filter((p) => p.ms <= endMs);
  if (upto.length < 3) return null;
  const baseline = median(upto.slice(0, Math.max(1, Math.floor(upto.length / 2))));
  let onset: number | null = null;
  for (let i = upto.length - 1; i >= 0 && rose(baseline, upto[i]!.rate); i--) onset = upto[i]!.ms;
  return onset;
}

function pct(rate: number): string {
  return `${Math.round(rate * 1000) / 10}%`;
}

function flagEvidence(ctx: TelemetryContext, r: ChangeRecord): Factor | null {
  const series = ctx.flags.get(r.flag);
  if (series === undefined) return null;
  // Compare the same short span on both sides of the change: a longer "after" would also catch errors that another,
  // later change started, and blame this one for them.
  const span = W.onsetLeadSeconds * 1000;
  const end = Math.min(r.tsMs + span, ctx.incidentMs + ctx.skewSeconds * 1000);
  const before = series.filter((p) => p.ms < r.tsMs && p.ms >= r.tsMs - span);
  const after = series.filter((p) => p.ms > r.tsMs && p.ms <= end);
  if (before.length === 0 || after.length === 0) return null;
  const [b, a] = [mean(before), mean(after)];
  return rose(b, a)
    ? { factor: 'telemetry', multiplier: W.flagRose, text: `flag error rate ${pct(b)} → ${pct(a)} after the change` }
    : { factor: 'telemetry', multiplier: W.flagFlat, text: `flag error rate flat (${pct(b)} → ${pct(a)})` };
}

function rollbackEvidence(ctx: TelemetryContext, r: ChangeRecord): Factor | null {
  const hit = ctx.rollbacks.find(
    (e) => e.flag === r.flag && (r.env === null || e.env === r.env) && e.idx > r.entry.idx,
  );
  if (hit === undefined) return null;
  const after = (Date.parse(hit.ts) - r.tsMs) / 1000;
  return {
    factor: 'telemetry',
    multiplier: W.autoRollback,
    text: `circuit breaker rolled it back ${formatSeconds(after)} later`,
  };
}

function onsetEvidence(ctx: TelemetryContext, r: ChangeRecord): Factor | null {
  if (ctx.onsetMs === null || ctx.service === null) return null;
  const lead = (ctx.onsetMs - r.tsMs) / 1000;
  if (lead < -ctx.skewSeconds) {
    return {
      factor: 'telemetry',
      multiplier: W.afterOnset,
      text: `made ${formatSeconds(-lead)} after ${ctx.service} errors began`,
    };
  }
  const began =
    lead <= 0
      ? `${ctx.service} errors began as it was made`
      : `${ctx.service} errors began ${formatSeconds(lead)} after it`;
  if (lead <= ctx.skewSeconds + W.onsetSampleSeconds)
    return { factor: 'telemetry', multiplier: W.promptOnset, text: began };
  if (lead <= W.onsetLeadSeconds)
    return { factor: 'telemetry', multiplier: W.beforeOnset, text: `${began} (slow onset)` };
  return null;
}

/** Combines every piece of telemetry evidence for a change into one factor. */
export function telemetryFactor(ctx: TelemetryContext, r: ChangeRecord): Factor {
  const pieces = [rollbackEvidence(ctx, r), flagEvidence(ctx, r), onsetEvidence(ctx, r)].filter(
    (p): p is Factor => p !== null,
  );
  if (pieces.length === 0) {
    return { factor: 'telemetry', multiplier: 1, text: ctx.supplied ? 'no telemetry for this flag' : 'no telemetry' };
  }
  return {
    factor: 'telemetry',
    multiplier: pieces.reduce((m, p) => m * p.multiplier, 1),
    text: pieces.map((p) => p.text).join('; '),
  };
}

/** Prepares telemetry once per ranking (validating it); `telemetry` null or undefined means none was supplied. */
export function telemetryContext(
  telemetry: Telemetry | null | undefined,
  incidentMs: number,
  skewSeconds: number,
  service: string | null,
  rollbacks: readonly CorrelationEntry[],
): TelemetryContext {
  const flags = new Map<string, readonly Point[]>();
  for (const [key, samples] of Object.entries(telemetry?.flags ?? {})) flags.set(key, toPoints(key, samples));
  const serviceSamples = service === null ? undefined : telemetry?.services?.[service];
  const onsetMs =
    serviceSamples === undefined
      ? null
      : serviceOnset(toPoints(service ?? '', serviceSamples), incidentMs + skewSeconds * 1000);
  const supplied =
    telemetry !== null &&
    telemetry !== undefined &&
    (flags.size > 0 || Object.keys(telemetry.services ?? {}).length > 0);
  return { incidentMs, skewSeconds, service, flags, onsetMs, rollbacks, supplied };
}
