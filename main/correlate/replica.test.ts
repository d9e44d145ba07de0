import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { T0, at, entry, state } from '../../shared/correlate/test-support/entries.ts';
import { CorrelateInputError } from './errors.ts';
import { catchUpIndex, correlationIndexStep } from './index-catchup.ts';
import { INDEX_SCHEMA_VERSION, indexSchemaVersion, migrateIndex } from './index-schema.ts';
import { rankExport } from './rank-export.ts';
import { changesBetween, changesForFlag, changesForService, replicaQueries } from './replica-query.ts';
import { rankFromReplica } from './replica-rank.ts';
import { appendTexts, leafTexts, replicaWith, testEntries } from './test-support/test-ledger.ts';

const texts = leafTexts(testEntries());
const request = {
  query: { kind: 'incident' as const, id: 'PD-1' },
  service: null,
  environment: null,
  options: {},
  telemetry: null,
};

function errorCode(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    return err instanceof CorrelateInputError ? err.code : err instanceof Error ? err.message.split(':')[0]! : 'other';
  }
}

describe('correlation index in the replica', () => {
  it('creates its own versioned tables, idempotently, and refuses a newer layout', () => {
    const db = replicaWith(texts, 0);
    expect([indexSchemaVersion(db), migrateIndex(db), migrateIndex(db)]).toEqual([
      0,
      INDEX_SCHEMA_VERSION,
      INDEX_SCHEMA_VERSION,
    ]);
    db.prepare('UPDATE correlate_schema SET version = 99 WHERE id = 1').run();
    expect(errorCode(() => migrateIndex(db))).toBe('E_INDEX_TOO_NEW');
  });

  it('refuses a database that is not a replica', () => {
    expect(errorCode(() => catchUpIndex(new Database(':memory:')))).toBe('E_REPLICA');
  });

  it('catches up incrementally and rewinds to the verified boundary when the unverified tail is rewritten', () => {
    const db = replicaWith(texts.slice(0, 4), 3);
    expect(catchUpIndex(db)).toEqual({ indexedSize: 4, added: 4, rewound: false, complete: true });
    expect(catchUpIndex(db)).toEqual({ indexedSize: 4, added: 0, rewound: false, complete: true });
    appendTexts(db, texts.slice(4), 4);
    expect(catchUpIndex(db, 1, 0)).toEqual({ indexedSize: 5, added: 1, rewound: false, complete: false });
    expect(correlationIndexStep(db, 0)).toBe(true);
    expect(catchUpIndex(db)).toEqual({ indexedSize: 6, added: 0, rewound: false, complete: true });
    // A fork: the ledger drops the unverified tail (idx ≥ 3) and receives a different history.
    db.prepare('DELETE FROM entries WHERE idx >= 3').run();
    const other = leafTexts([
      ...testEntries().slice(0, 3),
      entry(3, { flag: 'search.rank.v2', ts: at(-30), before: state(true, 10), after: state(true, 90) }),
    ]);
    appendTexts(db, other.slice(3), 3);
    expect(catchUpIndex(db)).toEqual({ indexedSize: 4, added: 1, rewound: true, complete: true });
    const q = replicaQueries(db);
    expect(changesBetween(q, T0 - 3_600_000, T0).map((e) => [e.idx, e.ts])).toEqual([
      [2, at(-300)],
      [3, at(-30)],
    ]);
  });

  it('reads changes by time, by flag and by service through the index', () => {
    const db = replicaWith(texts, 3);
    catchUpIndex(db);
    const q = replicaQueries(db);
    const from = T0 - 3_600_000;
    expect(changesBetween(q, from, T0).map((e) => [e.idx, e.verified])).toEqual([
      [2, true],
      [3, false],
      [4, false],
    ]);
    expect(changesBetween(q, T0 - 200_000, T0).map((e) => e.idx)).toEqual([3, 4]);
    expect(changesForFlag(q, 'checkout.pay.v2', from, T0).map((e) => e.action)).toEqual([
      'flag.updated',
      'flag.auto_rolled_back',
    ]);
    expect(changesForService(q, 'search-api', from, T0).map((e) => e.idx)).toEqual([3]);
    expect(changesForService(q, 'nowhere', from, T0)).toEqual([]);
  });
});

describe('rankFromReplica', () => {
  it("gives the export path's ranking, with verification taken from the replica", () => {
    const db = replicaWith(texts, 3);
    const fromReplica = rankFromReplica(db, request);
    const fromExport = rankExport({ text: texts.join('\n'), checkpoint: null, trustedKeys: [], ...request });
    const strip = (c: { verified: boolean }): object => ({ ...c, verified: null });
    expect(fromReplica.candidates.map(strip)).toEqual(fromExport.candidates.map(strip));
    expect(fromReplica.candidates.map((c) => c.verified)).toEqual([true, false]);
    expect(fromReplica.context.map((c) => c.ledger_idx)).toEqual([4]);
    expect(fromReplica.notes).toEqual([
      '1 of 2 candidates are not covered by a verified checkpoint yet.',
      "No telemetry supplied: the telemetry factor uses only the ledger's automatic rollbacks.",
    ]);
  });

  it('reads flag definitions as of the incident, not as edited afterwards', () => {
    const db = replicaWith(texts, 6);
    const edit = entry(6, {
      action: 'flag.updated',
      flag: 'search.rank.v2',
      env: null,
      ts: at(3600),
      before: null,
      after: { services: ['checkout-api'] },
    });
    appendTexts(db, leafTexts([...testEntries(), edit]).slice(6), 6);
    const then = rankFromReplica(db, request).candidates[1]!.explanation.find((f) => f.factor === 'service')!;
    expect(then.text).toBe('evaluated by search-api, not checkout-api');
    const later = rankFromReplica(db, {
      ...request,
      query: { kind: 'at', at: at(7200) },
      service: 'checkout-api',
      options: { windowSeconds: 3 * 3600 },
    });
    expect(
      later.candidates.find((c) => c.flag_key === 'search.rank.v2')!.explanation.find((f) => f.factor === 'service')!
        .text,
    ).toBe('evaluated by checkout-api');
  });

  it('ranks around a typed-in time, says when it is before the ledger starts, and reports unknown incidents', () => {
    const db = replicaWith(texts, 6);
    const manual = rankFromReplica(db, { ...request, query: { kind: 'at', at: at(0) }, service: 'search-api' });
    expect(manual.candidates[0]!.flag_key).toBe('search.rank.v2');
    const early = rankFromReplica(db, { ...request, query: { kind: 'at', at: at(-10 * 86_400) } });
    expect(early.notes[0]).toBe(`The incident is before the first ledger entry (${at(-86_400)}): nothing to rank.`);
    let code = '';
    try {
      rankFromReplica(db, { ...request, query: { kind: 'incident', id: 'PD-404' } });
    } catch (err) {
      code = (err as { code: string }).code;
    }
    expect(code).toBe('INCIDENT_NOT_FOUND');
  });
});
