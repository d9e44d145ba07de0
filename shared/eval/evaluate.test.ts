import { describe, expect, it } from 'vitest';
import type { SdkConfig, SdkFlag } from '../protocol/sdk.ts';
import { ConfigError, Evaluator } from './evaluate.ts';
import { rolloutBucket } from './murmur3.ts';

function flag(key: string, over: Partial<SdkFlag> = {}): SdkFlag {
  return {
    key,
    enabled: true,
    rollout_pct: 100,
    variation: 'on',
    rules: [],
    prerequisites: [],
    variants: { on: true, off: false },
    safe_default: { enabled: false, rollout_pct: 0 },
    breaker: 'closed',
    ...over,
  };
}

function config(flags: SdkFlag[], tombstoned: string[] = []): SdkConfig {
  return { environment: 'production', version: 7, flags, tombstoned };
}

const keys = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);

describe('gate 1: existence', () => {
  it('returns the caller default with FLAG_NOT_FOUND for unknown and tombstoned keys', () => {
    const ev = new Evaluator(config([flag('a.b.c')], ['a.b.gone']));
    expect(ev.evaluate('a.b.nope', {}, 'dflt')).toEqual({
      value: 'dflt',
      variant: undefined,
      reason: 'ERROR',
      errorCode: 'FLAG_NOT_FOUND',
      message: 'flag a.b.nope does not exist in production (config version 7)',
      version: 7,
    });
    const gone = ev.evaluate('a.b.gone', {}, 3);
    expect(gone.value).toBe(3);
    expect(gone.errorCode).toBe('FLAG_NOT_FOUND');
    expect(gone.message).toBe('flag a.b.gone was archived (tombstoned); remove it from the code');
  });

  it('serves off with DISABLED when the flag is disabled, and STATIC when at 100 % without rules', () => {
    const ev = new Evaluator(config([flag('a.b.off', { enabled: false }), flag('a.b.on')]));
    expect(ev.evaluate('a.b.off', { targetingKey: 'u' }, true)).toEqual({
      value: false,
      variant: 'off',
      reason: 'DISABLED',
      version: 7,
    });
    expect(ev.evaluate('a.b.on', {}, false)).toEqual({ value: true, variant: 'on', reason: 'STATIC', version: 7 });
  });
});

describe('gate 2: prerequisites', () => {
  it('serves off unless every prerequisite is on for this context (depth-first)', () => {
    const ev = new Evaluator(
      config([
        flag('a.b.child', { prerequisites: ['a.b.parent'] }),
        flag('a.b.parent', { prerequisites: ['a.b.grand'] }),
        flag('a.b.grand', {
          rules: [{ attribute: 'country', op: 'in', values: ['DE'], variation: 'on' }],
          rollout_pct: 0,
        }),
      ]),
    );
    expect(ev.evaluate('a.b.child', { country: 'DE' }, false)).toMatchObject({ value: true, reason: 'DEFAULT' });
    expect(ev.evaluate('a.b.child', { country: 'FR' }, false)).toEqual({
      value: false,
      variant: 'off',
      reason: 'DEFAULT',
      message: 'prerequisite a.b.parent is not on for this context',
      version: 7,
    });
  });

  it('treats a missing prerequisite and a cycle as off and terminates', () => {
    const ev = new Evaluator(
      config([
        flag('a.b.x', { prerequisites: ['a.b.y'] }),
        flag('a.b.y', { prerequisites: ['a.b.x'] }),
        flag('a.b.z', { prerequisites: ['a.b.missing'] }),
      ]),
    );
    expect(ev.evaluate('a.b.x', {}, null).variant).toBe('off');
    expect(ev.evaluate('a.b.y', {}, null).variant).toBe('off');
    expect(ev.evaluate('a.b.z', {}, null).message).toBe('prerequisite a.b.missing is not on for this context');
  });
});

describe('gate 3: rules', () => {
  const ev = new Evaluator(
    config([
      flag('a.b.r', {
        rollout_pct: 0,
        variants: { off: 'v1', blue: 'B', green: 'G', red: 'R', pink: 'P', gold: 'Y' },
        variation: 'blue',
        rules: [
          { attribute: 'country', op: 'in', values: ['DE', 'AT'], variation: 'blue' },
          { attribute: 'email', op: 'ends_with', values: ['@corp.example'], variation: 'green' },
          { attribute: 'app.version', op: 'starts_with', values: ['2.'], variation: 'red' },
          { attribute: 'plan', op: 'contains', values: ['enter'], variation: 'pink' },
          { attribute: 'tier', op: 'not_in', values: ['free'], variation: 'gold' },
        ],
      }),
    ]),
  );
  it.each([
    [{ country: 'DE', email: 'x@corp.example' }, 'blue'],
    [{ email: 'x@corp.example', tier: 'free' }, 'green'],
    [{ app: { version: '2.1.0' }, tier: 'free' }, 'red'],
    [{ plan: 'enterprise', tier: 'free' }, 'pink'],
    [{ tier: 'pro' }, 'gold'],
    [{}, 'gold'],
    [{ tier: 'free' }, 'off'],
    [{ country: 7, tier: 'free' }, 'off'],
  ])('%j → %s', (ctx, variant) => {
    const r = ev.evaluate('a.b.r', ctx, 'x');
    expect(r.variant).toBe(variant);
    expect(r.reason).toBe(variant === 'off' ? 'DEFAULT' : 'TARGETING_MATCH');
  });

  it('refuses a config with an unknown operator or variant as a whole', () => {
    const bad = flag('a.b.bad', { rules: [{ attribute: 'x', op: 'regex' as 'in', values: [], variation: 'on' }] });
    expect(() => new Evaluator(config([flag('a.b.ok'), bad]))).toThrow(ConfigError);
    expect(() => new Evaluator(config([bad]))).toThrow(/unknown rule operator "regex"/);
    expect(() => new Evaluator(config([flag('a.b.v', { variation: 'nope' })]))).toThrow(/variant "nope"/);
    expect(() => new Evaluator(config([flag('a.b.v', { variants: { on: true } })]))).toThrow(/must include "off"/);
  });
});

describe('gate 4: rollout', () => {
  it.each([1, 10, 50, 99])('%i %% serves that share of 100,000 keys within ±0.5 points', (pct) => {
    const ev = new Evaluator(config([flag('payments.card.rollout', { rollout_pct: pct })]));
    let inside = 0;
    for (const k of keys) if (ev.evaluate('payments.card.rollout', { targetingKey: k }, false).value === true) inside++;
    expect(Math.abs((inside / keys.length) * 100 - pct)).toBeLessThanOrEqual(0.5);
  });

  it('raising a rollout never moves anyone out', () => {
    const steps = [1, 5, 10, 25, 50, 75, 99, 100];
    let previous = new Set<string>();
    for (const pct of steps) {
      const ev = new Evaluator(config([flag('a.b.ramp', { rollout_pct: pct })]));
      const now = new Set(
        keys.slice(0, 20_000).filter((k) => ev.evaluate('a.b.ramp', { targetingKey: k }, false).value),
      );
      for (const k of previous) expect(now.has(k)).toBe(true);
      previous = now;
    }
    expect(previous.size).toBe(20_000);
  });

  it('buckets by flag key + targeting key (UTF-8), so the same user lands differently per flag', () => {
    const ev = new Evaluator(config([flag('a.b.s', { rollout_pct: 50 })]));
    for (const k of ['u-1', 'ü-ß-1', '吉星', '🚀']) {
      const r = ev.evaluate('a.b.s', { targetingKey: k }, false);
      expect(r.reason).toBe('SPLIT');
      expect(r.variant).toBe(rolloutBucket('a.b.s', k) < 50 ? 'on' : 'off');
    }
  });

  it('a missing targeting key at 0 < rollout < 100 gives the default (off) with a reason', () => {
    const ev = new Evaluator(config([flag('a.b.s', { rollout_pct: 30 })]));
    for (const ctx of [{}, { targetingKey: '' }, { targetingKey: 42 }]) {
      expect(ev.evaluate('a.b.s', ctx, true)).toEqual({
        value: false,
        variant: 'off',
        reason: 'DEFAULT',
        message: 'no targetingKey in the context: a.b.s is at 30% and needs one to place the user',
        version: 7,
      });
    }
  });
});

describe('gate 5: circuit breaker', () => {
  it('an open breaker serves the safe default; closed serves the state', () => {
    const on = flag('a.b.cb', { safe_default: { enabled: false, rollout_pct: 0 } });
    expect(new Evaluator(config([on])).evaluate('a.b.cb', {}, null).value).toBe(true);
    const open = new Evaluator(config([{ ...on, breaker: 'open' }])).evaluate('a.b.cb', {}, null);
    expect(open).toEqual({ value: false, variant: 'off', reason: 'DISABLED', version: 7 });
  });
});
