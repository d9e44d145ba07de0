/**
 * The parts of the mapping a current Unleash can no longer produce but older histories hold (removed strategies,
 * legacy variants), and the leaf-size guard. Everything a current Unleash produces is tested against a real one
 * (*.unleash.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { MAX_LEAF_BYTES, parseLeafText } from '../../../shared/ledger/leaf.ts';
import { emptyEnvConfig, envStateOf } from './env-state.ts';
import type { UnleashEvent } from './events.ts';
import { fitDraft, sealDraft } from './leaf.ts';
import { actorOf, applyEvent, mapEvent, rawAction } from './mapping.ts';
import type { UnleashStrategy } from './model.ts';
import { emptyMirrorState } from './state.ts';

function strategy(
  id: string,
  name: string,
  parameters: Record<string, string>,
  extra: Partial<UnleashStrategy> = {},
): UnleashStrategy {
  return {
    id,
    name,
    title: null,
    disabled: false,
    sortOrder: 0,
    parameters,
    constraints: [],
    segments: [],
    variants: [],
    ...extra,
  };
}

function core(config: Parameters<typeof envStateOf>[0]): unknown {
  const { unleash: _u, ...rest } = envStateOf(config) as Record<string, unknown>;
  return rest;
}

const event = (over: Partial<UnleashEvent>): UnleashEvent => ({
  id: 7,
  type: 'feature-created',
  createdBy: 'alice@example.com',
  createdByUserId: 3,
  createdAt: '2026-01-02T03:04:05.678Z',
  data: null,
  preData: null,
  tags: [],
  featureName: null,
  project: null,
  environment: null,
  groupType: null,
  groupId: null,
  ...over,
});

describe('Unleash environment state (history-only strategies)', () => {
  it('reads removed rollout strategies and userWithId, and the largest general rollout wins', () => {
    const config = {
      enabled: true,
      variants: [],
      strategies: [
        strategy('a', 'gradualRolloutRandom', { percentage: '30' }),
        strategy('b', 'gradualRolloutUserId', { percentage: '60', groupId: 'g' }, { sortOrder: 1 }),
        strategy('c', 'userWithId', { userIds: 'u1, u2,' }, { sortOrder: 2 }),
        strategy('d', 'default', {}, { sortOrder: 3, disabled: true }),
      ],
    };
    expect(core(config)).toEqual({
      enabled: true,
      rollout_pct: 60,
      variation: 'on',
      rules: [{ attribute: 'userId', op: 'in', values: ['u1', 'u2'], variation: 'on' }],
      prerequisites: [],
    });
  });

  it('serves everyone without strategies, no one when every strategy is disabled, and labels legacy variants', () => {
    expect(core({ ...emptyEnvConfig(), enabled: true })).toMatchObject({ rollout_pct: 100, variation: 'on' });
    const off = { enabled: true, variants: [], strategies: [strategy('a', 'default', {}, { disabled: true })] };
    expect(core(off)).toMatchObject({ rollout_pct: 0, rules: [] });
    const variants = [
      { name: 'a', weight: 333, stickiness: null, payload: null },
      { name: 'b', weight: 667, stickiness: null, payload: null },
    ];
    expect(core({ ...emptyEnvConfig(), variants })).toMatchObject({ variation: 'a 33.3%, b 66.7%' });
  });
});

describe('Unleash event → leaf details', () => {
  it('names actions and actors', () => {
    expect(rawAction('feature-link-added')).toBe('unleash.feature_link_added');
    expect(rawAction('UPPER case 2')).toBe('unleash.upper_case');
    expect(rawAction('---')).toBe('unleash.event');
    expect(actorOf(event({}))).toEqual({ type: 'user', id: 'alice@example.com' });
    expect(actorOf(event({ createdBy: 'ci-token', createdByUserId: -42 }))).toEqual({
      type: 'service',
      id: 'ci-token',
    });
    expect(actorOf(event({ createdBy: 'unleash_system_user', createdByUserId: -1337 }))).toEqual({
      type: 'system',
      id: 'unleash_system_user',
    });
    expect(actorOf(event({ createdBy: '', createdByUserId: 9 }))).toEqual({ type: 'user', id: 'user 9' });
  });

  it('keeps a known event whose payload it cannot read as a raw leaf', () => {
    const e = event({ type: 'feature-strategy-add', featureName: 'f', environment: 'production', data: { oops: 1 } });
    const { draft } = mapEvent(emptyMirrorState(), e);
    expect(draft).toMatchObject({
      action: 'unleash.feature_strategy_add',
      flag: 'f',
      env: 'production',
      before: null,
      after: { oops: 1 },
      reason: 'Unleash: feature-strategy-add with a payload the mirror cannot read (kept raw)',
    });
  });

  it('trims a payload too large for a leaf to digests, first the Unleash detail, then before/after', () => {
    const added = (count: number) => {
      const values = Array.from({ length: count }, (_, i) => `user-${i}-${'x'.repeat(20)}`);
      const constraint = {
        contextName: 'userId',
        operator: 'IN',
        values,
        value: null,
        inverted: false,
        caseInsensitive: false,
      };
      const state = emptyMirrorState({ default: ['production'] });
      applyEvent(state, event({ featureName: 'f', data: { name: 'f', project: 'default' } }));
      const data = strategy('s', 'default', {}, { constraints: [constraint] }) as never;
      return mapEvent(state, event({ type: 'feature-strategy-add', featureName: 'f', environment: 'production', data }))
        .draft;
    };
    const detail = fitDraft(added(1500));
    expect(detail.refs['unleash_trimmed']).toBe('detail');
    expect((detail.after as { rules: unknown[] }).rules).toHaveLength(1);
    expect((detail.after as { unleash: unknown }).unleash).toMatchObject({ omitted: 'too large for a ledger leaf' });
    const payload = fitDraft(added(3000));
    expect(payload.refs['unleash_trimmed']).toBe('payload');
    expect(payload.after).toEqual({
      omitted: 'too large for a ledger leaf',
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      bytes: expect.any(Number),
    });
    for (const draft of [added(1500), added(3000)]) {
      const sealed = sealDraft(draft, { log: 'unleash.test/mirror', idx: 0, prev: '' });
      expect(Buffer.byteLength(sealed.text)).toBeLessThanOrEqual(MAX_LEAF_BYTES);
      expect(parseLeafText(sealed.text, { idx: 0 })).toEqual(sealed.leaf);
    }
    const small = mapEvent(emptyMirrorState(), event({ featureName: 'g', data: { name: 'g', project: 'p' } })).draft;
    expect(fitDraft(small)).toBe(small);
  });
});
