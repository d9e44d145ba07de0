import { afterEach, describe, expect, it } from 'vitest';
import { liveReplica, row } from '../../test-support/fixtures.ts';
import { byTestId, click, key, mountApp, type Mounted } from '../../test-support/render.tsx';
import { nextIndex } from './changes-table.tsx';

let m: Mounted | null = null;
afterEach(() => {
  m?.unmount();
  m = null;
});

const rows = [
  { ...row(101), actor: 'bob', services: ['checkout'], team: 'payments' },
  { ...row(102), actor: 'carol', services: ['search'], team: 'discovery', flag: 'discovery.search.ranker' },
  { ...row(103), actor: 'system:evaluator', action: 'flag.auto_rolled_back', services: ['checkout'], team: 'payments' },
];

describe('changes table', () => {
  it('maps navigation keys to rows', () => {
    expect(nextIndex('ArrowDown', 0, 3)).toBe(1);
    expect(nextIndex('ArrowDown', 2, 3)).toBe(2);
    expect(nextIndex('End', 0, 3)).toBe(2);
    expect(nextIndex('PageUp', 5, 30)).toBe(0);
    expect(nextIndex('x', 0, 3)).toBeNull();
  });

  it('filters by service, sorts by idx, navigates with the keyboard and opens the entry', async () => {
    m = await mountApp({
      ...liveReplica(),
      ledgerQuery: async () => ({ ok: true, value: { rows, total: 3 } }),
      ledgerEntry: async ({ idx }) => ({
        ok: true,
        value: {
          row: row(idx),
          leafText: '{}',
          leafHashHex: 'a'.repeat(64),
          prevHex: 'b'.repeat(64),
          before: null,
          after: null,
          refs: {},
        },
      }),
    });
    const panel = byTestId(m.container, 'changes');
    const ids = (): string[] =>
      [...panel.querySelectorAll('[data-testid^="change-row-"]')].map((r) => r.getAttribute('data-testid') ?? '');
    expect(ids()).toEqual(['change-row-101', 'change-row-102', 'change-row-103']);
    const service = panel.querySelector<HTMLSelectElement>('select[aria-label="Filter by services"]')!;
    expect([...service.options].map((o) => o.value)).toEqual(['', 'checkout', 'search']);
    service.value = 'checkout';
    await (
      await import('react')
    ).act(async () => {
      service.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect(ids()).toEqual(['change-row-101', 'change-row-103']);
    await click(panel.querySelector<HTMLButtonElement>('[role="columnheader"] button')!); // idx: asc → desc
    expect(ids()).toEqual(['change-row-103', 'change-row-101']);
    const grid = byTestId(panel, 'changes-grid');
    await key({ key: 'ArrowDown' }, grid);
    expect(grid.getAttribute('aria-activedescendant')).toBe('change-row-101');
    await key({ key: 'Enter' }, grid);
    expect(m.store.getState().selectedChangeIdx).toBe(101);
    expect(byTestId(panel, 'entry-detail').getAttribute('aria-label')).toBe('Ledger entry 101');
  });
});
