import { describe, expect, it } from 'vitest';
import { created, entry, at, incidentEntry, state } from '../../shared/correlate/test-support/entries.ts';
import { findIncident } from '../../shared/correlate/incident.ts';
import { rankBaseline } from './baseline.ts';
import { sameThroughExport } from './export.ts';
import { rankOf, summarize } from './metrics.ts';
import { MIXES } from './mixes.ts';
import { generateScenario } from './scenario.ts';

describe('evaluation harness', () => {
  it('generates the same scenario from the same seed, with a true cause that is a change before the alert', () => {
    const hard = MIXES.find((m) => m.name === 'hard')!;
    const a = generateScenario(hard, 42, 0);
    const b = generateScenario(hard, 42, 0);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const truth = a.entries[a.truthIdx]!;
    expect(truth.env).toBe('production');
    expect(Date.parse(truth.ts)).toBeLessThan(Date.parse(a.incident.at) + 90_000);
    expect(a.entries.every((e, i) => e.idx === i)).toBe(true);
    expect(a.oracle.p1).toBeGreaterThan(0);
  });

  it('ranks the seed baseline by exp(-0.1 × minutes) over the 30 minutes before the alert, later first on ties', () => {
    const entries = [
      created(0, 'a.b.c', ['svc']),
      entry(1, { flag: 'a.b.c', ts: at(-600) }),
      entry(2, { flag: 'a.b.c', ts: at(-60), before: state(true, 1), after: state(true, 2) }),
      entry(3, { flag: 'a.b.c', ts: at(-60), before: state(true, 2), after: state(true, 3) }),
      entry(4, { flag: 'a.b.c', ts: at(30) }),
      entry(5, { flag: 'a.b.c', ts: at(-1801) }),
      incidentEntry(6, 'PD-1', 'svc', 0),
    ];
    const ranked = rankBaseline(entries, findIncident(entries, 'PD-1'));
    expect(ranked.map((r) => r.ledger_idx)).toEqual([3, 2, 1]);
    expect(ranked[2]!.score).toBeCloseTo(Math.exp(-1), 12);
  });

  it('computes precision@1, precision@3 and MRR', () => {
    expect(rankOf([7, 8, 9], 9)).toBe(3);
    expect(rankOf([7], 9)).toBe(0);
    expect(summarize([1, 2, 4, 0])).toEqual({ n: 4, p1: 0.25, p3: 0.5, mrr: (1 + 0.5 + 0.25) / 4 });
  });

  it('ranks a scenario the same through the NDJSON export path the CLI reads', () => {
    expect(sameThroughExport(generateScenario(MIXES[2]!, 7, 1))).toBe(true);
  });
});
