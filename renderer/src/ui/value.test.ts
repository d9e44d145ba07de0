import { describe, expect, it } from 'vitest';
import { describeValue, diffRows, stableJson } from './value.tsx';

describe('value rendering', () => {
  it('describes env states compactly', () => {
    expect(describeValue({ enabled: true, rollout_pct: 25, variation: 'blue', rules: [{}], prerequisites: [] })).toBe('on · 25 % · variation blue · 1 rules');
    expect(describeValue({ enabled: false, rollout_pct: 0 })).toBe('off · 0 %');
    expect(describeValue(null)).toBe('—');
    expect(describeValue({ reason: 'x' })).toBe('{"reason":"x"}');
  });

  it('diffs two objects key by key', () => {
    expect(diffRows({ enabled: false, rollout_pct: 0 }, { enabled: true, rollout_pct: 0, variation: 'on' })).toEqual([
      { key: 'enabled', before: 'false', after: 'true', changed: true },
      { key: 'rollout_pct', before: '0', after: '0', changed: false },
      { key: 'variation', before: '(absent)', after: '"on"', changed: true },
    ]);
    expect(diffRows(null, 3)).toEqual([{ key: 'value', before: 'null', after: '3', changed: true }]);
  });

  it('compares objects independent of key order', () => {
    expect(stableJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe(stableJson({ a: [{ c: 3, d: 2 }], b: 1 }));
    expect(stableJson({ a: 1 })).not.toBe(stableJson({ a: 2 }));
  });
});
