import { describe, expect, it } from 'vitest';
import * as v from './schema.ts';
import type { Check } from './schema.ts';

function refusal<T>(check: Check<T>, value: unknown): [string, string, string] {
  try {
    check(value, 'x');
  } catch (err) {
    if (err instanceof v.SchemaError) return [err.kind, err.field, err.reason];
    throw err;
  }
  throw new Error('accepted');
}

describe('one set of checks for IPC arguments and request bodies', () => {
  const shape = v.obj({
    name: v.str({ min: 1, max: 5 }),
    n: v.optional(v.int(0, 9)),
    tags: v.optional(v.arr(v.oneOf(['a']), 1)),
  });

  it('names the field and why', () => {
    expect(refusal(shape, { name: 'ok', extra: 1 })).toEqual([
      'unknown_field',
      'x.extra',
      'is not a known field; remove it',
    ]);
    expect(refusal(shape, {})).toEqual(['invalid', 'x.name', 'is required']);
    expect(refusal(shape, { name: '' })).toEqual(['invalid', 'x.name', 'must not be empty']);
    expect(refusal(shape, { name: 'abcdef' })).toEqual(['invalid', 'x.name', 'must be at most 5 characters']);
    expect(refusal(shape, { name: 'a', n: 1.5 })).toEqual(['invalid', 'x.n', 'must be a whole number from 0 to 9']);
    expect(refusal(shape, { name: 'a', tags: ['b'] })).toEqual(['invalid', 'x.tags[0]', 'must be one of a']);
    expect(refusal(shape, { name: 'a', tags: ['a', 'a'] })).toEqual(['invalid', 'x.tags', 'may hold at most 1 items']);
    expect(refusal(shape, [])).toEqual(['invalid', 'x', 'must be an object']);
    expect(shape({ name: 'a', n: undefined }, 'x')).toEqual({ name: 'a' });
  });

  it('counts visible characters in free text, in either wording', () => {
    expect(refusal(v.text(3), ' \u200b ')).toEqual([
      'invalid',
      'x',
      'must have at least 3 visible characters (has 0); spaces and invisible characters do not count',
    ]);
    expect(refusal(v.text(3, 100, 'a reason'), 'ab ')).toEqual([
      'invalid',
      'x',
      'must be a reason: 1 more visible character needed (spaces and invisible characters do not count)',
    ]);
    expect(v.text(3)('é👍🏽x', 'x')).toBe('é👍🏽x');
  });

  it('reads timestamps as epoch milliseconds or keeps the text', () => {
    expect(v.timestamp()('2026-11-25T03:12:45.123Z', 'x')).toBe(Date.UTC(2026, 10, 25, 3, 12, 45, 123));
    expect(refusal(v.timestamp(), '2026-13-01T00:00:00Z')[2]).toBe('is not a real calendar time');
    expect(v.timestampText('2026-11-25T03:12:45.123456789Z', 'x')).toBe('2026-11-25T03:12:45.123456789Z');
    expect(refusal(v.timestampText, 'yesterday')[2]).toBe('must be an RFC 3339 time like 2026-11-25T03:12:45.123Z');
  });

  it('finds the first lone surrogate, in keys too', () => {
    expect(v.firstLoneSurrogate({ a: ['ok', 'bad \ud800'] }, 'body')).toBe('body.a[1]');
    expect(v.firstLoneSurrogate({ ['k\udc00']: 1 }, 'body')).toBe('body.k\\udc00');
    expect(v.firstLoneSurrogate({ a: 'ok 😀' }, 'body')).toBe(null);
  });
});
