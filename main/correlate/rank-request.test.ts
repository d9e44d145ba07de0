import { describe, expect, it } from 'vitest';
import { CorrelateInputError } from './errors.ts';
import { parseRankRequest } from './rank-request.ts';

function message(args: unknown): string {
  try {
    parseRankRequest(args);
    return '';
  } catch (err) {
    return err instanceof CorrelateInputError ? err.message : 'other';
  }
}

describe('parseRankRequest', () => {
  it('accepts an incident id or a typed-in time with options', () => {
    expect(parseRankRequest({ incident_id: 'PD-1' })).toEqual({
      query: { kind: 'incident', id: 'PD-1' },
      service: null,
      environment: null,
      options: { windowSeconds: undefined, limit: undefined },
      telemetry: null,
    });
    expect(
      parseRankRequest({ at: '2026-11-25T03:00:00Z', service: 'checkout-api', window_seconds: 3600, limit: 5 }),
    ).toEqual({
      query: { kind: 'at', at: '2026-11-25T03:00:00Z' },
      service: 'checkout-api',
      environment: null,
      options: { windowSeconds: 3600, limit: 5 },
      telemetry: null,
    });
  });

  it('rejects anything else with E_INPUT and the field at fault', () => {
    expect(message(null)).toBe('E_INPUT: ranking request: must be an object.');
    expect(message({})).toBe('E_INPUT: ranking request: give exactly one of "incident_id" and "at".');
    expect(message({ incident_id: 'a', at: '2026-11-25T03:00:00Z' })).toBe(
      'E_INPUT: ranking request: give exactly one of "incident_id" and "at".',
    );
    expect(message({ at: 'soon' })).toBe('E_INPUT: ranking request: "at" must be an RFC 3339 time.');
    expect(message({ incident_id: 'a', limit: 0 })).toBe(
      'E_INPUT: ranking request: the limit must be a whole number ≥ 1 (e.g. 3).',
    );
    expect(message({ incident_id: 'a', service: 7 })).toBe(
      'E_INPUT: ranking request: "service" must be a non-empty string of at most 256 characters.',
    );
    expect(message({ incident_id: 'a', __proto__x: 1 })).toBe('E_INPUT: ranking request: unknown field "__proto__x".');
  });
});
