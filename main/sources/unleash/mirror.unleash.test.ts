/**
 * The mirror against a real Unleash: changes made through Unleash's admin API arrive as the exact ledger leaves, in
 * order, valid for our ledger, and the console's read models (flag catalog, environment states, entry facts) read
 * them as they read a Tombstone control plane's entries.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { deriveFlagCatalog, rankCandidates } from '../../../shared/correlate/index.ts';
import { parseLeafText } from '../../../shared/ledger/leaf.ts';
import { foldEnvStates } from '../../../shared/state/env-state.ts';
import { entryFacts } from '../../../shared/state/entry-facts.ts';
import { eventDigest } from './events.ts';
import {
  connectTestUnleash,
  core,
  mirrorAll,
  ofFlag,
  sealAll,
  uniqueFlag,
  type TestUnleash,
} from './test-support/unleash.ts';

let u: TestUnleash;
beforeAll(() => {
  u = connectTestUnleash();
});

const OFF = { enabled: false, rollout_pct: 100, variation: 'on', rules: [], prerequisites: [] };

function definition(flag: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    key: flag,
    type: 'release',
    owner: 'default',
    services: [],
    tier: null,
    description: 'checkout flow',
    stage: 'ACTIVE',
    stale: false,
    archived: false,
    safe_default: { enabled: false, rollout_pct: 0 },
    expires_at: null,
    tags: [],
    ...over,
  };
}

/** Makes the lifecycle of one flag through Unleash's API; returns the strategy ids Unleash gave. */
async function lifecycle(flag: string): Promise<{ auto: string; targeted: string }> {
  const { admin } = u;
  await admin.createFlag(flag, { description: 'checkout flow' });
  await admin.tag(flag, 'simple', 'service:payments');
  await admin.ensureTagType('tier');
  await admin.tag(flag, 'tier', 'HIGH');
  await admin.setEnabled(flag, 'production', true);
  const [auto] = await admin.strategies(flag, 'production');
  const rollout = (pct: string) => ({ rollout: pct, stickiness: 'default', groupId: flag });
  await admin.updateStrategy(flag, 'production', auto!.id, { name: 'flexibleRollout', parameters: rollout('25') });
  const targeted = await admin.addStrategy(flag, 'production', {
    name: 'default',
    constraints: [{ contextName: 'userId', operator: 'IN', values: ['alice', 'bob'] }],
  });
  const variants = ['blue', 'green'].map((name) => ({
    name,
    weight: 500,
    weightType: 'variable' as const,
    stickiness: 'default',
  }));
  await admin.updateStrategy(flag, 'production', auto!.id, {
    name: 'flexibleRollout',
    parameters: rollout('50'),
    variants,
  });
  await admin.removeStrategy(flag, 'production', targeted);
  await admin.setEnvVariants(flag, 'development', [
    { name: 'red', weight: 1000, weightType: 'variable', stickiness: 'default' },
  ]);
  await admin.setEnabled(flag, 'production', false);
  await admin.describe(flag, 'checkout flow v2');
  await admin.untag(flag, 'simple', 'service:payments');
  await admin.archive(flag);
  await admin.revive(flag);
  return { auto: auto!.id, targeted };
}

describe('the Unleash mirror', () => {
  it('maps a flag’s lifecycle made through the admin API to the exact leaves, in order', async () => {
    const flag = uniqueFlag('checkout.lifecycle');
    const ids = await lifecycle(flag);
    const mine = ofFlag((await mirrorAll(u.client)).events, flag);
    expect(mine.map((m) => [m.event.type, m.draft.action, m.draft.env, m.draft.reason])).toEqual([
      ['feature-created', 'flag.created', null, 'Unleash: flag created in project default'],
      ['feature-tagged', 'flag.updated', null, 'Unleash: tag added'],
      ['feature-tagged', 'flag.updated', null, 'Unleash: tag added'],
      ['feature-strategy-add', 'flag.updated', 'production', 'Unleash: strategy flexibleRollout added in production'],
      ['feature-environment-enabled', 'flag.updated', 'production', 'Unleash: production enabled'],
      [
        'feature-strategy-update',
        'flag.updated',
        'production',
        'Unleash: strategy flexibleRollout updated in production',
      ],
      ['feature-strategy-add', 'flag.updated', 'production', 'Unleash: strategy default added in production'],
      [
        'feature-strategy-update',
        'flag.updated',
        'production',
        'Unleash: strategy flexibleRollout updated in production',
      ],
      ['feature-strategy-remove', 'flag.updated', 'production', 'Unleash: strategy default removed in production'],
      [
        'feature-environment-variants-updated',
        'flag.updated',
        'development',
        'Unleash: variants updated in development',
      ],
      ['feature-environment-disabled', 'flag.updated', 'production', 'Unleash: production disabled'],
      ['feature-metadata-updated', 'flag.updated', null, 'Unleash: flag metadata updated'],
      ['feature-untagged', 'flag.updated', null, 'Unleash: tag removed'],
      ['feature-archived', 'flag.updated', null, 'Unleash: flag archived'],
      ['feature-revived', 'flag.updated', null, 'Unleash: flag revived'],
    ]);
    const states = mine.map((m) => [core(m.draft.before), core(m.draft.after)]);
    const on = { ...OFF, enabled: true };
    expect(states.slice(3, 11)).toEqual([
      [OFF, OFF],
      [OFF, on],
      [on, { ...on, rollout_pct: 25 }],
      [
        { ...on, rollout_pct: 25 },
        {
          ...on,
          rollout_pct: 25,
          rules: [{ attribute: 'userId', op: 'in', values: ['alice', 'bob'], variation: 'on' }],
        },
      ],
      [
        {
          ...on,
          rollout_pct: 25,
          rules: [{ attribute: 'userId', op: 'in', values: ['alice', 'bob'], variation: 'on' }],
        },
        {
          ...on,
          rollout_pct: 50,
          variation: 'blue 50%, green 50%',
          rules: [{ attribute: 'userId', op: 'in', values: ['alice', 'bob'], variation: 'on' }],
        },
      ],
      [
        {
          ...on,
          rollout_pct: 50,
          variation: 'blue 50%, green 50%',
          rules: [{ attribute: 'userId', op: 'in', values: ['alice', 'bob'], variation: 'on' }],
        },
        { ...on, rollout_pct: 50, variation: 'blue 50%, green 50%' },
      ],
      [OFF, { ...OFF, variation: 'red 100%' }],
      [
        { ...on, rollout_pct: 50, variation: 'blue 50%, green 50%' },
        { ...OFF, rollout_pct: 50, variation: 'blue 50%, green 50%' },
      ],
    ]);
    const created = mine[0]!.draft.after as Record<string, unknown>;
    expect(created).toEqual({
      ...definition(flag),
      environments: {
        development: { ...OFF, unleash: { strategies: [], variants: [] } },
        production: { ...OFF, unleash: { strategies: [], variants: [] } },
      },
    });
    const tagged = ['simple:service:payments', 'tier:HIGH'];
    expect(mine.slice(1, 3).map((m) => m.draft.after)).toEqual([
      definition(flag, { services: ['payments'], tags: ['simple:service:payments'] }),
      definition(flag, { services: ['payments'], tier: 'HIGH', tags: tagged }),
    ]);
    expect(mine.slice(11).map((m) => m.draft.after)).toEqual([
      definition(flag, { services: ['payments'], tier: 'HIGH', tags: tagged, description: 'checkout flow v2' }),
      definition(flag, { tier: 'HIGH', tags: ['tier:HIGH'], description: 'checkout flow v2' }),
      definition(flag, {
        tier: 'HIGH',
        tags: ['tier:HIGH'],
        description: 'checkout flow v2',
        stage: 'ARCHIVED',
        archived: true,
      }),
      definition(flag, { tier: 'HIGH', tags: ['tier:HIGH'], description: 'checkout flow v2' }),
    ]);
    const strategyIds = mine.map((m) => m.draft.refs['unleash_strategy'] ?? null);
    expect(strategyIds.slice(3, 9)).toEqual([ids.auto, null, ids.auto, ids.targeted, ids.auto, ids.targeted]);
    for (const m of mine) {
      expect(m.draft.ts).toBe(m.event.createdAt);
      expect(m.draft.actor).toEqual({ type: 'service', id: 'tombstone-tests' });
      expect(m.draft.refs).toMatchObject({
        unleash_event: String(m.event.id),
        unleash_type: m.event.type,
        unleash_sha256: eventDigest(m.event),
        unleash_project: 'default',
      });
    }
  });

  it('keeps the exact Unleash configuration under `unleash`, and the leaves are valid for our ledger', async () => {
    const flag = uniqueFlag('search.detail');
    await u.admin.createFlag(flag);
    await u.admin.setEnabled(flag, 'development', true);
    const [auto] = await u.admin.strategies(flag, 'development');
    const all = (await mirrorAll(u.client)).events;
    const mine = ofFlag(all, flag);
    expect(mine.map((m) => m.event.type)).toEqual([
      'feature-created',
      'feature-strategy-add',
      'feature-environment-enabled',
    ]);
    expect((mine[2]!.draft.after as Record<string, unknown>)['unleash']).toEqual({
      strategies: [
        {
          id: auto!.id,
          name: 'flexibleRollout',
          title: null,
          disabled: false,
          sortOrder: 0,
          parameters: { groupId: flag, rollout: '100', stickiness: 'default' },
          constraints: [],
          segments: [],
          variants: [],
        },
      ],
      variants: [],
    });
    const sealed = sealAll(all);
    sealed.forEach(({ text, leaf }, idx) => {
      expect(parseLeafText(text, { log: 'unleash.test/mirror', idx, prev: leaf.prev })).toEqual(leaf);
    });
    expect(sealed.length).toBe(all.length);
  });

  it('is read by the console’s flag catalog, environment states and entry facts', async () => {
    const flag = uniqueFlag('payments.read-models');
    await u.admin.createFlag(flag, { type: 'operational', description: 'payments kill switch' });
    await u.admin.tag(flag, 'simple', 'service:payments');
    await u.admin.tag(flag, 'simple', 'tier:medium');
    await u.admin.setEnabled(flag, 'production', true);
    const [auto] = await u.admin.strategies(flag, 'production');
    await u.admin.updateStrategy(flag, 'production', auto!.id, {
      name: 'flexibleRollout',
      parameters: { rollout: '30', stickiness: 'default', groupId: flag },
    });
    const leaves = sealAll((await mirrorAll(u.client)).events).map((s) => s.leaf);
    const mine = leaves.filter((l) => l.flag === flag);
    const info = deriveFlagCatalog(leaves).get(flag);
    expect(info).toMatchObject({ key: flag, type: 'ops', owner: 'default', services: ['payments'], tier: 'MEDIUM' });
    expect(info?.stage).toBe('ACTIVE');
    const envs = foldEnvStates(mine.map((l) => ({ ...l, after: l.after })));
    expect(envs['production']).toEqual({ ...OFF, enabled: true, rollout_pct: 30 });
    expect(envs['development']).toEqual(OFF);
    expect(mine.map((l) => entryFacts(l).change)).toEqual([false, false, false, false, true, true]);
    expect(mine.map((l) => entryFacts(l).setsState)).toEqual([true, false, false, true, true, true]);
  });

  it('is ranked by the correlation model: the toggle on the incident’s service ranks first', async () => {
    const payments = uniqueFlag('payments.ranked');
    const search = uniqueFlag('search.ranked');
    // Test files share one Unleash: a service name of its own keeps other tests' toggles out of the question.
    const service = `payments-${payments.split('.').pop()}`;
    await u.admin.ensureTagType('service');
    await u.admin.createFlag(payments);
    await u.admin.tag(payments, 'service', service);
    await u.admin.createFlag(search);
    await u.admin.tag(search, 'service', `search-${service}`);
    await u.admin.setEnabled(payments, 'production', true);
    await u.admin.setEnabled(search, 'production', true);
    const leaves = sealAll((await mirrorAll(u.client)).events).map((s) => s.leaf);
    const at = new Date(Date.parse(leaves[leaves.length - 1]!.ts) + 60_000).toISOString();
    const result = rankCandidates({
      entries: leaves.map((l) => ({ ...l, verified: true })),
      incident: { id: null, service, environment: 'production', at },
    });
    const top = result.candidates[0]!;
    expect([top.flag_key, top.environment, top.actor]).toEqual([payments, 'production', 'tombstone-tests']);
    expect(top.previous_value).toMatchObject({ enabled: false, rollout_pct: 100 });
    expect(top.new_value).toMatchObject({ enabled: true, rollout_pct: 100 });
    expect(top.explanation.find((f) => f.factor === 'service')).toEqual({
      factor: 'service',
      multiplier: 10,
      text: `evaluated by ${service}`,
    });
    // The other toggle was scored too (it is a candidate, just not on the failing service).
    expect(result.considered).toBeGreaterThanOrEqual(2);
  });
});
