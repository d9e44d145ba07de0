import { describe, expect, it } from 'vitest';
import { deriveFlagCatalog, type FlagInfo } from '../correlate/index.ts';
import { created } from '../correlate/test-support/entries.ts';
import { flagDetailOf, flagMatchRank, flagSummaryOf } from './flags.ts';

function info(key: string, o: Partial<FlagInfo> = {}): FlagInfo {
  return {
    key,
    type: 'release',
    owner: 'pay',
    services: ['checkout-api'],
    tier: 'HIGH',
    stage: 'ACTIVE',
    safe_default: { enabled: false, rollout_pct: 0 },
    description: 'd',
    expires_at: null,
    prerequisites: {},
    tombstoned: false,
    updated_idx: 0,
    ...o,
  };
}

describe('flag summaries', () => {
  it('builds summary and detail from the catalog record', () => {
    const catalog = deriveFlagCatalog([
      created(0, 'pay.checkout.v2', ['checkout-api', 'web'], { tier: 'BLOCKED', owner: 'pay' }),
    ]);
    const rec = catalog.get('pay.checkout.v2')!;
    const envs = { production: { enabled: true, rollout_pct: 5, variation: 'on', rules: [], prerequisites: [] } };
    expect(flagSummaryOf(rec, envs)).toEqual({
      key: 'pay.checkout.v2',
      type: 'release',
      owner: 'pay',
      services: ['checkout-api', 'web'],
      tier: 'BLOCKED',
      stage: 'ACTIVE',
      tombstoned: false,
      environments: envs,
    });
    expect(flagDetailOf(rec, envs, ['z.z.z', 'a.a.a'], 12)).toMatchObject({
      description: 'pay.checkout.v2',
      safe_default: { enabled: false, rollout_pct: 0 },
      dependents: ['a.a.a', 'z.z.z'],
      lastChangeIdx: 12,
    });
  });

  it('shows what the ledger never said with conservative stand-ins, and tombstones as TOMBSTONED', () => {
    const bare = info('a.b.c', {
      type: null,
      owner: null,
      services: null,
      tier: null,
      stage: null,
      safe_default: null,
      description: null,
    });
    expect(flagDetailOf(bare, {}, [], null)).toEqual({
      key: 'a.b.c',
      type: 'unknown',
      owner: '',
      services: [],
      tier: 'BLOCKED',
      stage: 'UNKNOWN',
      tombstoned: false,
      environments: {},
      description: '',
      safe_default: { enabled: false, rollout_pct: 0 },
      dependents: [],
      lastChangeIdx: null,
    });
    expect(flagSummaryOf(info('a.b.c', { tombstoned: true, stage: 'CLEANUP' }), {}).stage).toBe('TOMBSTONED');
  });

  it('ranks type-ahead matches: key prefix, key substring, owner or service', () => {
    const flag = info('pay.checkout.v2', { owner: 'payments', services: ['edge-api'] });
    expect(['pay.ch', 'checkout', 'PAYMENTS', 'edge', 'nothing', ''].map((q) => flagMatchRank(flag, q))).toEqual([
      0,
      1,
      2,
      2,
      null,
      1,
    ]);
    expect(flagMatchRank(info('x.y.z', { owner: 'payments' }), 'paym')).toBe(2);
  });
});
