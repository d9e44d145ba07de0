/**
 * The audit table over the whole replica: virtualized rows (fixed height, ~40 in the DOM), each read from the
 * store's bounded row cache; the pages around the viewport are fetched with `ledger:query` as it moves.
 * A browser caps an element's height (Chromium near 33.5 million px, about 1.19 million rows here), so a longer
 * ledger is shown a million rows at a time, with a pager; keyboard navigation crosses the pages by itself.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { clock } from '../../lib/time-format.ts';
import { useApp } from '../../store-context.tsx';
import { useVerified } from '../../ui/hooks.ts';
import { nextIndex } from '../changes/changes-table.tsx';

const ROW_HEIGHT = 28;
/** Rows per scrollable page: 28 million px, safely below the element-height limit. */
export const PAGE_ROWS = 1_000_000;
const COLUMNS = [
  ['idx', 'idx'],
  ['ts', 'time (UTC)'],
  ['actor', 'actor'],
  ['action', 'action'],
  ['flag', 'flag'],
  ['env', 'env'],
  ['summary', 'change'],
  ['verified', '✓'],
] as const;

/** One row; memoized so a scroll re-renders only the rows that enter the viewport. */
const LedgerRow = memo(function LedgerRow({ pos, start, active }: { pos: number; start: number; active: boolean }) {
  useApp((s) => s.ledgerVersion); // re-read the cache when pages arrive
  const row = useApp((s) => s.ledgerRowAt)(pos);
  const { upTo: verifiedSize, verifying } = useVerified();
  const openIdx = useApp((s) => s.openEntry?.idx ?? null);
  const showEntry = useApp((s) => s.showEntry);
  const style = { transform: `translateY(${start}px)`, height: ROW_HEIGHT };
  if (!row) {
    return (
      <div role="row" className="grid-row loading" style={style} aria-rowindex={pos + 2}>
        <div role="gridcell" className="cell">
          loading row {pos + 1}…
        </div>
      </div>
    );
  }
  const cls = `grid-row${active ? ' active' : ''}${row.idx === openIdx ? ' selected' : ''}${row.action === 'flag.auto_rolled_back' ? ' auto' : ''}`;
  return (
    <div
      role="row"
      id={`ledger-row-${pos}`}
      className={cls}
      style={style}
      aria-rowindex={pos + 2}
      data-testid={`ledger-row-${row.idx}`}
      onClick={() => void showEntry(row.idx)}
    >
      <div role="gridcell" className="cell col-idx">
        {row.idx}
      </div>
      <div role="gridcell" className="cell col-ts">
        {clock(row.ts).slice(0, 8)} <span className="muted">{row.ts.slice(0, 10)}</span>
      </div>
      <div role="gridcell" className="cell col-actor">
        {row.actor}
      </div>
      <div role="gridcell" className="cell col-action">
        {row.action}
      </div>
      <div role="gridcell" className="cell col-flag">
        {row.flag ?? ''}
      </div>
      <div role="gridcell" className="cell col-env">
        {row.env ?? ''}
      </div>
      <div role="gridcell" className="cell col-summary">
        {row.summary}
      </div>
      <div
        role="gridcell"
        className="cell col-verified"
        aria-label={row.idx < verifiedSize ? 'verified' : verifying ? 'verification in progress' : 'pending'}
      >
        {row.idx < verifiedSize ? '✓' : '…'}
      </div>
    </div>
  );
});

const fmt = (n: number): string => n.toLocaleString('en-US');

/** Previous / next million rows, shown only when the ledger is longer than one page. */
function Pager({
  page,
  pages,
  base,
  count,
  total,
  go,
}: {
  page: number;
  pages: number;
  base: number;
  count: number;
  total: number;
  go: (p: number) => void;
}) {
  if (pages <= 1) return null;
  return (
    <nav className="ledger-pager row" aria-label="Audit ledger pages" data-testid="ledger-pager">
      <button type="button" disabled={page === 0} onClick={() => go(page - 1)}>
        ◂ Previous million
      </button>
      <span data-testid="ledger-page-range">
        rows {fmt(base + 1)}–{fmt(base + count)} of {fmt(total)}
      </span>
      <button type="button" disabled={page === pages - 1} onClick={() => go(page + 1)}>
        Next million ▸
      </button>
    </nav>
  );
}

/** The virtualized grid. */
export function LedgerTable() {
  const total = useApp((s) => s.ledgerTotal) ?? 0;
  const order = useApp((s) => s.ledgerOrder);
  const ensure = useApp((s) => s.ensureLedgerRows);
  const rowAt = useApp((s) => s.ledgerRowAt);
  const showEntry = useApp((s) => s.showEntry);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState(0);
  const [wantedPage, setPage] = useState(0);
  // The local row to bring into view once a page change has rendered (null: keep the position).
  const pendingScroll = useRef<number | null>(null);
  const pages = Math.max(1, Math.ceil(total / PAGE_ROWS));
  const page = Math.min(wantedPage, pages - 1);
  const base = page * PAGE_ROWS;
  const count = Math.max(0, Math.min(PAGE_ROWS, total - base));
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    initialRect: { width: 1000, height: 480 },
    useFlushSync: false,
  });
  const items = virtualizer.getVirtualItems();
  const first = base + (items[0]?.index ?? 0);
  const last = base + (items[items.length - 1]?.index ?? 0);
  useEffect(() => {
    ensure(first, last);
  }, [ensure, first, last, total, order]);
  useEffect(() => {
    setPage(0);
  }, [order]);
  useEffect(() => {
    const target = pendingScroll.current;
    pendingScroll.current = null;
    if (target !== null) virtualizer.scrollToIndex(target, { align: 'auto' });
  }, [page, virtualizer]);
  const go = (p: number): void => {
    setPage(p);
    setActive(p * PAGE_ROWS);
    pendingScroll.current = 0;
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    if (total === 0) return;
    if (e.key === 'Enter') {
      const row = rowAt(active);
      if (row) void showEntry(row.idx);
      return;
    }
    const next = nextIndex(e.key, Math.min(active, total - 1), total, 20);
    if (next === null) return;
    e.preventDefault();
    setActive(next);
    const nextPage = Math.floor(next / PAGE_ROWS);
    if (nextPage === page) {
      virtualizer.scrollToIndex(next - base, { align: 'auto' });
      return;
    }
    pendingScroll.current = next - nextPage * PAGE_ROWS;
    setPage(nextPage);
  };
  return (
    <div className="ledger-pane">
      <Pager page={page} pages={pages} base={base} count={count} total={total} go={go} />
      <div
        ref={scrollRef}
        className="grid-scroll ledger-grid"
        tabIndex={0}
        role="grid"
        aria-label="Audit ledger"
        aria-rowcount={total + 1}
        aria-activedescendant={total > 0 ? `ledger-row-${active}` : undefined}
        onKeyDown={onKeyDown}
        data-testid="ledger-grid"
      >
        <div role="row" className="grid-row grid-head" aria-rowindex={1}>
          {COLUMNS.map(([id, label]) => (
            <div role="columnheader" key={id} className={`cell col-${id}`}>
              {label}
            </div>
          ))}
        </div>
        <div className="grid-body" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => (
            <LedgerRow
              key={base + item.index}
              pos={base + item.index}
              start={item.start}
              active={base + item.index === active}
            />
          ))}
        </div>
      </div>
    </div>
  );
}
