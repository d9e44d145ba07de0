import { describe, expect, it } from 'vitest';
import { changeRecords, exposureChange, isEvaluatorResponse } from '../correlate/index.ts';
import { created, entry, incidentEntry, state } from '../correlate/test-support/entries.ts';
import { entryFacts, isUserFacingChange } from './entry-facts.ts';

describe('entryFacts', () => {
  it('marks exposure, variation and targeting changes as user-facing, and no-op writes as not', () => {
    expect(isUserFacingChange(entry(1))).toBe(true);
    expect(isUserFacingChange(entry(1, { before: state(true, 50), after: state(true, 50) }))).toBe(false);
    expect(isUserFacingChange(entry(1, { before: state(true, 50), after: state(true, 50, { variation: 'b' }) }))).toBe(
      true,
    );
    expect(
      isUserFacingChange(entry(1, { action: 'change_request.applied', before: state(true, 5), after: state(true, 5) })),
    ).toBe(false);
    expect(isUserFacingChange(entry(1, { action: 'change_request.created' }))).toBe(false);
  });

  it('counts automatic rollbacks that moved exposure, and only live created flags', () => {
    const auto = entry(2, {
      action: 'flag.auto_rolled_back',
      actor: { type: 'system', id: 'system:evaluator' },
      before: state(true, 50),
      after: state(false, 50),
    });
    expect(entryFacts(auto)).toEqual({
      change: true,
      setsState: true,
      catalog: false,
      incident: null,
      changeRequest: null,
    });
    expect(entryFacts(created(0, 'a.b.c', ['api']))).toEqual({
      change: false,
      setsState: true,
      catalog: true,
      incident: null,
      changeRequest: null,
    });
    const live = created(0, 'a.b.c', ['api']);
    live.after = { ...(live.after as object), environments: { production: state(true, 100) } };
    expect(entryFacts(live).change).toBe(true);
  });

  it('names incidents and change requests, and catalog (metadata and prerequisite) entries', () => {
    expect(entryFacts(incidentEntry(3, 'PD-9', 'api', 0))).toEqual({
      change: false,
      setsState: false,
      catalog: false,
      incident: 'PD-9',
      changeRequest: null,
    });
    const resolved = entry(4, { action: 'incident.resolved', flag: null, refs: {}, after: { id: 'inc-4' } });
    expect(entryFacts(resolved).incident).toBe('inc-4');
    const approved = entry(5, {
      action: 'change_request.approved',
      before: null,
      after: { approvals: 1, required: 1 },
      refs: { change_request: 'cr-1', payload_hash: 'x' },
    });
    expect(entryFacts(approved)).toEqual({
      change: false,
      setsState: false,
      catalog: false,
      incident: null,
      changeRequest: 'cr-1',
    });
    expect(
      entryFacts(entry(6, { action: 'schedule.executed', refs: { schedule: 's', change_request: 'cr-1' } }))
        .changeRequest,
    ).toBe('cr-1');
    expect(entryFacts(entry(7, { env: null, before: { owner: 'a' }, after: { owner: 'b' } })).catalog).toBe(true);
    expect(entryFacts(entry(8, { after: state(true, 50, { prerequisites: ['x.y.z'] }) })).catalog).toBe(true);
  });
});

describe('isUserFacingChange', () => {
  it("agrees with the correlation engine's change records (plus automatic rollbacks) on every kind of entry", () => {
    const actions = [
      'flag.updated',
      'flag.killed',
      'flag.rolled_back',
      'flag.auto_rolled_back',
      'break_glass.used',
      'change_request.applied',
      'schedule.executed',
      'flag.tombstoned',
      'flag.created',
      'flag.custom_op',
      'change_request.created',
      'incident.triggered',
    ];
    const states = [
      state(false, 0),
      state(true, 0),
      state(true, 50),
      state(true, 50, { variation: 'b' }),
      state(false, 50, { variation: 'b' }),
      state(true, 50, { rules: [{ attribute: 'a', op: 'in', values: ['x'], variation: 'on' }] }),
      null,
      'junk',
    ];
    const actors = [
      { type: 'user' as const, id: 'alice' },
      { type: 'system' as const, id: 'system:evaluator' },
    ];
    let checked = 0;
    for (const action of actions)
      for (const env of ['production', null])
        for (const actor of actors)
          for (const before of states)
            for (const after of states) {
              const e = entry(1, { action, env, actor, before, after });
              const reference =
                changeRecords(e, new Set()).length > 0 ||
                (isEvaluatorResponse(e) && env !== null && exposureChange(before, after).kind !== 'none');
              expect([action, env, actor.id, before, after, isUserFacingChange(e)]).toEqual([
                action,
                env,
                actor.id,
                before,
                after,
                reference,
              ]);
              checked++;
            }
    expect(checked).toBe(12 * 2 * 2 * 8 * 8);
  });
});
