import { afterEach, describe, expect, it } from 'vitest';
import type { LedgerQuery } from '../../../../shared/ipc/contract.ts';
import { liveReplica, row } from '../../test-support/fixtures.ts';
import { button, byTestId, click, inAct, key, mountApp, type Mounted } from '../../test-support/render.tsx';

let m: Mounted | null = null;
afterEach(() => {
  m?.unmount();
  m = null;
});

const TOTAL = 1_000_000;

describe('ledger drawer', () => {
  it('virtualizes a million rows, opens an entry and checks its inclusion', async () => {
    m = await mountApp({
      ...liveReplica(),
      ledgerQuery: async (q: LedgerQuery) => {
        const n = Math.max(0, Math.min(q.limit, TOTAL - q.offset));
        return {
          ok: true,
          value: {
            rows: Array.from({ length: n }, (_, i) => row(q.order === 'asc' ? q.offset + i : TOTAL - 1 - q.offset - i)),
            total: TOTAL,
          },
        };
      },
      ledgerEntry: async ({ idx }) => ({
        ok: true,
        value: {
          row: row(idx),
          leafText: '{"v":1,"idx":999999}',
          leafHashHex: 'aa'.repeat(32),
          prevHex: 'bb'.repeat(32),
          before: null,
          after: null,
          refs: {},
        },
      }),
      ledgerInclusion: async ({ idx }) => ({
        ok: true,
        value: { idx, treeSize: TOTAL, rootHex: 'cc'.repeat(32), proofHex: ['dd'.repeat(32)], ok: true, code: null },
      }),
    });
    await inAct(() => m!.store.getState().openDrawer('audit'));
    const drawer = byTestId(m.container, 'ledger-drawer');
    expect(byTestId(drawer, 'ledger-total').textContent).toBe('1,000,000 entries');
    const rendered = drawer.querySelectorAll('[data-testid^="ledger-row-"]').length;
    expect(rendered).toBeGreaterThan(10);
    expect(rendered).toBeLessThan(60); // virtualized: a viewport's worth, not a million
    await click(byTestId(drawer, 'ledger-row-999999'));
    const detail = byTestId(drawer, 'entry-detail');
    expect(byTestId(detail, 'leaf-text').textContent).toBe('{"v":1,"idx":999999}');
    await click(byTestId(detail, 'check-inclusion'));
    expect(byTestId(detail, 'inclusion-result').dataset['ok']).toBe('true');
    expect(m.fake.argsOf('ledgerInclusion')).toEqual([{ idx: 999999 }]);
    await key({ key: 'Escape' }, drawer);
    expect(m.container.querySelector('[data-testid="ledger-drawer"]')).toBeNull();
  });

  it('shows a ledger longer than a browser can scroll a million rows at a time; the keyboard crosses pages', async () => {
    const BIG = 2_500_000;
    m = await mountApp({
      ...liveReplica(),
      ledgerQuery: async (q: LedgerQuery) => {
        const n = Math.max(0, Math.min(q.limit, BIG - q.offset));
        return {
          ok: true,
          value: { rows: Array.from({ length: n }, (_, i) => row(BIG - 1 - q.offset - i)), total: BIG },
        };
      },
    });
    await inAct(() => m!.store.getState().openDrawer('audit'));
    const drawer = byTestId(m.container, 'ledger-drawer');
    const grid = byTestId(drawer, 'ledger-grid');
    expect(byTestId(drawer, 'ledger-page-range').textContent).toBe('rows 1–1,000,000 of 2,500,000');
    expect(Number.parseFloat(byTestId(grid, 'ledger-row-2499999').style.transform.replace('translateY(', ''))).toBe(0);
    // End goes to the last row of the whole ledger: the last page, its rows positioned within that page.
    await key({ key: 'End' }, grid);
    expect(byTestId(drawer, 'ledger-page-range').textContent).toBe('rows 2,000,001–2,500,000 of 2,500,000');
    expect(grid.getAttribute('aria-activedescendant')).toBe('ledger-row-2499999');
    await click(button(drawer, '◂ Previous million'));
    expect(byTestId(drawer, 'ledger-page-range').textContent).toBe('rows 1,000,001–2,000,000 of 2,500,000');
    expect(grid.querySelector('[data-testid="ledger-row-1499999"]')).not.toBeNull(); // position 1,000,000 = idx 1,499,999
    expect(grid.querySelector('[data-testid="ledger-row-2499999"]')).toBeNull();
    expect(grid.getAttribute('aria-activedescendant')).toBe('ledger-row-1000000');
    await key({ key: 'ArrowUp' }, grid);
    expect(byTestId(drawer, 'ledger-page-range').textContent).toBe('rows 1–1,000,000 of 2,500,000');
    expect(grid.getAttribute('aria-activedescendant')).toBe('ledger-row-999999');
  });

  it('shows no pager for a ledger that fits', async () => {
    m = await mountApp(liveReplica());
    await inAct(() => m!.store.getState().openDrawer('audit'));
    expect(m.container.querySelector('[data-testid="ledger-pager"]')).toBeNull();
  });
});
