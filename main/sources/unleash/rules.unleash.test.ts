/**
 * Strategies and constraints made in a real Unleash become our rules where our rules can say them, and an
 * `unleash.strategy matches …` rule (still a visible targeting change) where they cannot.
 */
import canonicalize from 'canonicalize';
import { beforeAll, describe, expect, it } from 'vitest';
import { exposureChange } from '../../../shared/correlate/index.ts';
import type { StrategyInput } from '../../../test-support/unleash-admin.ts';
import { connectTestUnleash, core, mirrorAll, ofFlag, uniqueFlag, type TestUnleash } from './test-support/unleash.ts';

let u: TestUnleash;
beforeAll(() => {
  u = connectTestUnleash();
});

function matches(s: { name: string; parameters: Record<string, string>; constraints: unknown[] }): string {
  return canonicalize({ constraints: s.constraints, name: s.name, parameters: s.parameters, segments: [] }) ?? '';
}

describe('Unleash strategies → rules', () => {
  it('maps each constraint and strategy kind, in strategy order', async () => {
    const flag = uniqueFlag('rules.kinds');
    await u.admin.createFlag(flag);
    const add = (s: StrategyInput): Promise<string> => u.admin.addStrategy(flag, 'development', s);
    const c = (contextName: string, operator: string, values: string[], extra: Record<string, unknown> = {}) => ({
      contextName,
      operator,
      values,
      ...extra,
    });
    await add({ name: 'default', constraints: [c('userId', 'STR_STARTS_WITH', ['test-'])] });
    await add({ name: 'default', constraints: [c('appName', 'IN', ['legacy'], { inverted: true })] });
    await add({ name: 'default', constraints: [c('userId', 'NOT_IN', ['mallory'])] });
    await add({
      name: 'default',
      constraints: [c('userId', 'STR_ENDS_WITH', ['@corp.com'], { caseInsensitive: true })],
    });
    const partial = { rollout: '10', stickiness: 'default', groupId: flag };
    await add({ name: 'flexibleRollout', parameters: partial, constraints: [c('sessionId', 'STR_CONTAINS', ['x'])] });
    await add({ name: 'default', constraints: [c('userId', 'IN', ['a']), c('appName', 'IN', ['web'])] });
    await add({ name: 'remoteAddress', parameters: { IPs: '10.0.0.0/8' } });
    await add({ name: 'default', disabled: true, constraints: [c('userId', 'IN', ['nobody'])] });
    const mine = ofFlag((await mirrorAll(u.client)).events, flag);
    const last = core(mine[mine.length - 1]!.draft.after) as Record<string, unknown>;
    const unleashOf = (name: string, parameters: Record<string, string>, constraints: unknown[]): string =>
      matches({ name, parameters, constraints });
    expect(last).toEqual({
      enabled: false,
      rollout_pct: 0,
      variation: 'on',
      prerequisites: [],
      rules: [
        { attribute: 'userId', op: 'starts_with', values: ['test-'], variation: 'on' },
        { attribute: 'appName', op: 'not_in', values: ['legacy'], variation: 'on' },
        { attribute: 'userId', op: 'not_in', values: ['mallory'], variation: 'on' },
        {
          attribute: 'unleash.strategy',
          op: 'matches',
          values: [
            unleashOf('default', {}, [
              {
                contextName: 'userId',
                operator: 'STR_ENDS_WITH',
                values: ['@corp.com'],
                value: null,
                inverted: false,
                caseInsensitive: true,
              },
            ]),
          ],
          variation: 'on',
        },
        {
          attribute: 'unleash.strategy',
          op: 'matches',
          values: [
            unleashOf('flexibleRollout', partial, [
              {
                contextName: 'sessionId',
                operator: 'STR_CONTAINS',
                values: ['x'],
                value: null,
                inverted: false,
                caseInsensitive: false,
              },
            ]),
          ],
          variation: 'on',
        },
        {
          attribute: 'unleash.strategy',
          op: 'matches',
          values: [
            unleashOf('default', {}, [
              {
                contextName: 'userId',
                operator: 'IN',
                values: ['a'],
                value: null,
                inverted: false,
                caseInsensitive: false,
              },
              {
                contextName: 'appName',
                operator: 'IN',
                values: ['web'],
                value: null,
                inverted: false,
                caseInsensitive: false,
              },
            ]),
          ],
          variation: 'on',
        },
        {
          attribute: 'unleash.strategy',
          op: 'matches',
          values: [unleashOf('remoteAddress', { IPs: '10.0.0.0/8' }, [])],
          variation: 'on',
        },
      ],
    });
  });

  it('shows a change to a constraint our rules cannot say as a targeting change', async () => {
    const flag = uniqueFlag('rules.numeric');
    await u.admin.createFlag(flag);
    await u.admin.setEnabled(flag, 'production', true);
    const numeric = (value: string): StrategyInput => ({
      name: 'default',
      constraints: [{ contextName: 'userId', operator: 'NUM_GT', value }],
    });
    const id = await u.admin.addStrategy(flag, 'production', numeric('5'));
    await u.admin.updateStrategy(flag, 'production', id, numeric('50'));
    const mine = ofFlag((await mirrorAll(u.client)).events, flag);
    const update = mine[mine.length - 1]!.draft;
    expect(update.refs['unleash_type']).toBe('feature-strategy-update');
    expect(exposureChange(update.before, update.after)).toEqual({ kind: 'targeting', what: 'rules', narrowed: false });
  });
});
