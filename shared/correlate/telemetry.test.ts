import { describe, expect, it } from 'vitest';
import { isCorrelateError } from './errors.ts';
import { findIncident } from './incident.ts';
import { rankCandidates } from './rank.ts';
import { serviceOnset, toPoints } from './telemetry.ts';
import { T0, at, created, entry, incidentEntry, state } from './test-support/entries.ts';
import type { CorrelationEntry, ErrorRateSample, Telemetry } from './types.ts';

const FLAG = 'checkout.pay.v2';

function series(from: number, to: number, rate: (s: number) => number): ErrorRateSample[] {
  const out: ErrorRateSample[] = [];
  for (let s = from; s <= to; s += 60) out.push({ at: at(s), error_rate: rate(s) });
  return out;
}

function ledger(extra: CorrelationEntry[] = []): CorrelationEntry[] {
  return [
    created(0, FLAG, ['checkout-api']),
    entry(1, { flag: FLAG, ts: at(-600), before: state(false, 0), after: state(true, 50) }),
    ...extra,
    incidentEntry(9, 'PD-1', 'checkout-api', 0),
  ];
}

function telemetryOf(entries: CorrelationEntry[], telemetry?: Telemetry) {
  const r = rankCandidates({ entries, incident: findIncident(entries, 'PD-1'), telemetry });
  return {
    r,
    factor: r.candidates.find((c) => c.ledger_idx === 1)!.explanation.find((f) => f.factor === 'telemetry')!,
  };
}

describe('telemetry factor', () => {
  it('says "no telemetry" and stays neutral without any', () => {
    expect(telemetryOf(ledger()).factor).toEqual({ factor: 'telemetry', multiplier: 1, text: 'no telemetry' });
    expect(telemetryOf(ledger(), { flags: { other: [] } }).factor.text).toBe('no telemetry for this flag');
  });

  it("treats the circuit breaker's rollback of the flag as evidence, and lists it as context, never as a candidate", () => {
    const rollback = entry(2, {
      action: 'flag.auto_rolled_back',
      flag: FLAG,
      ts: at(-300),
      actor: { type: 'system', id: 'system:evaluator' },
      before: state(true, 50),
      after: state(false, 50),
      reason: 'circuit_breaker',
    });
    const { r, factor } = telemetryOf(ledger([rollback]));
    expect(factor).toEqual({ factor: 'telemetry', multiplier: 3, text: 'circuit breaker rolled it back 5m00s later' });
    expect(r.candidates.map((c) => c.ledger_idx)).toEqual([1]);
    expect(r.context.map((c) => [c.ledger_idx, c.actor, c.delta_seconds_before_alert, c.reason])).toEqual([
      [2, 'system:evaluator', 300, 'circuit_breaker'],
    ]);
  });

  it("boosts a change after which the flag's own error rate rose, and mildly clears one where it stayed flat", () => {
    const rose = series(-1200, 0, (s) => (s < -600 ? 0.005 : 0.08));
    expect(telemetryOf(ledger(), { flags: { [FLAG]: rose } }).factor).toEqual({
      factor: 'telemetry',
      multiplier: 2.5,
      text: 'flag error rate 0.5% → 8% after the change',
    });
    const flat = series(-1200, 0, () => 0.005);
    expect(telemetryOf(ledger(), { flags: { [FLAG]: flat } }).factor).toEqual({
      factor: 'telemetry',
      multiplier: 0.7,
      text: 'flag error rate flat (0.5% → 0.5%)',
    });
  });

  it('compares only the ten minutes on each side of the change, so a later rise is not blamed on it', () => {
    const lateRise = series(-2400, 0, (s) => (s < -60 ? 0.005 : 0.2));
    const early = entry(1, { flag: FLAG, ts: at(-1500), before: state(false, 0), after: state(true, 50) });
    const entries = [created(0, FLAG, ['checkout-api']), early, incidentEntry(9, 'PD-1', 'checkout-api', 0)];
    expect(telemetryOf(entries, { flags: { [FLAG]: lateRise } }).factor.multiplier).toBe(0.7);
  });

  it("uses when the paging service's errors began: a change just before is suspicious, one after cannot have started them", () => {
    const prompt = { 'checkout-api': series(-1800, 0, (s) => (s < -540 ? 0.01 : 0.1)) };
    expect(telemetryOf(ledger(), { services: prompt }).factor).toEqual({
      factor: 'telemetry',
      multiplier: 2.5,
      text: 'checkout-api errors began 1m00s after it',
    });
    const services = { 'checkout-api': series(-1800, 0, (s) => (s < -360 ? 0.01 : 0.1)) };
    const before = telemetryOf(ledger(), { services }).factor;
    expect(before).toEqual({
      factor: 'telemetry',
      multiplier: 1.2,
      text: 'checkout-api errors began 4m00s after it (slow onset)',
    });
    const long = entry(1, { flag: FLAG, ts: at(-1000), before: state(false, 0), after: state(true, 50) });
    expect(
      telemetryOf([created(0, FLAG, ['checkout-api']), long, incidentEntry(9, 'PD-1', 'checkout-api', 0)], { services })
        .factor,
    ).toEqual({ factor: 'telemetry', multiplier: 1, text: 'no telemetry for this flag' });
    const late = entry(1, { flag: FLAG, ts: at(-100), before: state(false, 0), after: state(true, 50) });
    const entries = [created(0, FLAG, ['checkout-api']), late, incidentEntry(9, 'PD-1', 'checkout-api', 0)];
    expect(telemetryOf(entries, { services }).factor).toEqual({
      factor: 'telemetry',
      multiplier: 0.3,
      text: 'made 4m20s after checkout-api errors began',
    });
  });

  it("says when only the service's telemetry was supplied, so nobody mistakes it for per-flag evidence", () => {
    const services = { 'checkout-api': series(-1800, 0, () => 0.01) };
    const note =
      "No per-flag error rates: only the service's error onset and the automatic rollbacks count as telemetry (flags' own rates come from the control plane while it is live).";
    expect(telemetryOf(ledger(), { services }).r.notes).toContain(note);
    expect(telemetryOf(ledger(), { services, flags: { [FLAG]: series(-1200, 0, () => 0.005) } }).r.notes).not.toContain(
      note,
    );
  });

  it('finds the onset of the final rise and nothing when the rate never rose', () => {
    const points = toPoints(
      's',
      series(-600, 0, (s) => (s < -180 ? 0.01 : 0.05)),
    );
    expect(serviceOnset(points, T0)).toBe(T0 - 180_000);
    expect(
      serviceOnset(
        toPoints(
          's',
          series(-600, 0, () => 0.01),
        ),
        T0,
      ),
    ).toBeNull();
    expect(
      serviceOnset(
        toPoints(
          's',
          series(-120, 0, () => 0.5),
        ),
        T0,
      ),
    ).toBeNull();
  });

  it('rejects impossible samples with BAD_TELEMETRY', () => {
    const bad = (samples: ErrorRateSample[]): string | null => {
      try {
        toPoints('f', samples);
        return null;
      } catch (err) {
        return isCorrelateError(err) ? err.code : 'other';
      }
    };
    expect([
      bad([{ at: at(0), error_rate: 2 }]),
      bad([{ at: at(0), error_rate: Number.NaN }]),
      bad([{ at: at(0), error_rate: 0.1, requests: -1 }]),
      bad([{ at: 'later', error_rate: 0.1 }]),
    ]).toEqual(['BAD_TELEMETRY', 'BAD_TELEMETRY', 'BAD_TELEMETRY', 'BAD_TIME']);
  });
});
