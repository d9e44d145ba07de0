import { describe, expect, it } from 'vitest';
import { foldEnvStates, setsEnvState, statesSetBy, toEnvState } from './env-state.ts';

const full = {
  enabled: true,
  rollout_pct: 50,
  variation: 'blue',
  rules: [{ attribute: 'country', op: 'in', values: ['DE'], variation: 'red' }],
  prerequisites: ['a.b.c'],
};

describe('toEnvState', () => {
  it('reads a full state and fills the control plane defaults for missing fields', () => {
    expect(toEnvState(full)).toEqual(full);
    expect(toEnvState({ enabled: false, rollout_pct: 0 })).toEqual({
      enabled: false,
      rollout_pct: 0,
      variation: 'on',
      rules: [],
      prerequisites: [],
    });
  });

  it('rejects values that are not states and drops malformed rules and prerequisites', () => {
    expect([
      toEnvState(null),
      toEnvState([1]),
      toEnvState({ enabled: 'yes', rollout_pct: 1 }),
      toEnvState({ enabled: true }),
    ]).toEqual([null, null, null, null]);
    expect(
      toEnvState({ enabled: true, rollout_pct: 5, rules: [{ attribute: 'x' }, 7], prerequisites: ['ok.key.one', 3] }),
    ).toEqual({ enabled: true, rollout_pct: 5, variation: 'on', rules: [], prerequisites: ['ok.key.one'] });
  });
});

describe('env state fold', () => {
  const created = {
    action: 'flag.created',
    flag: 'a.b.c',
    env: null,
    after: {
      environments: { production: { enabled: false, rollout_pct: 0 }, staging: { enabled: true, rollout_pct: 100 } },
    },
  };

  it('knows which entries set states (the control plane applyEnvChange actions and flag.created)', () => {
    const on = (action: string, env: string | null = 'production') =>
      setsEnvState({ action, flag: 'a.b.c', env, after: null });
    expect(
      [
        'flag.updated',
        'flag.killed',
        'flag.rolled_back',
        'flag.auto_rolled_back',
        'break_glass.used',
        'change_request.applied',
        'schedule.executed',
      ].map((a) => on(a)),
    ).toEqual([true, true, true, true, true, true, true]);
    expect([
      on('change_request.created'),
      on('flag.updated', null),
      on('flag.created'),
      on('flag.created', null),
      on('incident.triggered'),
    ]).toEqual([false, false, false, true, false]);
  });

  it('folds created environments, then per-environment changes in order', () => {
    const states = foldEnvStates([
      created,
      { action: 'flag.updated', flag: 'a.b.c', env: 'production', after: { enabled: true, rollout_pct: 10 } },
      { action: 'change_request.created', flag: 'a.b.c', env: 'production', after: { enabled: true, rollout_pct: 99 } },
      { action: 'flag.killed', flag: 'a.b.c', env: 'staging', after: { enabled: false, rollout_pct: 0 } },
    ]);
    expect(states).toEqual({
      production: { enabled: true, rollout_pct: 10, variation: 'on', rules: [], prerequisites: [] },
      staging: { enabled: false, rollout_pct: 0, variation: 'on', rules: [], prerequisites: [] },
    });
    expect(statesSetBy({ action: 'flag.updated', flag: 'a.b.c', env: 'production', after: 'garbage' })).toEqual({});
  });
});
