import { describe, expect, it } from 'vitest';
import type { LedgerQuery } from '../../../shared/ipc/contract.ts';
import { createFakeApi, flush } from '../test-support/fake-api.ts';
import { row } from '../test-support/fixtures.ts';
import { createAppStore } from './app-store.ts';

const TOTAL = 1_000_000;

/** A fake million-row replica answering pages by offset and order. */
function millionRows(): ReturnType<typeof createFakeApi> {
  return createFakeApi({
    ledgerQuery: async (q: LedgerQuery) => {
      const n = Math.max(0, Math.min(q.limit, TOTAL - q.offset));
      const rows = Array.from({ length: n }, (_, i) =>
        row(q.order === 'asc' ? q.offset + i : TOTAL - 1 - q.offset - i),
      );
      return { ok: true, value: { rows, total: TOTAL } };
    },
  });
}

describe('ledger slice', () => {
  it('refreshing the total loads the newest page; rows read back in both orders', async () => {
    const fake = millionRows();
    const store = createAppStore(fake.api);
    await store.getState().refreshLedgerTotal();
    expect(store.getState().ledgerTotal).toBe(TOTAL);
    expect(store.getState().ledgerRowAt(0)?.idx).toBe(999_999);
    store.getState().setLedgerOrder('asc');
    expect(store.getState().ledgerRowAt(999_999)?.idx).toBe(999_999);
    expect(store.getState().ledgerRowAt(0)).toBeUndefined();
  });

  it('fetches the pages around a deep viewport with bounded concurrency', async () => {
    const fake = millionRows();
    const store = createAppStore(fake.api);
    await store.getState().refreshLedgerTotal();
    store.getState().ensureLedgerRows(700_010, 700_040);
    await flush();
    const offsets = fake
      .argsOf('ledgerQuery')
      .slice(1)
      .map((a) => (a as LedgerQuery).offset);
    expect(offsets.sort((a, b) => a - b)).toEqual([699_900, 700_000]);
    expect(store.getState().ledgerRowAt(700_020)?.idx).toBe(TOTAL - 1 - 700_020);
    const calls = fake.calls.length;
    store.getState().ensureLedgerRows(700_010, 700_040);
    await flush();
    expect(fake.calls.length).toBe(calls); // cached: no new calls
  });

  it('a filter change resets the cache, strips empty fields and drops late pages', async () => {
    const fake = millionRows();
    const store = createAppStore(fake.api);
    await store.getState().refreshLedgerTotal();
    store.getState().ensureLedgerRows(5000, 5020);
    store.getState().setLedgerFilter({ flag: 'core.ledger.writes', actor: '', changesOnly: false });
    expect(store.getState().ledgerFilter).toEqual({ flag: 'core.ledger.writes' });
    expect(store.getState().ledgerTotal).toBeNull();
    await flush();
    expect(store.getState().ledgerRowAt(5010)).toBeUndefined(); // the pre-filter page was dropped
    expect(store.getState().ledgerTotal).toBe(TOTAL);
    const last = fake.argsOf('ledgerQuery').at(-1) as LedgerQuery;
    expect(last.filter).toEqual({ flag: 'core.ledger.writes' });
  });

  it('opens an entry and checks its inclusion proof; errors keep their code', async () => {
    let fail = false;
    const fake = createFakeApi({
      ledgerEntry: async ({ idx }) => ({
        ok: true,
        value: {
          row: row(idx),
          leafText: '{"v":1}',
          leafHashHex: 'aa'.repeat(32),
          prevHex: 'bb'.repeat(32),
          before: null,
          after: null,
          refs: {},
        },
      }),
      ledgerInclusion: async ({ idx }) =>
        fail
          ? { ok: false, error: { code: 'BAD_PROOF', message: 'The proof does not lead to the verified root.' } }
          : {
              ok: true,
              value: {
                idx,
                treeSize: 120,
                rootHex: 'cc'.repeat(32),
                proofHex: ['dd'.repeat(32)],
                ok: true,
                code: null,
              },
            },
    });
    const store = createAppStore(fake.api);
    await store.getState().showEntry(17);
    expect(store.getState().openEntry?.detail?.leafText).toBe('{"v":1}');
    await store.getState().checkInclusion(17);
    expect(store.getState().openEntry?.inclusion?.ok).toBe(true);
    fail = true;
    await store.getState().checkInclusion(17);
    expect(store.getState().openEntry?.inclusionError?.code).toBe('BAD_PROOF');
    store.getState().closeEntry();
    expect(store.getState().openEntry).toBeNull();
  });
});
