import { describe, expect, it } from 'vitest';
import { describeStateChange, summarizeEntry, type SummaryLeaf } from './summary.ts';

const s = (enabled: boolean, pct: number, extra: object = {}) => ({
  enabled,
  rollout_pct: pct,
  variation: 'on',
  rules: [],
  prerequisites: [],
  ...extra,
});
const leaf = (action: string, o: Partial<SummaryLeaf> = {}): SummaryLeaf => ({
  action,
  flag: 'a.b.c',
  env: 'production',
  before: null,
  after: null,
  refs: {},
  ...o,
});

describe('summarizeEntry', () => {
  it('describes definition and archive requests and what their stand-ins applied', () => {
    const archive = { change_request: 'cr-7', payload_hash: 'h', operation: 'archive' };
    expect(
      summarizeEntry(
        leaf('change_request.created', {
          env: null,
          before: { stage: 'CLEANUP' },
          after: { stage: 'TOMBSTONED' },
          refs: archive,
        }),
      ),
    ).toBe('requested archive (tombstone) of the flag in every environment');
    expect(
      summarizeEntry(
        leaf('change_request.applied', { env: null, before: { tier: 'HIGH' }, after: null, refs: archive }),
      ),
    ).toBe('applied cr-7: tombstoned: archived for ever');
    const definition = { change_request: 'cr-8', payload_hash: 'h', operation: 'definition' };
    expect(
      summarizeEntry(
        leaf('change_request.created', {
          env: null,
          before: { tier: 'HIGH' },
          after: { tier: 'MEDIUM' },
          refs: definition,
        }),
      ),
    ).toBe('requested metadata: tier HIGH → MEDIUM');
    expect(
      summarizeEntry(
        leaf('break_glass.used', {
          env: null,
          before: { tier: 'HIGH', safe_default: { enabled: false, rollout_pct: 0 } },
          after: { tier: 'HIGH', safe_default: { enabled: true, rollout_pct: 100 } },
          refs: { operation: 'flag.updated' },
        }),
      ),
    ).toBe('break-glass flag.updated: metadata: safe default on 100%');
  });

  it('describes environment changes by what moved', () => {
    expect(summarizeEntry(leaf('flag.updated', { before: s(true, 0), after: s(true, 50) }))).toBe('rollout 0% → 50%');
    expect(summarizeEntry(leaf('flag.updated', { before: s(false, 0), after: s(true, 10) }))).toBe(
      'enabled, rollout 0% → 10%',
    );
    expect(summarizeEntry(leaf('flag.updated', { before: s(true, 5), after: s(true, 5, { variation: 'v2' }) }))).toBe(
      'variation on → v2',
    );
    expect(describeStateChange(s(true, 5), s(true, 5, { prerequisites: ['x.y.z'] }))).toBe(
      'prerequisites none → x.y.z',
    );
    expect(describeStateChange(s(true, 5), s(true, 5))).toBe('no change');
    expect(summarizeEntry(leaf('flag.updated', { before: s(true, 5), after: 'oops' }))).toBe('state unreadable');
  });

  it('describes kills, rollbacks, breaker rollbacks and break-glass', () => {
    expect(summarizeEntry(leaf('flag.killed', { before: s(true, 50), after: s(false, 0) }))).toBe(
      'killed → safe default (on 50% → off)',
    );
    expect(
      summarizeEntry(
        leaf('flag.rolled_back', { before: s(true, 50), after: s(true, 10), refs: { rollback_of: '41' } }),
      ),
    ).toBe('rolled back entry #41 (on 50% → on 10%)');
    expect(summarizeEntry(leaf('flag.auto_rolled_back', { before: s(true, 50), after: s(false, 50) }))).toBe(
      'circuit breaker rolled back to safe default (on 50% → off)',
    );
    expect(
      summarizeEntry(
        leaf('break_glass.used', {
          before: s(true, 50),
          after: s(false, 50),
          refs: { break_glass_token: 'bg-1', operation: 'flag.killed' },
        }),
      ),
    ).toBe('break-glass flag.killed: disabled');
    expect(
      summarizeEntry(
        leaf('break_glass.issued', {
          after: {
            token_id: 'bg-1',
            scope: { flags: ['a.b.c'], envs: ['production'] },
            expires_at: '2026-11-25T04:00:00.000Z',
          },
        }),
      ),
    ).toBe('break-glass token issued for a.b.c in production, expires 2026-11-25T04:00:00.000Z');
  });

  it('describes the four-eyes lifecycle', () => {
    const refs = { change_request: 'cr-7', payload_hash: 'ab' };
    expect(
      summarizeEntry(
        leaf('change_request.created', {
          before: s(false, 0),
          after: { ...s(true, 5), scheduled_at: '2026-11-26T00:00:00.000Z' },
          refs,
        }),
      ),
    ).toBe('requested enabled, rollout 0% → 5%, scheduled for 2026-11-26T00:00:00.000Z');
    expect(summarizeEntry(leaf('change_request.approved', { after: { approvals: 1, required: 2 }, refs }))).toBe(
      'approved 1/2',
    );
    expect(summarizeEntry(leaf('change_request.rejected', { after: { reason: 'no' }, refs }))).toBe(
      'request cr-7 rejected',
    );
    expect(summarizeEntry(leaf('change_request.applied', { before: s(false, 0), after: s(true, 5), refs }))).toBe(
      'applied cr-7: enabled, rollout 0% → 5%',
    );
    expect(
      summarizeEntry(leaf('schedule.created', { after: { schedule_id: 'sch-9', run_at: '2026-11-26T00:00:00.000Z' } })),
    ).toBe('scheduled for 2026-11-26T00:00:00.000Z');
    expect(
      summarizeEntry(leaf('schedule.blocked', { after: { approved_payload_hash: 'a', actual_payload_hash: 'b' } })),
    ).toBe('scheduled change blocked: payload changed after approval');
    expect(
      summarizeEntry(leaf('schedule.blocked', { after: { approved_payload_hash: 'a', actual_payload_hash: 'a' } })),
    ).toBe('scheduled change blocked');
  });

  it('describes definitions, tombstones, incidents and unknown actions', () => {
    const def = {
      key: 'a.b.c',
      type: 'release',
      owner: 'pay',
      services: ['api'],
      tier: 'LOW',
      stage: 'DRAFT',
      safe_default: { enabled: false, rollout_pct: 0 },
      description: 'd',
      expires_at: null,
    };
    expect(summarizeEntry(leaf('flag.created', { env: null, after: def }))).toBe('created (release, LOW, owner pay)');
    expect(
      summarizeEntry(
        leaf('flag.updated', {
          env: null,
          before: def,
          after: { ...def, tier: 'HIGH', services: ['api', 'web'], description: 'e' },
        }),
      ),
    ).toBe('metadata: tier LOW → HIGH, services api → api, web, description edited');
    expect(
      summarizeEntry(
        leaf('flag.updated', {
          env: null,
          before: def,
          after: { ...def, safe_default: { enabled: true, rollout_pct: 100 } },
        }),
      ),
    ).toBe('metadata: safe default on 100%');
    expect(summarizeEntry(leaf('flag.tombstoned', { env: null, before: def }))).toBe('tombstoned: archived for ever');
    const inc = { id: 'PD-1', service: 'api', title: 'Errors up', severity: 'critical' };
    expect(summarizeEntry(leaf('incident.triggered', { flag: null, after: inc }))).toBe(
      'incident PD-1 triggered: Errors up (critical)',
    );
    expect(summarizeEntry(leaf('incident.resolved', { flag: null, after: null, refs: { incident: 'PD-1' } }))).toBe(
      'incident PD-1 resolved',
    );
    expect(summarizeEntry(leaf('custom.thing'))).toBe('custom.thing');
  });
});
