import { describe, expect, it } from 'vitest';
import { age, clock, dateTime, seconds } from './time-format.ts';

describe('time formatting', () => {
  it('formats UTC clock and date-time', () => {
    expect(clock('2026-11-25T03:12:45.123Z')).toBe('03:12:45 UTC');
    expect(dateTime('2026-11-25T03:12:45.123Z')).toBe('2026-11-25 03:12:45 UTC');
    expect(clock('not a time')).toBe('not a time');
  });

  it('formats ages and signed seconds', () => {
    const now = Date.parse('2026-11-25T04:00:00.000Z');
    expect(age('2026-11-25T03:59:18.000Z', now)).toBe('42 s');
    expect(age('2026-11-25T03:00:00.000Z', now)).toBe('60 min');
    expect(age('2026-11-25T00:00:00.000Z', now)).toBe('4 h');
    expect(age('2026-11-20T04:00:00.000Z', now)).toBe('5 d');
    expect(age('2026-11-25T05:00:00.000Z', now)).toBe('0 s');
    expect(seconds(95)).toBe('95 s');
    expect(seconds(245)).toBe('4 min 5 s');
    expect(seconds(-30)).toBe('-30 s');
  });
});
