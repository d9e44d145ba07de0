/** The changes table body: sorted/filtered by react-table, virtualized, keyboard navigable (arrows, Home/End, Enter). */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { ReactTable } from '@tanstack/react-table';
import type { EntryRow } from '../../../../shared/ipc/contract.ts';
import { useApp } from '../../store-context.tsx';
import { useVerified } from '../../ui/hooks.ts';
import type { changesFeatures } from './changes-columns.ts';

const ROW_HEIGHT = 34;

/** Maps a navigation key to the next active row index, or null for other keys. */
export function nextIndex(key: string, current: number, count: number, page = 10): number | null {
  const last = count - 1;
  switch (key) {
    case 'ArrowDown':
      return Math.min(last, current + 1);
    case 'ArrowUp':
      return Math.max(0, current - 1);
    case 'PageDown':
      return Math.min(last, current + page);
    case 'PageUp':
      return Math.max(0, current - page);
    case 'Home':
      return 0;
    case 'End':
      return last;
    default:
      return null;
  }
}

/** The grid; `table` is owned by the panel so the toolbar shares its state. */
export function ChangesTable({ table }: { table: ReactTable<typeof changesFeatures, EntryRow> }) {
  const selected = useApp((s) => s.selectedChangeIdx);
  const selectChange = useApp((s) => s.selectChange);
  const showEntry = useApp((s) => s.showEntry);
  const { upTo: verifiedSize, verifying } = useVerified();
  const scrollRef = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState(0);
  const rows = table.getRowModel().rows;
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
    initialRect: { width: 900, height: 320 },
  });
  // A change selected elsewhere (a chart marker) scrolls into view here.
  const rowsRef = useRef(rows);
  rowsRef.current = rows;
  useEffect(() => {
    const i = rowsRef.current.findIndex((r) => r.original.idx === selected);
    if (i >= 0) virtualizer.scrollToIndex(i, { align: 'auto' });
  }, [selected, virtualizer]);
  const choose = (r: EntryRow): void => {
    selectChange(r.idx);
    void showEntry(r.idx);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    if (rows.length === 0) return;
    const current = Math.min(active, rows.length - 1);
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      const r = rows[current];
      if (r) choose(r.original);
      return;
    }
    const next = nextIndex(e.key, current, rows.length);
    if (next === null) return;
    e.preventDefault();
    setActive(next);
    virtualizer.scrollToIndex(next, { align: 'auto' });
  };
  const activeRow = rows[Math.min(active, rows.length - 1)];
  return (
    <div
      ref={scrollRef}
      className="grid-scroll"
      tabIndex={0}
      role="grid"
      style={{ height: Math.min(360, ROW_HEIGHT * (rows.length + 1) + 8) }}
      aria-label="Flag changes"
      aria-rowcount={rows.length + 1}
      aria-activedescendant={activeRow ? `change-row-${activeRow.original.idx}` : undefined}
      onKeyDown={onKeyDown}
      data-testid="changes-grid"
    >
      <div role="row" className="grid-row grid-head" aria-rowindex={1}>
        {table
          .getHeaderGroups()[0]
          ?.headers.filter((h) => h.column.getIsVisible())
          .map((h) => (
            <div
              role="columnheader"
              key={h.id}
              className={`cell col-${h.column.id}`}
              aria-sort={
                h.column.getIsSorted() === 'asc'
                  ? 'ascending'
                  : h.column.getIsSorted() === 'desc'
                    ? 'descending'
                    : 'none'
              }
            >
              {h.column.getCanSort() ? (
                <button type="button" className="sort" tabIndex={-1} onClick={h.column.getToggleSortingHandler()}>
                  <table.FlexRender header={h} />
                  {h.column.getIsSorted() === 'asc' ? ' ▲' : h.column.getIsSorted() === 'desc' ? ' ▼' : ''}
                </button>
              ) : (
                <table.FlexRender header={h} />
              )}
            </div>
          ))}
      </div>
      <div className="grid-body" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((item) => {
          const row = rows[item.index];
          if (!row) return null;
          const r = row.original;
          const cls = `grid-row${r.idx === selected ? ' selected' : ''}${item.index === active ? ' active' : ''}${r.action === 'flag.auto_rolled_back' ? ' auto' : ''}`;
          return (
            <div
              role="row"
              key={row.id}
              id={`change-row-${r.idx}`}
              className={cls}
              aria-rowindex={item.index + 2}
              aria-selected={r.idx === selected}
              data-testid={`change-row-${r.idx}`}
              style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
              onClick={() => {
                setActive(item.index);
                choose(r);
              }}
            >
              {row.getVisibleCells().map((cell) => (
                <div role="gridcell" key={cell.id} className={`cell col-${cell.column.id}`}>
                  <table.FlexRender cell={cell} />
                  {cell.column.id === 'idx' && (
                    <span
                      className={r.idx < verifiedSize ? 'ok-mark' : 'warn-mark'}
                      aria-label={
                        r.idx < verifiedSize ? 'verified' : verifying ? 'verification in progress' : 'not yet verified'
                      }
                    >
                      {r.idx < verifiedSize ? ' ✓' : ' …'}
                    </span>
                  )}
                </div>
              ))}
            </div>
          );
        })}
      </div>
    </div>
  );
}
