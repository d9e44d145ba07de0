/**
 * The audit table over the whole replica: virtualized rows (fixed height, ~40 in the DOM), each read from the
 * store's bounded row cache; the pages around the viewport are fetched with `ledger:query` as it moves.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { clock } from '../../lib/time-format.ts';
import { useApp } from '../../store-context.tsx';
import { nextIndex } from '../changes/changes-table.tsx';

const ROW_HEIGHT = 28;
const COLUMNS = [['idx', 'idx'], ['ts', 'time (UTC)'], ['actor', 'actor'], ['action', 'action'], ['flag', 'flag'], ['env', 'env'], ['summary', 'change'], ['verified', '✓']] as const;

/** One row; memoized so a scroll re-renders only the rows that enter the viewport. */
const LedgerRow = memo(function LedgerRow({ pos, start, active }: { pos: number; start: number; active: boolean }) {
  useApp((s) => s.ledgerVersion); // re-read the cache when pages arrive
  const row = useApp((s) => s.ledgerRowAt)(pos);
  const verifiedSize = useApp((s) => s.verification?.verifiedSize ?? 0);
  const openIdx = useApp((s) => s.openEntry?.idx ?? null);
  const showEntry = useApp((s) => s.showEntry);
  const style = { transform: `translateY(${start}px)`, height: ROW_HEIGHT };
  if (!row) {
    return <div role="row" className="grid-row loading" style={style} aria-rowindex={pos + 2}><div role="gridcell" className="cell">loading row {pos + 1}…</div></div>;
  }
  const cls = `grid-row${active ? ' active' : ''}${row.idx === openIdx ? ' selected' : ''}${row.action === 'flag.auto_rolled_back' ? ' auto' : ''}`;
  return (
    <div role="row" id={`ledger-row-${pos}`} className={cls} style={style} aria-rowindex={pos + 2} data-testid={`ledger-row-${row.idx}`}
      onClick={() => void showEntry(row.idx)}>
      <div role="gridcell" className="cell col-idx">{row.idx}</div>
      <div role="gridcell" className="cell col-ts">{clock(row.ts).slice(0, 8)} <span className="muted">{row.ts.slice(0, 10)}</span></div>
      <div role="gridcell" className="cell col-actor">{row.actor}</div>
      <div role="gridcell" className="cell col-action">{row.action}</div>
      <div role="gridcell" className="cell col-flag">{row.flag ?? ''}</div>
      <div role="gridcell" className="cell col-env">{row.env ?? ''}</div>
      <div role="gridcell" className="cell col-summary">{row.summary}</div>
      <div role="gridcell" className="cell col-verified" aria-label={row.idx < verifiedSize ? 'verified' : 'pending'}>{row.idx < verifiedSize ? '✓' : '…'}</div>
    </div>
  );
});

/** The virtualized grid. */
export function LedgerTable() {
  const total = useApp((s) => s.ledgerTotal) ?? 0;
  const order = useApp((s) => s.ledgerOrder);
  const ensure = useApp((s) => s.ensureLedgerRows);
  const rowAt = useApp((s) => s.ledgerRowAt);
  const showEntry = useApp((s) => s.showEntry);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState(0);
  const virtualizer = useVirtualizer({
    count: total, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12,
    initialRect: { width: 1000, height: 480 }, useFlushSync: false,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  useEffect(() => { ensure(first, last); }, [ensure, first, last, total, order]);
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
    virtualizer.scrollToIndex(next, { align: 'auto' });
  };
  return (
    <div ref={scrollRef} className="grid-scroll ledger-grid" tabIndex={0} role="grid" aria-label="Audit ledger" aria-rowcount={total + 1}
      aria-activedescendant={total > 0 ? `ledger-row-${active}` : undefined} onKeyDown={onKeyDown} data-testid="ledger-grid">
      <div role="row" className="grid-row grid-head" aria-rowindex={1}>
        {COLUMNS.map(([id, label]) => <div role="columnheader" key={id} className={`cell col-${id}`}>{label}</div>)}
      </div>
      <div className="grid-body" style={{ height: virtualizer.getTotalSize() }}>
        {items.map((item) => <LedgerRow key={item.index} pos={item.index} start={item.start} active={item.index === active} />)}
      </div>
    </div>
  );
}
