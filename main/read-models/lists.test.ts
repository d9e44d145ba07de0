import { afterEach, describe, expect, it } from 'vitest';
import type { Replica } from '../ledger/replica.ts';
import { catchUpReadModels } from './catch-up.ts';
import { flagDetail, listChangeRequests, listFlags, listIncidents } from './lists.ts';
import { LedgerScript, at, codeOf, replicaOf, scenario, st } from './test-support/test-ledger.ts';

/** Every incident (no page limit on the resolved ones). */
const ALL_INCIDENTS = { resolvedLimit: Number.MAX_SAFE_INTEGER };

describe('read models over the scenario ledger', () => {
  let replica: Replica | null = null;
  afterEach(() => replica?.close());

  async function db() {
    replica = await replicaOf(scenario().log, 12);
    expect(catchUpReadModels(replica.db)).toEqual({ indexedSize: 19, added: 19, rewound: false, complete: true });
    return replica.db;
  }

  it('lists incidents active first, with their latest status', async () => {
    const list = listIncidents(await db(), ALL_INCIDENTS).incidents;
    expect(list).toEqual([
      {
        id: 'PD-2',
        service: 'search-api',
        title: 'search-api errors',
        severity: 'critical',
        source: 'pagerduty',
        status: 'triggered',
        triggeredAt: at(0),
        idx: 17,
      },
      {
        id: 'PD-1',
        service: 'checkout-api',
        title: 'checkout-api errors',
        severity: 'critical',
        source: 'pagerduty',
        status: 'acknowledged',
        triggeredAt: at(0),
        idx: 4,
      },
    ]);
  });

  it('lists every active incident and a page of the newest resolved ones, with how many are resolved', async () => {
    const s = new LedgerScript();
    for (let i = 0; i < 5; i++) {
      s.incident('incident.triggered', `PD-${i}`, 'checkout-api');
      s.incident('incident.resolved', `PD-${i}`, 'checkout-api');
    }
    s.incident('incident.triggered', 'PD-9', 'search-api');
    replica = await replicaOf(s.log);
    catchUpReadModels(replica.db);
    const page = (limit: number) => {
      const r = listIncidents(replica!.db, { resolvedLimit: limit });
      return [r.incidents.map((i) => `${i.id}:${i.status}`), r.resolvedTotal];
    };
    // Same triggered_at everywhere: the newest entry first.
    expect(page(2)).toEqual([['PD-9:triggered', 'PD-4:resolved', 'PD-3:resolved'], 5]);
    expect(page(0)).toEqual([['PD-9:triggered'], 5]);
    expect(page(50)[0]).toHaveLength(6);
    // The resolved page is read through the status index, not by scanning every incident.
    const plan = replica.db
      .prepare(
        "EXPLAIN QUERY PLAN SELECT id FROM view_incidents WHERE status = 'resolved' ORDER BY triggered_at DESC, idx DESC LIMIT 2",
      )
      .all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toContain('USING INDEX view_incidents_by_status');
  });

  it('folds each flag: definition, current metadata and per-environment state', async () => {
    const d = await db();
    expect(flagDetail(d, 'search.rank.v3')).toEqual({
      key: 'search.rank.v3',
      type: 'release',
      owner: 'discovery',
      services: ['search-api', 'web'],
      tier: 'LOW',
      stage: 'DRAFT',
      tombstoned: false,
      environments: { production: st(true, 50), staging: st(false, 0) },
      description: 'search.rank.v3 flag',
      safe_default: { enabled: false, rollout_pct: 0 },
      dependents: [],
      lastChangeIdx: 14,
    });
    expect(flagDetail(d, 'pay.checkout.v2')).toMatchObject({
      environments: { production: st(false, 0), staging: st(true, 100) },
      dependents: ['pay.fraud.rules'],
      lastChangeIdx: 18,
      tier: 'HIGH',
    });
    expect(flagDetail(d, 'old.legacy.router')).toMatchObject({
      tombstoned: true,
      stage: 'TOMBSTONED',
      lastChangeIdx: null,
    });
    expect(flagDetail(d, 'pay.fraud.rules').environments['production']).toEqual(
      st(false, 0, { prerequisites: ['pay.checkout.v2'] }),
    );
  });

  it('counts as dependents only live flags whose current prerequisites name the flag', async () => {
    const s = new LedgerScript();
    s.created('a.a.a');
    s.created('b.b.b', { envs: { production: st(false, 0, { prerequisites: ['a.a.a'] }) } });
    s.created('c.c.c', { envs: { production: st(false, 0, { prerequisites: ['a.a.a'] }), staging: st(false, 0) } });
    s.change('c.c.c', 'production', st(false, 0, { prerequisites: ['a.a.a'] }), st(false, 0));
    s.created('d.d.d', { envs: { staging: st(false, 0, { prerequisites: ['a.a.a'] }) } });
    s.add({ action: 'flag.tombstoned', flag: 'd.d.d', reason: 'gone' });
    s.created('e.e.e', { envs: { staging: st(false, 0) } });
    s.change('e.e.e', 'staging', st(false, 0), st(false, 0, { prerequisites: ['a.a.a'] }));
    replica = await replicaOf(s.log);
    expect(flagDetail(replica.db, 'a.a.a').dependents).toEqual(['b.b.b', 'e.e.e']);
  });

  it('throws E_FLAG_NOT_FOUND for a key the ledger never defined', async () => {
    const d = await db();
    expect(codeOf(() => flagDetail(d, 'no.such.flag'))).toBe('E_FLAG_NOT_FOUND');
  });

  it('answers type-ahead by key prefix, then substring, then owner or service, within the limit', async () => {
    const d = await db();
    expect(listFlags(d, { query: 'pay', limit: 10 }).map((f) => f.key)).toEqual([
      'pay.checkout.v2',
      'pay.fraud.rules',
      'old.legacy.router',
    ]);
    expect(listFlags(d, { query: 'rank', limit: 10 }).map((f) => f.key)).toEqual(['search.rank.v3']);
    expect(listFlags(d, { query: 'web', limit: 10 }).map((f) => f.key)).toEqual(['pay.checkout.v2', 'search.rank.v3']);
    expect(listFlags(d, { query: '', limit: 2 }).map((f) => f.key)).toEqual(['old.legacy.router', 'pay.checkout.v2']);
    expect(listFlags(d, { query: 'zzz', limit: 10 })).toEqual([]);
    expect(listFlags(d, { query: 'fraud', limit: 1 })[0]).toEqual({
      key: 'pay.fraud.rules',
      type: 'release',
      owner: 'risk',
      services: ['checkout-api'],
      tier: 'BLOCKED',
      stage: 'DRAFT',
      tombstoned: false,
      environments: { production: st(false, 0, { prerequisites: ['pay.checkout.v2'] }), staging: st(false, 0) },
    });
  });

  it('folds change requests with approvals, quorum, status and the payload hash', async () => {
    const s = scenario();
    const d = await db();
    expect(listChangeRequests(d, 'ALL')).toEqual([
      {
        id: 'cr-11',
        flag: 'pay.fraud.rules',
        operation: 'state',
        env: 'production',
        tier: 'BLOCKED',
        requester: 'dave',
        status: 'PENDING',
        approvals: ['bob'],
        required: 2,
        before: st(false, 0, { prerequisites: ['pay.checkout.v2'] }),
        after: st(true, 5, { prerequisites: ['pay.checkout.v2'] }),
        payloadHash: s.refsOf('cr-11')['payload_hash'],
        scheduledAt: null,
        reason: 'test',
        createdIdx: 11,
      },
      {
        id: 'cr-5',
        flag: 'pay.checkout.v2',
        operation: 'state',
        env: 'production',
        tier: 'HIGH',
        requester: 'alice',
        status: 'APPLIED',
        approvals: ['bob'],
        required: 1,
        before: st(false, 0),
        after: st(true, 25),
        payloadHash: s.refsOf('cr-5')['payload_hash'],
        scheduledAt: null,
        reason: 'test',
        createdIdx: 5,
      },
    ]);
    expect(listChangeRequests(d, 'PENDING').map((c) => c.id)).toEqual(['cr-11']);
    expect(listChangeRequests(d, 'APPLIED').map((c) => c.id)).toEqual(['cr-5']);
    expect(listChangeRequests(d, 'REJECTED')).toEqual([]);
    expect(listChangeRequests(d, 'ALL', 1).map((c) => c.id)).toEqual(['cr-11']);
  });

  it('sees entries appended after the catch-up on the next read, and updates the status table', async () => {
    const d = await db();
    expect(listChangeRequests(d, 'PENDING').map((c) => c.id)).toEqual(['cr-11']);
    const s = scenario();
    s.add({
      action: 'change_request.rejected',
      actor: { type: 'user', id: 'erin' },
      flag: 'pay.fraud.rules',
      env: 'production',
      after: { reason: 'not now' },
      refs: s.refsOf('cr-11'),
    });
    await replica!.appendEntries(s.log.entries(19));
    expect(listChangeRequests(d, 'PENDING')).toEqual([]);
    expect(listChangeRequests(d, 'REJECTED').map((c) => [c.id, c.status])).toEqual([['cr-11', 'REJECTED']]);
  });
});
