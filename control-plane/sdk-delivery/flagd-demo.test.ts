import { FlagdCore } from '@openfeature/flagd-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differential, randomContexts } from '../../shared/eval/differential.ts';
import type { EvalContext } from '../../shared/eval/index.ts';
import { Evaluator } from '../../shared/eval/index.ts';
import type { SdkConfig } from '../../shared/protocol/sdk.ts';
import type { Harness } from '../test-support/harness.ts';
import { obj, startHarness } from '../test-support/harness.ts';

let h: Harness;
let key: string;

beforeAll(async () => {
  h = await startHarness({ demo: { seed: 1, incidentAfterMs: 3_600_000, telemetry: false } });
  const res = await h.req('alice', 'POST', '/api/v1/sdk/keys', { environment: 'production', name: 'diff' });
  key = obj(res)['key'] as string;
}, 120_000);
afterAll(async () => {
  await h.close();
});

describe('flagd interop on the demo', () => {
  it('flagd-core on GET /api/v1/sdk/flagd returns exactly our value and variant for every demo flag and 10,000 contexts', async () => {
    const auth = { Authorization: `Bearer ${key}` };
    const config = (await (await fetch(`${h.url}/api/v1/sdk/config`, { headers: auth })).json()) as SdkConfig;
    const doc = await (await fetch(`${h.url}/api/v1/sdk/flagd`, { headers: auth })).text();
    expect(config.flags.length).toBeGreaterThan(150);
    expect(config.flags.some((f) => f.rules.length > 0)).toBe(true);
    expect(config.flags.some((f) => f.prerequisites.length > 0)).toBe(true);
    expect(config.flags.some((f) => f.rollout_pct > 0 && f.rollout_pct < 100 && f.enabled)).toBe(true);
    const core = new FlagdCore();
    expect(core.setConfigurations(doc)).toHaveLength(config.flags.length);
    // ASCII targeting keys: flagd-core hashes UTF-16 code units, which equals UTF-8 only for ASCII (see flagd.test.ts).
    const contexts = randomContexts(config, 20_000, 3)
      .filter((c) => typeof c['targetingKey'] !== 'string' || /^[\x00-\x7f]*$/.test(c['targetingKey']))
      .slice(0, 10_000);
    expect(contexts).toHaveLength(10_000);
    const { evaluations, mismatches } = differential(config, contexts, (ctx: EvalContext) => {
      const all = core.resolveAll(ctx as Record<string, string>);
      return new Map(all.map((d) => [d.flagKey, { value: d.value, variant: d.variant }]));
    });
    expect(evaluations).toBe(10_000 * config.flags.length);
    expect(mismatches.slice(0, 3)).toEqual([]);
    // Sanity: the evaluator really splits (not everything off).
    const ev = new Evaluator(config);
    const reasons = new Set(
      contexts.slice(0, 500).flatMap((c) => config.flags.map((f) => ev.evaluate(f.key, c, null).reason)),
    );
    expect([...reasons].sort()).toEqual(expect.arrayContaining(['DISABLED', 'SPLIT', 'TARGETING_MATCH']));
  }, 120_000);
});
