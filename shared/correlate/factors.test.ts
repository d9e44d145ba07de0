import { describe, expect, it } from 'vitest';
import { changeRecords, type ChangeRecord } from './changes.ts';
import { afterAlertFactor, exposureFactor, planFactor, recencyFactor } from './factors-change.ts';
import {
  environmentFactor,
  linkContext,
  serviceFactor,
  teamMatchesService,
  tierFactor,
  type LinkContext,
} from './factors-link.ts';
import { dependentsIndex, deriveFlagCatalog } from './flag-catalog.ts';
import { at, created, entry, state } from './test-support/entries.ts';
import type { JsonValue } from '../ledger/leaf.ts';
import type { CorrelationEntry } from './types.ts';

function rec(e: CorrelationEntry, approved: ReadonlySet<string> = new Set()): ChangeRecord {
  const r = changeRecords(e, approved)[0];
  if (r === undefined) throw new Error('not a change');
  return r;
}

function link(entries: CorrelationEntry[], service: string | null, environment: string | null = null): LinkContext {
  const catalog = deriveFlagCatalog(entries);
  return linkContext(service, environment, catalog, dependentsIndex(catalog));
}

const defs = [
  created(0, 'checkout.pay.v2', ['checkout-api'], { tier: 'BLOCKED' }),
  created(1, 'search.rank.v2', ['search-api'], { tier: 'LOW', owner: 'search' }),
  created(2, 'platform.cache.fast', ['edge-gateway'], { owner: 'platform' }),
  created(3, 'checkout.ui.beta', ['checkout-api'], { prerequisites: ['platform.cache.fast'] }),
  created(4, 'payments.rates.x', [], { owner: 'payments' }),
];
const change = (flag: string, o: Partial<CorrelationEntry> = {}): ChangeRecord => rec(entry(10, { flag, ...o }));

describe('service factor', () => {
  const f = (flag: string, service: string | null) => serviceFactor(link(defs, service), change(flag));
  it('weights a flag the paging service evaluates highest', () => {
    expect(f('checkout.pay.v2', 'checkout-api')).toEqual({
      factor: 'service',
      multiplier: 10,
      text: 'evaluated by checkout-api',
    });
  });
  it('follows prerequisites to a flag the service evaluates', () => {
    expect(f('platform.cache.fast', 'checkout-api')).toEqual({
      factor: 'service',
      multiplier: 5,
      text: 'prerequisite of checkout.ui.beta, which checkout-api evaluates',
    });
  });
  it('credits a team whose name matches the service when the services list omits it', () => {
    expect(f('search.rank.v2', 'search-indexer')).toEqual({
      factor: 'service',
      multiplier: 3,
      text: 'owned by team search (name matches search-indexer)',
    });
  });
  it('uses the expected weight when nothing is known', () => {
    expect(f('unknown.flag.z', 'checkout-api')).toEqual({
      factor: 'service',
      multiplier: 2.5,
      text: 'no flag metadata in the ledger',
    });
    expect(f('payments.rates.x', 'checkout-api')).toEqual({
      factor: 'service',
      multiplier: 2.5,
      text: 'no services registered',
    });
  });
  it('leaves unrelated flags at 1, and everything at 1 when the incident names no service', () => {
    expect(f('search.rank.v2', 'checkout-api')).toEqual({
      factor: 'service',
      multiplier: 1,
      text: 'evaluated by search-api, not checkout-api',
    });
    expect(f('checkout.pay.v2', null)).toEqual({ factor: 'service', multiplier: 1, text: 'incident names no service' });
  });
  it('matches team names on whole tokens only', () => {
    expect([
      teamMatchesService('payments', 'payments-api'),
      teamMatchesService('pay', 'payments-api'),
      teamMatchesService('search', 'api-search-v2'),
      teamMatchesService('', 'x'),
    ]).toEqual([true, false, true, false]);
  });
});

describe('environment and tier factors', () => {
  it('discounts changes in another environment than the incident', () => {
    expect(
      environmentFactor(link(defs, 'checkout-api', 'production'), change('checkout.pay.v2', { env: 'staging' })),
    ).toEqual({ factor: 'environment', multiplier: 0.2, text: 'changed in staging; incident in production' });
    expect(environmentFactor(link(defs, 'checkout-api', 'production'), change('checkout.pay.v2')).multiplier).toBe(1);
  });
  it('halves non-production-looking environments when the incident environment is unknown', () => {
    const ctx = link(defs, 'checkout-api');
    expect(
      ['staging', 'dev', 'qa-2', 'production', 'prod-eu'].map(
        (env) => environmentFactor(ctx, change('checkout.pay.v2', { env })).multiplier,
      ),
    ).toEqual([0.5, 0.5, 0.5, 1, 1]);
  });
  it('scales with the declared blast-radius tier', () => {
    const ctx = link(defs, 'checkout-api');
    expect([
      tierFactor(ctx, change('checkout.pay.v2')),
      tierFactor(ctx, change('search.rank.v2')),
      tierFactor(ctx, change('nope.x.y')),
    ]).toEqual([
      { factor: 'tier', multiplier: 1.5, text: 'BLOCKED blast radius' },
      { factor: 'tier', multiplier: 0.8, text: 'LOW blast radius' },
      { factor: 'tier', multiplier: 1, text: 'tier unknown' },
    ]);
  });
});

describe('exposure factor', () => {
  const catalog = deriveFlagCatalog(defs);
  const x = (before: unknown, after: unknown) =>
    exposureFactor(change('checkout.pay.v2', { before: before as never, after: after as never }), catalog);
  it('weights first exposure by the share reached, 1.5× per share', () => {
    expect(x(state(false, 0), state(true, 50))).toEqual({
      factor: 'exposure',
      multiplier: 1.75,
      text: 'turned on for 50% (first exposure)',
    });
    expect(x(null, state(true, 100)).multiplier).toBe(2.5);
  });
  it('tells 0→50 % from 45→50 %', () => {
    expect(x(state(true, 45), state(true, 50))).toEqual({
      factor: 'exposure',
      multiplier: 1.05,
      text: 'ramped 45% → 50%',
    });
  });
  it('finds turning off less suspicious than turning on, and a return to the safe default least', () => {
    expect(x(state(true, 100), state(true, 20))).toEqual({
      factor: 'exposure',
      multiplier: 0.5,
      text: 'ramped down 100% → 20%',
    });
    expect(x(state(true, 100), state(false, 100))).toEqual({
      factor: 'exposure',
      multiplier: 0.4,
      text: 'back to its safe default (0%)',
    });
  });
  it('judges direction against the safe default: turning off a flag whose safe default is on is the risky move', () => {
    const guard = created(5, 'payments.guard.fraud-check', ['payments-api']);
    (guard.after as { safe_default: JsonValue }).safe_default = { enabled: true, rollout_pct: 100 };
    const cat = deriveFlagCatalog([guard]);
    const g = (before: JsonValue, after: JsonValue) =>
      exposureFactor(change('payments.guard.fraud-check', { before, after }), cat);
    expect(g(state(true, 100), state(false, 100))).toEqual({
      factor: 'exposure',
      multiplier: 2.5,
      text: 'turned off: leaves its safe default (100%)',
    });
    expect(g(state(true, 100), state(true, 60))).toEqual({
      factor: 'exposure',
      multiplier: 1.6,
      text: 'ramped down 100% → 60%: leaves its safe default (100%)',
    });
    expect(g(state(true, 60), state(true, 20)).text).toBe(
      'ramped down 60% → 20%, further from its safe default (100%)',
    );
    expect(g(state(true, 60), state(true, 20)).multiplier).toBeCloseTo(1.4, 12);
    expect(g(state(true, 20), state(true, 60))).toEqual({
      factor: 'exposure',
      multiplier: 0.5,
      text: 'ramped 20% → 60%, towards its safe default (100%)',
    });
    expect(g(state(false, 100), state(true, 100))).toEqual({
      factor: 'exposure',
      multiplier: 0.4,
      text: 'back to its safe default (100%)',
    });
  });
  it('counts a new variation for the exposed share, and rules or prerequisites as a small move', () => {
    expect(x(state(true, 40), state(true, 40, { variation: 'v2' }))).toEqual({
      factor: 'exposure',
      multiplier: 1.4,
      text: 'variation on → v2 for 40%',
    });
    expect(
      x(
        state(true, 40),
        state(true, 40, { rules: [{ attribute: 'country', op: 'in', values: ['DE'], variation: 'on' }] }),
      ),
    ).toEqual({ factor: 'exposure', multiplier: 1.1, text: 'rules changed at the same exposure' });
    expect(x(state(true, 40), state(true, 40, { prerequisites: ['a.b.c'] })).text).toBe(
      'prerequisites narrowed: users can only lose the treatment',
    );
  });
  it('tells narrowed targeting (users can only lose the treatment) from widened or reshaped targeting', () => {
    const rule = (values: string[], o: { op?: string; variation?: string } = {}) => ({
      attribute: 'country',
      op: o.op ?? 'in',
      values,
      variation: o.variation ?? 'on',
    });
    const rules = (...r: JsonValue[]) => ({ rules: r });
    expect(x(state(true, 0, rules(rule(['DE', 'AT', 'CH']))), state(true, 0, rules(rule(['DE']))))).toEqual({
      factor: 'exposure',
      multiplier: 0.5,
      text: 'rules narrowed: users can only lose the treatment',
    });
    expect(x(state(true, 0, rules(rule(['DE']), rule(['FR']))), state(true, 0, rules(rule(['FR'])))).multiplier).toBe(
      0.5,
    );
    expect(x(state(true, 0, rules(rule(['DE']))), state(true, 0, rules(rule(['DE', 'AT'])))).multiplier).toBe(1.1); // widened
    expect(x(state(true, 0, rules(rule(['US', 'DE']))), state(true, 0, rules(rule(['DE', 'AT'])))).multiplier).toBe(
      1.1,
    ); // reshaped
    expect(
      x(state(true, 0, rules(rule(['DE'], { op: 'not_in' }))), state(true, 0, rules(rule([], { op: 'not_in' }))))
        .multiplier,
    ).toBe(1.1);
    expect(x(state(true, 50, rules(rule(['DE'], { variation: 'off' }))), state(true, 50)).multiplier).toBe(1.1); // an exclusion removed
    expect(x(state(true, 40, { prerequisites: ['a.b.c'] }), state(true, 40)).text).toBe(
      'prerequisites changed at the same exposure',
    );
  });
  it('stays neutral on values that are not flag states', () => {
    expect(x('on', 'off')).toEqual({
      factor: 'exposure',
      multiplier: 1,
      text: 'value is not a flag state; size unknown',
    });
  });
  it('does not make candidates of changes nobody feels', () => {
    expect(changeRecords(entry(1, { before: state(true, 5), after: state(true, 5) }), new Set())).toEqual([]);
  });
  it('treats a disabled flag as serving no one: editing its rules, rollout or prerequisites is no change', () => {
    const testers = { rules: [{ attribute: 'plan', op: 'in', values: ['internal'], variation: 'on' }] };
    const none = (before: JsonValue, after: JsonValue) => changeRecords(entry(1, { before, after }), new Set());
    expect([
      none(state(false, 0), state(false, 0, testers)),
      none(state(false, 0), state(false, 50)),
      none(state(false, 10), state(false, 10, { prerequisites: ['a.b.c'] })),
    ]).toEqual([[], [], []]);
  });
  it('counts switching a 0 % flag with rules on or off as moving the users its rules target', () => {
    const testers = { rules: [{ attribute: 'plan', op: 'in', values: ['internal'], variation: 'on' }] };
    expect(x(state(false, 0, testers), state(true, 0, testers))).toEqual({
      factor: 'exposure',
      multiplier: 1.15,
      text: 'turned on for the users its rules target (first exposure)',
    });
    expect(x(state(true, 0, testers), state(false, 0, testers))).toEqual({
      factor: 'exposure',
      multiplier: 0.4,
      text: 'back to its safe default (its rules no longer apply)',
    });
    expect(changeRecords(entry(1, { before: state(true, 0), after: state(false, 0) }), new Set())).toEqual([]);
  });
});

describe('recency, plan and after-alert factors', () => {
  it('halves per half-life beyond the skew tolerance and is flat within it', () => {
    expect(recencyFactor(100, 120, 600).multiplier).toBe(1);
    expect(recencyFactor(720, 120, 600).multiplier).toBeCloseTo(0.5, 12);
    expect(recencyFactor(1320, 120, 600).multiplier).toBeCloseTo(0.25, 12);
    expect(recencyFactor(-60, 120, 600)).toEqual({
      factor: 'recency',
      multiplier: 1,
      log: -0,
      text: 'logged 1m00s after the alert',
    });
    expect(recencyFactor(90, 120, 600).text).toBe('changed 1m30s before the alert (within clock skew)');
  });
  it('weights scheduled and pre-approved changes down without hiding them', () => {
    const sched = rec(
      entry(1, {
        action: 'schedule.executed',
        actor: { type: 'system', id: 'system:scheduler' },
        refs: { schedule: 's1' },
      }),
    );
    const both = rec(entry(1, { action: 'schedule.executed', refs: { schedule: 's1', change_request: 'cr1' } }));
    const applied = rec(entry(1, { action: 'change_request.applied', refs: { change_request: 'cr2' } }));
    const approvedRef = rec(entry(1, { refs: { change_request: 'cr3' } }), new Set(['cr3']));
    const unapprovedRef = rec(entry(1, { refs: { change_request: 'cr4' } }), new Set(['cr3']));
    const byScheduler = rec(entry(1, { actor: { type: 'system', id: 'system:scheduler' } }));
    expect(
      [sched, both, applied, approvedRef, unapprovedRef, byScheduler].map((r) => [
        r.scheduled,
        r.pre_approved,
        planFactor(r).multiplier,
      ]),
    ).toEqual([
      [true, false, 0.5],
      [true, true, 0.35],
      [false, true, 0.7],
      [false, true, 0.7],
      [false, false, 1],
      [true, false, 0.5],
    ]);
    expect([planFactor(both).text, planFactor(unapprovedRef).text]).toEqual([
      'scheduled and pre-approved',
      'unplanned change',
    ]);
  });
  it('halves changes logged after the alert', () => {
    expect([afterAlertFactor(-1).multiplier, afterAlertFactor(0).multiplier]).toEqual([0.5, 1]);
  });
});

describe('what counts as a candidate', () => {
  it('keeps kills, rollbacks, break-glass use and unknown flag.* state changes; leaves proposals and responses out', () => {
    const actions = [
      'flag.killed',
      'flag.rolled_back',
      'break_glass.used',
      'flag.targeting_changed',
      'change_request.created',
      'flag.auto_rolled_back',
      'flag.tombstoned',
      'incident.triggered',
    ];
    expect(actions.map((action) => changeRecords(entry(1, { action, ts: at(0) }), new Set()).length)).toEqual([
      1, 1, 1, 1, 0, 0, 0, 0,
    ]);
    const evaluatorKill = entry(1, { action: 'flag.killed', actor: { type: 'system', id: 'system:evaluator' } });
    expect(changeRecords(evaluatorKill, new Set())).toEqual([]);
  });
});
