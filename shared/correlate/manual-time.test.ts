import { describe, expect, it } from 'vitest';
import { futureTimeError, MANUAL_TIME_SKEW_MS } from './manual-time.ts';

describe('manual incident time', () => {
  const now = Date.parse('2026-12-05T05:00:00.000Z');
  it('accepts the past, now and the skew tolerance', () => {
    expect(futureTimeError('2026-12-05T04:00:00.000Z', now)).toBeNull();
    expect(futureTimeError(new Date(now + MANUAL_TIME_SKEW_MS).toISOString(), now)).toBeNull();
  });
  it('refuses a time beyond the tolerance with E_TIME_IN_FUTURE and a sentence', () => {
    expect(futureTimeError('2030-01-01T00:00:00.000Z', now)).toEqual({
      code: 'E_TIME_IN_FUTURE',
      message:
        '2030-01-01 00:00:00 UTC is in the future; changes can only be ranked before a moment that has happened. Enter a time no later than 2 minutes from now.',
    });
    expect(futureTimeError(new Date(now + MANUAL_TIME_SKEW_MS + 1000).toISOString(), now)?.code).toBe(
      'E_TIME_IN_FUTURE',
    );
  });
});
