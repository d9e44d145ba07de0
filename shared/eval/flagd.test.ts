import { FlagdCore } from '@openfeature/flagd-core';
import MurmurHash3 from 'imurmurhash';
import { describe, expect, it } from 'vitest';
import type { SdkConfig, SdkFlag, SdkRule } from '../protocol/sdk.ts';
import { differential, randomContexts, xorshift } from './differential.ts';
import type { EvalContext } from './evaluate.ts';
import { toFlagd } from './flagd.ts';
import { murmur3Utf8 } from './murmur3.ts';

const OPS: SdkRule['op'][] = ['in', 'not_in', 'starts_with', 'ends_with', 'contains'];

/** A random config exercising every gate: rules of every operator, prerequisite chains, breakers, rollouts. */
function randomConfig(n: number, seed: number): SdkConfig {
  const rnd = xorshift(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const flags: SdkFlag[] = [];
  for (let i = 0; i < n; i++) {
    const key = `team.domain.flag-${i}`;
    const variantSets = [
      { on: true, off: false },
      { off: 'control', blue: 'B', green: 'G' },
      { off: 0, low: 10, high: 100.5 },
      { off: { mode: 'v1' }, on: { mode: 'v2', limits: [1, 2] } },
    ] as const;
    const variants = { ...pick(variantSets) } as Record<string, SdkFlag['variants'][string]>;
    const names = Object.keys(variants).filter((v) => v !== 'off');
    const rules: SdkRule[] = [];
    const nr = Math.floor(rnd() * 4);
    for (let r = 0; r < nr; r++) {
      rules.push({
        attribute: pick(['country', 'plan', 'email', 'app.version', 'targetingKey']),
        op: pick(OPS),
        values: [pick(['DE', 'FR', 'ent', '@corp.example', '2.', 'user-1', 'ü', '吉'])],
        variation: pick([...names, 'off']),
      });
    }
    const prerequisites = i > 0 && rnd() < 0.3 ? [`team.domain.flag-${Math.floor(rnd() * i)}`] : [];
    if (rnd() < 0.05) prerequisites.push('team.domain.missing');
    flags.push({
      key,
      enabled: rnd() < 0.85,
      rollout_pct: pick([0, 1, 10, 33, 50, 99, 100]),
      variation: pick(names),
      rules,
      prerequisites,
      variants,
      safe_default: { enabled: rnd() < 0.5, rollout_pct: pick([0, 50, 100]) },
      breaker: rnd() < 0.1 ? 'open' : 'closed',
    });
  }
  // A prerequisite cycle (the control plane refuses them; the evaluators must still agree and terminate).
  flags.push({
    ...(flags[0] as SdkFlag),
    key: 'team.domain.cyc-a',
    prerequisites: ['team.domain.cyc-b'],
    enabled: true,
  });
  flags.push({
    ...(flags[0] as SdkFlag),
    key: 'team.domain.cyc-b',
    prerequisites: ['team.domain.cyc-a'],
    enabled: true,
  });
  return { environment: 'production', version: 42, flags, tombstoned: [] };
}

function flagdOf(
  config: SdkConfig,
): (ctx: EvalContext) => Map<string, { value: unknown; variant: string | undefined }> {
  const core = new FlagdCore();
  core.setConfigurations(JSON.stringify(toFlagd(config)));
  return (ctx) =>
    new Map(
      core.resolveAll(ctx as Record<string, string>).map((d) => [d.flagKey, { value: d.value, variant: d.variant }]),
    );
}

const isAscii = (s: unknown): boolean => typeof s === 'string' && /^[\x00-\x7f]*$/.test(s);

/** The hash @openfeature/flagd-core uses (imurmurhash over UTF-16 code units; equal to UTF-8 MurmurHash3 for ASCII). */
const imurmur = (text: string): number => (new MurmurHash3(text).result() as number) >>> 0;

describe('flagd export', () => {
  const config = randomConfig(60, 7);
  const contexts = randomContexts(config, 10_000, 11);
  const flagd = flagdOf(config);

  it('flagd-core agrees with our evaluator on value and variant for every ASCII targeting key', () => {
    const ascii = contexts.filter((c) => c['targetingKey'] === undefined || isAscii(c['targetingKey']));
    expect(ascii.length).toBeGreaterThan(4000);
    const { evaluations, mismatches } = differential(config, ascii, flagd);
    expect(evaluations).toBe(ascii.length * config.flags.length);
    expect(mismatches.slice(0, 3)).toEqual([]);
  });

  it('non-ASCII targeting keys: the only differences are flagd-core hashing UTF-16 code units instead of UTF-8', () => {
    // With flagd-core's hash injected, the pipelines agree on all 10,000 contexts, non-ASCII keys included …
    expect(differential(config, contexts, flagd, imurmur).mismatches.slice(0, 3)).toEqual([]);
    // … and with the reference (UTF-8) hash, which flagd's own evaluators use, only non-ASCII keys differ.
    const { mismatches } = differential(config, contexts, flagd);
    expect(mismatches.length).toBeGreaterThan(0);
    expect(mismatches.filter((m) => isAscii(m.context['targetingKey']))).toEqual([]);
    expect(murmur3Utf8('吉 星 高 照')).toBe(3435142074);
    expect(imurmur('吉 星 高 照')).not.toBe(3435142074);
  });

  it('is a valid flagd document: every flag loads and the note says what differs', () => {
    const doc = toFlagd(config);
    const core = new FlagdCore();
    expect(core.setConfigurations(JSON.stringify(doc)).length).toBe(config.flags.length);
    expect(doc.metadata['note']).toMatch(/reasons differ/);
  });
});
