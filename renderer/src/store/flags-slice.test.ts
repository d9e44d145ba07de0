import { describe, expect, it } from 'vitest';
import type { FlagSummary } from '../../../shared/ipc/contract.ts';
import type { Result } from '../../../shared/ipc/result.ts';
import { createFakeApi } from '../test-support/fake-api.ts';
import { blockedFlag, liveReplica, lowFlag, row } from '../test-support/fixtures.ts';
import { createAppStore } from './app-store.ts';

describe('flags slice', () => {
  it('type-ahead keeps only the answer to the latest query', async () => {
    let releaseSlow: (r: Result<FlagSummary[]>) => void = () => {};
    const fake = createFakeApi({
      flagsList: ({ query }) =>
        query === 'c'
          ? new Promise((r) => {
              releaseSlow = r;
            })
          : Promise.resolve({ ok: true, value: [blockedFlag] }),
    });
    const store = createAppStore(fake.api);
    const slow = store.getState().searchFlags('c');
    await store.getState().searchFlags('core');
    releaseSlow({ ok: true, value: [lowFlag] });
    await slow;
    expect(store.getState().flagResults.map((f) => f.key)).toEqual(['core.ledger.writes']);
    expect(fake.argsOf('flagsList')).toEqual([
      { query: 'c', limit: 20 },
      { query: 'core', limit: 20 },
    ]);
  });

  it('caches flag details', async () => {
    const fake = createFakeApi(liveReplica());
    const store = createAppStore(fake.api);
    await store.getState().loadFlag('core.ledger.writes');
    expect(store.getState().flagDetails['core.ledger.writes']?.tier).toBe('BLOCKED');
  });

  it('lists what changed since a rolled-back entry', async () => {
    const fake = createFakeApi({
      ledgerQuery: async () => ({ ok: true, value: { rows: [row(140), row(125), row(117), row(90)], total: 4 } }),
    });
    const store = createAppStore(fake.api);
    const res = await store.getState().changesSince('payments.checkout.new-tax', 'production', 117);
    expect(res.ok ? res.value.map((r) => r.idx) : null).toEqual([140, 125]);
    expect(fake.argsOf('ledgerQuery')).toEqual([
      { filter: { flag: 'payments.checkout.new-tax', env: 'production' }, offset: 0, limit: 50, order: 'desc' },
    ]);
  });
});
