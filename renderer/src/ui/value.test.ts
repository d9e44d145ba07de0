import { describe, expect, it } from 'vitest';
import { describeValue, diffRows, stableJson } from './value.tsx';

describe('value rendering', () => {
  it('describes env states compactly', () => {
    expect(describeValue({ enabled: true, rollout_pct: 25, variation: 'blue', rules: [{}], prerequisites: [] })).toBe(
      'on · 25 % · variation blue · 1 rule',
    );
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

  it('shows rules one per line and prerequisites as a list, so a reviewer reads what changed', () => {
    const rule = (values: string[]) => ({ attribute: 'app_version', op: 'in', values, variation: 'on' });
    const rows = diffRows(
      { rules: [rule(['NL'])], prerequisites: [], rollout_pct: 5 },
      {
        rules: [rule(['NL']), { attribute: 'plan', op: 'in', values: ['GB', 'IE'], variation: 'on' }],
        prerequisites: ['pay.core.v2', 'pay.fx'],
        rollout_pct: 5,
      },
    );
    expect(rows).toEqual([
      { key: 'prerequisites', before: 'none', after: 'pay.core.v2, pay.fx', changed: true },
      { key: 'rollout_pct', before: '5', after: '5', changed: false },
      {
        key: 'rules',
        before: 'app_version in NL → on',
        after: 'app_version in NL → on\nplan in GB, IE → on',
        changed: true,
      },
    ]);
    // Key order inside a value does not count as a change; odd shapes fall back to JSON.
    expect(
      diffRows(
        { rules: [{ values: ['a'], op: 'in', attribute: 'x' }] },
        { rules: [{ attribute: 'x', op: 'in', values: ['a'] }] },
      )[0]?.changed,
    ).toBe(false);
    expect(diffRows({ rules: [{ weird: 1 }] }, { rules: [] })).toEqual([
      { key: 'rules', before: '[{"weird":1}]', after: 'none', changed: true },
    ]);
  });

  it('compares objects independent of key order', () => {
    expect(stableJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe(stableJson({ a: [{ c: 3, d: 2 }], b: 1 }));
    expect(stableJson({ a: 1 })).not.toBe(stableJson({ a: 2 }));
  });
});
