/** The loud, persistent announcement of break-glass use, until someone acknowledges it; many uses collapse to one line. */
import { useState } from 'react';
import type { BreakGlassUse } from '../../../../shared/ipc/contract.ts';
import { clock } from '../../lib/time-format.ts';
import { ErrorLine } from '../../ui/error-line.tsx';
import { useApp } from '../../store-context.tsx';

function UseLine({ u }: { u: BreakGlassUse }) {
  const acknowledge = useApp((s) => s.acknowledgeBreakGlass);
  return (
    <p>
      <strong>BREAK-GLASS USED</strong> by {u.actor} at {clock(u.at)}
      {u.flag && (
        <>
          {' '}
          on <code>{u.flag}</code>
          {u.env && <> in {u.env}</>}
        </>
      )}{' '}
      — “{u.reason}” (ledger #{u.idx}){' '}
      <button
        type="button"
        onClick={() => void acknowledge(u.idx)}
        aria-label={`Acknowledge break-glass use #${u.idx}`}
      >
        Acknowledge
      </button>
    </p>
  );
}

/** Newest use first; the rest behind "+N more". */
export function BreakGlassBanner() {
  const uses = useApp((s) => s.breakGlassUses);
  const error = useApp((s) => s.breakGlassError);
  const acknowledge = useApp((s) => s.acknowledgeBreakGlass);
  const [expanded, setExpanded] = useState(false);
  if (uses.length === 0) return null;
  const sorted = [...uses].sort((a, b) => b.idx - a.idx);
  const shown = expanded ? sorted : sorted.slice(0, 1);
  const ackAll = async (): Promise<void> => {
    for (const u of sorted) await acknowledge(u.idx);
  };
  return (
    <div className="break-glass-banner" role="alert" data-testid="break-glass-banner">
      {shown.map((u) => (
        <UseLine key={u.idx} u={u} />
      ))}
      {uses.length > 1 && (
        <p>
          <button type="button" onClick={() => setExpanded(!expanded)} aria-expanded={expanded}>
            {expanded ? 'Show only the latest' : `+${uses.length - 1} more unacknowledged`}
          </button>{' '}
          <button type="button" onClick={() => void ackAll()}>
            Acknowledge all {uses.length}
          </button>
        </p>
      )}
      <ErrorLine error={error} />
    </div>
  );
}
