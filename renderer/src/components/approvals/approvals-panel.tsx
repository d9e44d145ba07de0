/** The four-eyes queue: pending change requests (or all), each with its diff, hash and decision buttons. */
import { hasFourEyes } from '../../store/gates.ts';
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ErrorLine } from '../../ui/error-line.tsx';
import { Panel } from '../../ui/panel.tsx';
import { useApp } from '../../store-context.tsx';
import { ChangeRequestCard } from './change-request-card.tsx';
import { buildQueue, DECIDED_PAGE, decidedWithReceipts, moreLabel } from './queue.ts';

/** The panel. */
export function ApprovalsPanel() {
  const list = useApp((s) => s.changeRequests);
  const decided = useApp(useShallow(decidedWithReceipts));
  const filter = useApp((s) => s.approvalsFilter);
  const setFilter = useApp((s) => s.setApprovalsFilter);
  const error = useApp((s) => s.approvalsError);
  const gated = useApp((s) => hasFourEyes(s.profiles));
  const [limit, setLimit] = useState(DECIDED_PAGE);
  // The server's list is the truth for what is pending; a request decided here that left it is not.
  const pending = list.filter((c) => c.status === 'PENDING').length;
  const { always, paged } = buildQueue(list, decided);
  const shown = [...always, ...paged.slice(0, limit)];
  const more = moreLabel(paged.length - Math.min(limit, paged.length));
  const tools = (
    <label>
      <input
        type="checkbox"
        checked={filter === 'ALL'}
        onChange={(e) => {
          setLimit(DECIDED_PAGE);
          setFilter(e.target.checked ? 'ALL' : 'PENDING');
        }}
      />{' '}
      show decided
    </label>
  );
  return (
    <Panel id="approvals" title={`Approvals · ${pending} pending`} tools={tools}>
      <ErrorLine error={error} />
      {!gated ? (
        <p className="muted" data-testid="no-four-eyes">
          Unleash&apos;s open-source edition has no change requests: four-eyes approval cannot be asked for or enforced
          through it, and a change made in Unleash applies at once.
        </p>
      ) : (
        shown.length === 0 && !error && <p className="muted">No change requests waiting for review.</p>
      )}
      {/* One keyed list: a card keeps its DOM node (and focus) when its request moves between the groups. */}
      {shown.map(({ cr, decided: d }) => (
        <ChangeRequestCard key={cr.id} cr={cr} decided={d} />
      ))}
      {more && (
        <button type="button" className="more" onClick={() => setLimit(limit + DECIDED_PAGE)}>
          {more}
        </button>
      )}
    </Panel>
  );
}
