import { describe, expect, it } from 'vitest';
import { isCorrelateError } from './errors.ts';
import { findIncident, incidentFromEntry } from './incident.ts';
import { at, entry, incidentEntry } from './test-support/entries.ts';
import { formatSeconds, parseDuration, parseInstant } from './time.ts';

function code(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    return isCorrelateError(err) ? err.code : 'other';
  }
}

describe('time helpers', () => {
  it('parses RFC 3339 with offsets and fractions, and rejects the rest with BAD_TIME', () => {
    expect(parseInstant('2026-11-25T03:12:45Z')).toBe(Date.UTC(2026, 10, 25, 3, 12, 45));
    expect(parseInstant('2026-11-25T04:12:45.500+01:00')).toBe(Date.UTC(2026, 10, 25, 3, 12, 45, 500));
    expect(
      ['2026-02-30T00:00:00Z', '2026-11-25 03:12:45Z', '2026-11-25T24:00:00Z', 'now'].map((t) =>
        code(() => parseInstant(t)),
      ),
    ).toEqual(['BAD_TIME', 'BAD_TIME', 'BAD_TIME', 'BAD_TIME']);
  });

  it('parses durations and rejects others with BAD_DURATION', () => {
    expect(['30m', '90s', '2h', '1d', '45', '500ms'].map(parseDuration)).toEqual([1800, 90, 7200, 86400, 45, 0.5]);
    expect(['-5m', '5 minutes', '1.5h', ''].map((d) => code(() => parseDuration(d)))).toEqual([
      'BAD_DURATION',
      'BAD_DURATION',
      'BAD_DURATION',
      'BAD_DURATION',
    ]);
  });

  it('formats seconds for people', () => {
    expect([7, 247, 3_900, 90_000, -65].map(formatSeconds)).toEqual(['7s', '4m07s', '1h05m', '1d01h', '1m05s']);
  });
});

describe('incidents in the ledger', () => {
  it("uses PagerDuty's triggered_at as the alert time, the entry time otherwise", () => {
    const e = incidentEntry(0, 'PD-9', 'checkout-api', -30);
    expect(incidentFromEntry(e)).toEqual({
      id: 'PD-9',
      service: 'checkout-api',
      environment: 'production',
      at: at(-30),
      title: 'errors',
    });
    const noTime = { ...e, after: { id: 'PD-9', service: 'checkout-api' } };
    expect(incidentFromEntry(noTime).at).toBe(e.ts);
  });

  it('finds the earliest trigger of an id and fails with INCIDENT_NOT_FOUND otherwise', () => {
    const entries = [incidentEntry(5, 'PD-9', 'b', 100), incidentEntry(2, 'PD-9', 'a', 0), entry(3)];
    expect(findIncident(entries, 'PD-9').service).toBe('a');
    expect(code(() => findIncident(entries, 'PD-404'))).toBe('INCIDENT_NOT_FOUND');
  });
});
