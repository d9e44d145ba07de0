import { afterEach, describe, expect, it } from 'vitest';
import { deriveFlagCatalog } from '../../shared/correlate/index.ts';
import type { LedgerFilter, LedgerQuery } from '../../shared/ipc/types/ledger.ts';
import type { LedgerLeaf } from '../../shared/ledger/index.ts';
import { isUserFacingChange } from '../../shared/state/entry-facts.ts';
import type { Replica } from '../ledger/replica.ts';
import { catchUpReadModels } from './catch-up.ts';
import { queryLedger } from './ledger-query.ts';
import { ANCHOR_EVERY } from './match-cache.ts';
import { LedgerScript, at, codeOf, replicaOf, scenario, st } from './test-support/test-ledger.ts';

const page = (filter: LedgerFilter, offset = 0, limit = 100, order: 'asc' | 'desc' = 'asc'): LedgerQuery => ({
  filter,
  offset,
  limit,
  order,
});

describe('queryLedger on the scenario ledger', () => {
  let replica: Replica | null = null;
  afterEach(() => replica?.close());

  async function db() {
    replica = await replicaOf(scenario().log, 12);
    catchUpReadModels(replica.db);
    return replica.db;
  }

  it('pages the whole ledger by idx in both orders, with flattened rows and summaries', async () => {
    const d = await db();
    const newest = queryLedger(d, page({}, 0, 3, 'desc'));
    expect(newest.total).toBe(19);
    expect(newest.rows.map((r) => r.idx)).toEqual([18, 17, 16]);
    expect(newest.rows[0]).toEqual({
      idx: 18,
      ts: at(18),
      actor: 'alice',
      actorType: 'user',
      action: 'flag.updated',
      flag: 'pay.checkout.v2',
      env: 'staging',
      reason: 'test',
      services: ['checkout-api', 'web'],
      team: 'payments',
      tier: 'HIGH',
      summary: 'enabled, rollout 0% → 100%',
      verified: false,
    });
    expect(queryLedger(d, page({}, 10, 3, 'asc')).rows.map((r) => [r.idx, r.verified])).toEqual([
      [10, true],
      [11, true],
      [12, false],
    ]);
    expect(queryLedger(d, page({}, 17, 5, 'desc')).rows.map((r) => r.idx)).toEqual([1, 0]);
    expect(queryLedger(d, page({}, 40, 5, 'desc'))).toEqual({ rows: [], total: 19 });
    const row13 = queryLedger(d, page({}, 13, 1)).rows[0];
    expect(row13).toMatchObject({
      actor: 'system:evaluator',
      actorType: 'system',
      summary: 'circuit breaker rolled back to safe default (on 25% → off)',
    });
  });

  it("filters by team, service and tier through the flags' current definitions", async () => {
    const d = await db();
    const idxs = (f: LedgerFilter): number[] => queryLedger(d, page(f)).rows.map((r) => r.idx);
    expect(idxs({ team: 'discovery' })).toEqual([2, 3, 8, 9, 14]);
    expect(idxs({ team: 'search' })).toEqual([]);
    expect(idxs({ service: 'web' })).toEqual([0, 2, 3, 5, 6, 7, 8, 9, 13, 14, 18]);
    expect(idxs({ tier: 'BLOCKED' })).toEqual([1, 11, 12]);
    expect(idxs({ service: 'checkout-api', tier: 'HIGH' })).toEqual([0, 5, 6, 7, 13, 18]);
    expect(queryLedger(d, page({ team: 'discovery' })).rows[0]).toMatchObject({
      team: 'discovery',
      services: ['search-api', 'web'],
      tier: 'LOW',
    });
  });

  it('matches flag and action exactly, or by prefix when no exact name exists or with a trailing *', async () => {
    const d = await db();
    const idxs = (f: LedgerFilter): number[] => queryLedger(d, page(f)).rows.map((r) => r.idx);
    expect(idxs({ flag: 'pay.checkout.v2' })).toEqual([0, 5, 6, 7, 13, 18]);
    expect(idxs({ flag: 'pay.' })).toEqual([0, 1, 5, 6, 7, 11, 12, 13, 18]);
    expect(idxs({ flag: 'pay.checkout*' })).toEqual([0, 5, 6, 7, 13, 18]);
    expect(idxs({ flag: 'nope.' })).toEqual([]);
    expect(idxs({ action: 'flag.killed' })).toEqual([8]);
    expect(idxs({ action: 'change_request.' })).toEqual([5, 6, 7, 11, 12]);
    expect(idxs({ action: 'incident*' })).toEqual([4, 10, 17]);
    expect(idxs({ actor: 'carol' })).toEqual([8, 14]);
    expect(idxs({ actor: 'car' })).toEqual([]);
    expect(idxs({ actor: 'system:*' })).toEqual([13]);
    expect(idxs({ env: 'staging' })).toEqual([18]);
  });

  it('filters changes users feel, time windows and combinations (AND)', async () => {
    const d = await db();
    const idxs = (f: LedgerFilter, order: 'asc' | 'desc' = 'asc'): number[] =>
      queryLedger(d, page(f, 0, 100, order)).rows.map((r) => r.idx);
    expect(idxs({ changesOnly: true })).toEqual([2, 3, 7, 8, 13, 14, 18]);
    expect(idxs({ from: at(5), to: at(8) })).toEqual([5, 6, 7, 8]);
    expect(idxs({ from: '2026-11-25T03:05:30.000Z' })).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]);
    expect(queryLedger(d, page({ from: at(5), to: at(8) })).total).toBe(4);
    expect(idxs({ changesOnly: true, from: at(5), to: at(14), team: 'discovery' }, 'desc')).toEqual([14, 8]);
    expect(queryLedger(d, page({ actor: 'nobody' }))).toEqual({ rows: [], total: 0 });
    expect(queryLedger(d, page({ from: at(100) }))).toEqual({ rows: [], total: 0 });
  });

  it('refuses malformed times and page sizes with E_INVALID_ARGUMENT', async () => {
    const d = await db();
    expect(codeOf(() => queryLedger(d, page({ from: 'yesterday' })))).toBe('E_INVALID_ARGUMENT');
    expect(codeOf(() => queryLedger(d, page({}, 0, 0)))).toBe('E_INVALID_ARGUMENT');
    expect(codeOf(() => queryLedger(d, page({}, -1, 10)))).toBe('E_INVALID_ARGUMENT');
    expect(codeOf(() => queryLedger(d, page({}, 0, 1001)))).toBe('E_INVALID_ARGUMENT');
  });
});

/** A bigger ledger: 12 flags of 4 teams, 6 actors, kills, CR entries, incidents; optionally with clock steps back. */
function bigLedger(n: number, skewed: boolean): LedgerScript {
  const s = new LedgerScript();
  const flags = Array.from({ length: 12 }, (_, i) => `team${i % 4}.dom.flag${i}`);
  const tiers = ['LOW', 'MEDIUM', 'HIGH', 'BLOCKED'];
  flags.forEach((f, i) =>
    s.created(f, {
      owner: `team${i % 4}`,
      services: [`svc${i % 3}`, `svc${(i + 1) % 5}`],
      tier: tiers[i % 4],
      envs: { production: st(i % 2 === 0, 10), staging: st(false, 0) },
    }),
  );
  for (let i = s.log.texts.length; i < n; i++) {
    const flag = flags[(i * 7) % 12]!;
    const actor = {
      type: i % 17 === 0 ? ('system' as const) : ('user' as const),
      id: i % 17 === 0 ? 'system:evaluator' : `user${i % 6}`,
    };
    const ts = skewed && i % 50 === 0 ? at(i - 30) : at(i);
    const pct = (i * 13) % 101;
    if (i % 29 === 0)
      s.add({
        action: 'incident.triggered',
        actor,
        ts,
        env: 'production',
        after: {
          id: `inc-${i}`,
          service: `svc${i % 3}`,
          title: 't',
          severity: 'critical',
          source: 'manual',
          triggered_at: ts,
        },
        refs: { incident: `inc-${i}` },
      });
    else if (i % 11 === 0)
      s.change(flag, 'production', st(true, pct), st(false, 0), { action: 'flag.killed', actor, ts });
    else if (i % 13 === 0)
      s.add({
        action: 'flag.updated',
        actor,
        ts,
        flag,
        before: { owner: 'x' },
        after: { owner: `team${i % 5}`, tier: tiers[i % 4] ?? 'LOW' },
      });
    else
      s.change(
        flag,
        i % 3 === 0 ? 'staging' : 'production',
        st(true, pct),
        st(true, i % 5 === 0 ? pct : (pct + 1) % 101),
        { actor, ts },
      );
  }
  return s;
}

function reference(leaves: readonly LedgerLeaf[], f: LedgerFilter): number[] {
  const catalog = deriveFlagCatalog(leaves);
  const names = (pick: (l: LedgerLeaf) => string | null) =>
    new Set(leaves.map(pick).filter((x): x is string => x !== null));
  const text = (value: string | undefined, all: Set<string>, fallback: boolean) => {
    if (value === undefined) return () => true;
    if (value.endsWith('*')) return (x: string | null) => x !== null && x.startsWith(value.slice(0, -1));
    if (all.has(value) || !fallback) return (x: string | null) => x === value;
    return (x: string | null) => x !== null && value !== '' && x.startsWith(value);
  };
  const flagOk = text(
    f.flag,
    names((l) => l.flag),
    true,
  );
  const actionOk = text(
    f.action,
    names((l) => l.action),
    true,
  );
  const actorOk = text(
    f.actor,
    names((l) => l.actor.id),
    false,
  );
  const envOk = text(
    f.env,
    names((l) => l.env),
    false,
  );
  const from = f.from === undefined ? -Infinity : Date.parse(f.from);
  const to = f.to === undefined ? Infinity : Date.parse(f.to);
  return leaves
    .filter((l) => {
      const info = l.flag === null ? undefined : catalog.get(l.flag);
      if (f.service !== undefined && !(info?.services ?? []).includes(f.service)) return false;
      if (f.team !== undefined && info?.owner !== f.team) return false;
      if (f.tier !== undefined && info?.tier !== f.tier) return false;
      if (f.changesOnly === true && !isUserFacingChange(l)) return false;
      const t = Date.parse(l.ts);
      return flagOk(l.flag) && actionOk(l.action) && actorOk(l.actor.id) && envOk(l.env) && t >= from && t <= to;
    })
    .map((l) => l.idx);
}

describe('queryLedger against a reference filter', () => {
  let replica: Replica | null = null;
  afterEach(() => replica?.close());

  const filters: LedgerFilter[] = [
    {},
    { changesOnly: true },
    { actor: 'user3' },
    { actor: 'system:evaluator' },
    { action: 'flag.killed' },
    { action: 'flag.' },
    { env: 'staging' },
    { team: 'team1' },
    { service: 'svc2' },
    { tier: 'HIGH' },
    { flag: 'team2.' },
    { flag: 'team2.dom.flag6' },
    { flag: 'team2.dom.flag1*' },
    { from: at(700), to: at(1900) },
    { from: at(300), to: at(2100), changesOnly: true },
    { from: at(1000), changesOnly: true, env: 'production' },
    { team: 'team0', actor: 'user0', to: at(2500) },
  ];

  for (const skewed of [false, true]) {
    it(`matches it for every filter, order and page position (${skewed ? 'clock stepped back' : 'time-sorted'} ledger)`, async () => {
      const s = bigLedger(2600, skewed);
      replica = await replicaOf(s.log, 2000);
      expect(catchUpReadModels(replica.db, Infinity, { batch: 700 }).complete).toBe(true);
      const leaves = s.log.texts.map((t) => JSON.parse(t) as LedgerLeaf);
      for (const f of filters) {
        const want = reference(leaves, f);
        const positions = [
          0,
          1,
          Math.floor(want.length / 3),
          ANCHOR_EVERY - 1,
          ANCHOR_EVERY + 7,
          2 * ANCHOR_EVERY,
          want.length - 5,
          want.length + 3,
        ];
        for (const offset of positions.filter((p) => p >= 0)) {
          for (const order of ['asc', 'desc'] as const) {
            const got = queryLedger(replica.db, page(f, offset, 37, order));
            const list = order === 'asc' ? want : [...want].reverse();
            expect([JSON.stringify(f), offset, order, got.total, got.rows.map((r) => r.idx)]).toEqual([
              JSON.stringify(f),
              offset,
              order,
              want.length,
              list.slice(offset, offset + 37),
            ]);
          }
        }
      }
    });
  }

  it('keeps cached match sets right while entries are appended', async () => {
    const s = bigLedger(3000, false);
    const log = s.log;
    const leaves = log.texts.map((t) => JSON.parse(t) as LedgerLeaf);
    const r = await replicaOf(log, 1000, 1800);
    replica = r;
    const f: LedgerFilter = { changesOnly: true, env: 'production' };
    const check = (size: number): void => {
      const want = reference(leaves.slice(0, size), f);
      for (const offset of [0, want.length - 700, want.length - 40]) {
        const got = queryLedger(r.db, page(f, offset, 50, 'asc'));
        expect([size, offset, got.total, got.rows.map((x) => x.idx)]).toEqual([
          size,
          offset,
          want.length,
          want.slice(offset, offset + 50),
        ]);
      }
    };
    check(1800);
    await r.appendEntries(log.entries(1800, 2400));
    check(2400);
    await r.appendEntries(log.entries(2400));
    check(3000);
  });
});
