import { describe, expect, it } from 'vitest';
import { dependentsIndex, dependentsOf, deriveFlagCatalog, isCatalogEntry } from './flag-catalog.ts';
import { created, entry, state } from './test-support/entries.ts';

describe('deriveFlagCatalog', () => {
  it('folds created, metadata updates and tombstones into the current definition, whatever the input order', () => {
    const entries = [
      entry(3, { action: 'flag.tombstoned', flag: 'a.b.c', env: null, before: null, after: null }),
      created(0, 'a.b.c', ['svc-1'], { tier: 'HIGH', owner: 'team-a' }),
      entry(1, {
        action: 'flag.updated',
        flag: 'a.b.c',
        env: null,
        before: null,
        after: { services: ['svc-1', 'svc-2'], tier: 'BLOCKED' },
      }),
      entry(2, { flag: 'a.b.c', before: state(true, 10), after: state(true, 20) }),
    ];
    const info = deriveFlagCatalog(entries).get('a.b.c');
    expect(info).toEqual({
      key: 'a.b.c',
      type: 'release',
      owner: 'team-a',
      services: ['svc-1', 'svc-2'],
      tier: 'BLOCKED',
      stage: 'TOMBSTONED',
      safe_default: { enabled: false, rollout_pct: 0 },
      description: 'a.b.c',
      expires_at: null,
      prerequisites: { production: [] },
      tombstoned: true,
      updated_idx: 3,
    });
  });

  it('reads definition changes and tombstones carried by break-glass, applied and scheduled requests (env null)', () => {
    const def = (tier: string) => ({ key: 'a.b.c', tier, safe_default: { enabled: true, rollout_pct: 5 } });
    const entries = [
      created(0, 'a.b.c', ['svc-1'], { tier: 'HIGH' }),
      entry(1, { action: 'break_glass.used', flag: 'a.b.c', env: null, before: def('HIGH'), after: def('HIGH') }),
      entry(2, { action: 'change_request.applied', flag: 'a.b.c', env: null, before: def('HIGH'), after: def('LOW') }),
    ];
    expect(deriveFlagCatalog(entries).get('a.b.c')).toMatchObject({
      tier: 'LOW',
      safe_default: { enabled: true, rollout_pct: 5 },
      tombstoned: false,
    });
    for (const action of ['change_request.applied', 'schedule.executed', 'break_glass.used']) {
      const gone = entry(3, { action, flag: 'a.b.c', env: null, before: def('LOW'), after: null });
      expect(isCatalogEntry(gone)).toBe(true);
      expect(deriveFlagCatalog([...entries, gone]).get('a.b.c')).toMatchObject({
        tombstoned: true,
        stage: 'TOMBSTONED',
      });
    }
    const created2 = entry(4, { action: 'change_request.created', flag: 'a.b.c', env: null, before: {}, after: {} });
    expect(isCatalogEntry(created2)).toBe(false);
  });

  it('tracks prerequisites per environment from creation and from state changes', () => {
    const entries = [
      created(0, 'x.y.z', ['svc'], { prerequisites: ['p.q.r'] }),
      entry(1, {
        flag: 'x.y.z',
        env: 'staging',
        before: state(true, 1),
        after: state(true, 1, { prerequisites: ['s.t.u'] }),
      }),
    ];
    expect(deriveFlagCatalog(entries).get('x.y.z')?.prerequisites).toEqual({
      production: ['p.q.r'],
      staging: ['s.t.u'],
    });
  });

  it('indexes only entries that can change the catalog', () => {
    expect([
      isCatalogEntry(created(0, 'a.b.c', [])),
      isCatalogEntry(entry(1, { env: null, action: 'flag.updated' })),
      isCatalogEntry(entry(2, { before: state(true, 1), after: state(true, 2) })),
      isCatalogEntry(entry(3, { before: state(true, 1), after: state(true, 1, { prerequisites: ['k'] }) })),
      isCatalogEntry(entry(4, { flag: null, env: null, action: 'incident.triggered' })),
    ]).toEqual([true, true, false, true, false]);
  });

  it('ignores a tier it does not know and keeps services null when never given', () => {
    const e = entry(0, {
      action: 'flag.created',
      flag: 'k.k.k',
      env: null,
      before: null,
      after: { key: 'k.k.k', tier: 'EXTREME' },
    });
    const info = deriveFlagCatalog([e]).get('k.k.k');
    expect([info?.tier, info?.services]).toEqual([null, null]);
  });
});

describe('dependentsOf', () => {
  it('follows prerequisite links transitively, per environment, up to the depth, and survives cycles', () => {
    const catalog = deriveFlagCatalog([
      created(0, 'a', [], { prerequisites: ['b'] }),
      created(1, 'b', [], { prerequisites: ['c'] }),
      created(2, 'c', [], { prerequisites: ['a'] }),
      created(3, 'd', [], { prerequisites: ['c'] }),
    ]);
    const index = dependentsIndex(catalog);
    expect(dependentsOf(index, 'c', 'production').sort()).toEqual(['a', 'b', 'd']);
    expect(dependentsOf(index, 'c', 'production', 1).sort()).toEqual(['b', 'd']);
    expect(dependentsOf(index, 'c', 'staging')).toEqual([]);
    expect(dependentsOf(index, 'c', null).sort()).toEqual(['a', 'b', 'd']);
  });
});
