import { describe, expect, it } from 'vitest';
import { findIncident } from './incident.ts';
import { MAX_SPAN_SECONDS, rankCandidates } from './rank.ts';
import { at, created, entry, incidentEntry, state } from './test-support/entries.ts';
import { isCorrelateError } from './errors.ts';
import type { CorrelationEntry, CorrelateInput } from './types.ts';

const CONTRACT_KEYS = [
  'actor',
  'after_alert',
  'candidate_rank',
  'confidence',
  'delta_seconds_before_alert',
  'environment',
  'explanation',
  'flag_key',
  'ledger_idx',
  'new_value',
  'pre_approved',
  'previous_value',
  'scheduled',
  'score',
  'verified',
];

function ledger(): CorrelationEntry[] {
  return [
    created(0, 'checkout.pricing.engine', ['checkout-api'], { tier: 'HIGH' }),
    created(1, 'search.rank.v2', ['search-api'], { tier: 'LOW' }),
    entry(2, { flag: 'checkout.pricing.engine', ts: at(-300), before: state(false, 0), after: state(true, 50) }),
    entry(3, {
      flag: 'search.rank.v2',
      ts: at(-60),
      before: state(true, 10),
      after: state(true, 20),
      actor: { type: 'user', id: 'bob' },
    }),
    incidentEntry(4, 'PD-1', 'checkout-api', 0),
  ];
}

function rank(entries: CorrelationEntry[], extra: Partial<CorrelateInput> = {}) {
  return rankCandidates({ entries, incident: findIncident(entries, 'PD-1'), ...extra });
}

function codeOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    return isCorrelateError(err) ? err.code : 'other';
  }
}

describe('rankCandidates output contract', () => {
  it('returns the contract fields with exact values, factor words and the window', () => {
    const r = rank(ledger());
    const top = r.candidates[0]!;
    expect(Object.keys(top).sort()).toEqual(CONTRACT_KEYS);
    expect({ ...top, explanation: undefined }).toEqual({
      candidate_rank: 1,
      flag_key: 'checkout.pricing.engine',
      environment: 'production',
      actor: 'alice',
      previous_value: state(false, 0),
      new_value: state(true, 50),
      delta_seconds_before_alert: 300,
      score: 17.77,
      confidence: 'HIGH',
      explanation: undefined,
      scheduled: false,
      pre_approved: false,
      after_alert: false,
      ledger_idx: 2,
      verified: true,
    });
    expect(top.explanation.map((f) => [f.factor, f.text])).toEqual([
      ['recency', 'changed 5m00s before the alert'],
      ['service', 'evaluated by checkout-api'],
      ['environment', 'same environment (production)'],
      ['tier', 'HIGH blast radius'],
      ['exposure', 'turned on for 50% (first exposure)'],
      ['telemetry', 'no telemetry'],
      ['plan', 'unplanned change'],
      ['after_alert', 'logged before the alert'],
    ]);
    expect(top.explanation[0]!.multiplier).toBeCloseTo(2 ** -0.3, 12);
    expect(top.explanation.slice(1).map((f) => f.multiplier)).toEqual([10, 1, 1.25, 1.75, 1, 1, 1]);
    const second = r.candidates[1]!;
    expect([second.flag_key, second.score, second.confidence, second.actor]).toEqual([
      'search.rank.v2',
      0.88,
      'LOW',
      'bob',
    ]);
    expect(r.window).toEqual({
      from: at(-1920),
      to: at(120),
      window_seconds: 1800,
      skew_seconds: 120,
      half_life_seconds: 600,
    });
    expect(r.incident).toEqual({ id: 'PD-1', service: 'checkout-api', environment: 'production', at: at(0) });
    expect([r.considered, r.context]).toEqual([2, []]);
    expect(r.notes).toEqual([
      "No telemetry supplied: the telemetry factor uses only the ledger's automatic rollbacks.",
    ]);
  });

  it('returns the top 3 by default and `limit` of them when asked, counting all it scored', () => {
    const entries = [
      ...ledger(),
      ...[5, 6, 7].map((i) =>
        entry(i, { flag: 'checkout.pricing.engine', ts: at(-600 - i), before: state(true, 1), after: state(true, 2) }),
      ),
    ];
    expect(rank(entries).candidates.map((c) => c.candidate_rank)).toEqual([1, 2, 3]);
    const one = rank(entries, { options: { limit: 1 } });
    expect([one.candidates.length, one.considered]).toEqual([1, 5]);
  });

  it('rejects impossible options with BAD_OPTION and bad times with BAD_TIME', () => {
    const entries = ledger();
    const incident = findIncident(entries, 'PD-1');
    expect(codeOf(() => rankCandidates({ entries, incident, options: { limit: 0 } }))).toBe('BAD_OPTION');
    expect(codeOf(() => rankCandidates({ entries, incident, options: { limit: 2.5 } }))).toBe('BAD_OPTION');
    expect(codeOf(() => rankCandidates({ entries, incident, options: { windowSeconds: -1 } }))).toBe('BAD_OPTION');
    expect(codeOf(() => rankCandidates({ entries, incident, options: { windowSeconds: MAX_SPAN_SECONDS + 1 } }))).toBe(
      'BAD_OPTION',
    );
    expect(codeOf(() => rankCandidates({ entries, incident, options: { halfLifeSeconds: 0 } }))).toBe('BAD_OPTION');
    expect(codeOf(() => rankCandidates({ entries, incident: { ...incident, at: 'yesterday' } }))).toBe('BAD_TIME');
  });
});

describe('confidence', () => {
  const flag = 'checkout.pricing.engine';
  const base = [
    created(0, flag, ['checkout-api']),
    created(1, 'search.rank.v2', ['search-api']),
    incidentEntry(9, 'PD-1', 'checkout-api', 0),
  ];

  it('is MEDIUM for contenders within 3× of each other, never HIGH for a close race', () => {
    const r = rank([
      ...base,
      entry(2, { flag, ts: at(-60) }),
      entry(3, { flag, ts: at(-120), before: state(true, 10), after: state(true, 60) }),
    ]);
    expect(r.candidates.map((c) => c.confidence)).toEqual(['MEDIUM', 'MEDIUM']);
  });

  it('needs net positive evidence for HIGH even when far ahead', () => {
    const r = rank([
      ...base,
      entry(2, { flag: 'search.rank.v2', ts: at(-1800), before: state(true, 40), after: state(true, 20) }),
    ]);
    expect([r.candidates[0]!.score < 1, r.candidates[0]!.confidence]).toEqual([true, 'MEDIUM']);
  });
});

describe('deterministic ties', () => {
  const flag = 'checkout.pricing.engine';
  const base = [created(0, flag, ['checkout-api']), incidentEntry(9, 'PD-1', 'checkout-api', 0)];

  it('breaks equal scores by the later change, then the higher ledger index', () => {
    const same = (idx: number, seconds: number): CorrelationEntry =>
      entry(idx, { flag, ts: at(seconds), before: state(true, 10), after: state(true, 20) });
    // Both within the skew tolerance, so recency is equal: the later one ranks first.
    const byTime = rank([...base, same(1, -90), same(2, -30)]);
    expect(byTime.candidates.map((c) => c.ledger_idx)).toEqual([2, 1]);
    expect(byTime.candidates[0]!.score).toBe(byTime.candidates[1]!.score);
    const byIdx = rank([...base, same(1, -30), same(2, -30)]);
    expect(byIdx.candidates.map((c) => c.ledger_idx)).toEqual([2, 1]);
  });

  it('gives the same ranking whatever order the entries arrive in', () => {
    const entries = [
      ...ledger(),
      entry(5, { flag: 'search.rank.v2', ts: at(-60), before: state(true, 20), after: state(true, 30) }),
    ];
    const forward = rank(entries).candidates.map((c) => c.ledger_idx);
    expect(rank([...entries].reverse()).candidates.map((c) => c.ledger_idx)).toEqual(forward);
  });

  it('orders the environments of one flag.created entry by name', () => {
    const def = created(1, 'new.flag.x', ['checkout-api']);
    const live = {
      ...def,
      ts: at(-30),
      after: { ...(def.after as object), environments: { staging: state(true, 100), production: state(true, 100) } },
    };
    const r = rank([base[0]!, live as CorrelationEntry, base[1]!]);
    expect(r.candidates.map((c) => [c.ledger_idx, c.environment])).toEqual([
      [1, 'production'],
      [1, 'staging'],
    ]);
  });
});

describe('the window', () => {
  const flag = 'checkout.pricing.engine';
  const change = (idx: number, seconds: number): CorrelationEntry => entry(idx, { flag, ts: at(seconds) });
  const base = [created(0, flag, ['checkout-api']), incidentEntry(1, 'PD-1', 'checkout-api', 0)];

  it('keeps changes logged up to the skew tolerance after the alert, marked after_alert and halved', () => {
    const r = rank([...base, change(2, 119), change(3, 121)]);
    expect(r.candidates.map((c) => [c.ledger_idx, c.after_alert, c.delta_seconds_before_alert])).toEqual([
      [2, true, -119],
    ]);
    expect(r.candidates[0]!.explanation.find((f) => f.factor === 'after_alert')!.multiplier).toBe(0.5);
  });

  it('reaches back window + skew and no further', () => {
    const r = rank([...base, change(2, -1920), change(3, -1921)]);
    expect(r.candidates.map((c) => c.ledger_idx)).toEqual([2]);
  });

  it('with zero skew, ignores changes after the alert and starts the decay at the alert', () => {
    const r = rank([...base, change(2, 1), change(3, -600)], { options: { skewSeconds: 0 } });
    expect(r.candidates.map((c) => c.ledger_idx)).toEqual([3]);
    expect(r.candidates[0]!.explanation[0]!.multiplier).toBeCloseTo(0.5, 12);
  });

  it('says so when the window is empty', () => {
    const r = rank([...base, change(2, -4000)]);
    expect(r.candidates).toEqual([]);
    expect(r.notes[0]).toBe(`No flag changes between ${at(-1920)} and ${at(120)}.`);
  });

  it('says so when the incident is before the first ledger entry', () => {
    const entries = [created(0, flag, ['checkout-api'], { seconds: 10_000 })];
    const r = rankCandidates({
      entries,
      incident: { id: null, service: 'checkout-api', environment: null, at: at(0) },
    });
    expect(r.candidates).toEqual([]);
    expect(r.notes[0]).toBe(`The incident is before the first ledger entry (${at(10_000)}): nothing to rank.`);
  });

  it('says so when the ledger is empty', () => {
    const r = rankCandidates({ entries: [], incident: { id: null, service: null, environment: null, at: at(0) } });
    expect(r.notes).toEqual([
      'The ledger holds no entries: nothing to rank.',
      'No incident service given: the service factor is neutral for every change.',
      "No telemetry supplied: the telemetry factor uses only the ledger's automatic rollbacks.",
    ]);
  });

  it('ranks huge windows without underflow: years-old changes keep their evidence order', () => {
    const year = 365 * 86_400;
    const entries = [
      created(0, flag, ['checkout-api'], { seconds: -7 * year }),
      created(1, 'search.rank.v2', ['search-api'], { seconds: -7 * year }),
      entry(2, { flag: 'search.rank.v2', ts: at(-5 * year) }),
      entry(3, { flag, ts: at(-5 * year - 1) }),
      incidentEntry(4, 'PD-1', 'checkout-api', 0),
    ];
    // Both scores print as 0, yet the one the paging service evaluates still ranks first (scores compare in log space;
    // with plain products both would be 0 and the later, unrelated change would win the tie).
    const r = rank(entries, { options: { windowSeconds: 10 * year } });
    expect(r.candidates.map((c) => [c.ledger_idx, c.score])).toEqual([
      [3, 0],
      [2, 0],
    ]);
  });
});

describe('metadata as of the incident', () => {
  it('ignores definition changes made after the window (a post-mortem edit cannot reorder the past)', () => {
    const later = entry(9, {
      action: 'flag.updated',
      flag: 'search.rank.v2',
      env: null,
      ts: at(3600),
      before: null,
      after: { services: ['checkout-api'] },
    });
    const r = rank([...ledger(), later]);
    expect(r.candidates[1]!.explanation.find((f) => f.factor === 'service')!.text).toBe(
      'evaluated by search-api, not checkout-api',
    );
  });
});
