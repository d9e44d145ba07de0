/** The four-eyes queue: pending change requests (or all), each with its diff, hash and decision buttons. */
import { ErrorLine } from '../../ui/error-line.tsx';
import { Panel } from '../../ui/panel.tsx';
import { useApp } from '../../store-context.tsx';
import { ChangeRequestCard } from './change-request-card.tsx';

/** The panel. */
export function ApprovalsPanel() {
  const list = useApp((s) => s.changeRequests);
  const filter = useApp((s) => s.approvalsFilter);
  const setFilter = useApp((s) => s.setApprovalsFilter);
  const error = useApp((s) => s.approvalsError);
  const pending = list.filter((c) => c.status === 'PENDING').length;
  const tools = (
    <label>
      <input type="checkbox" checked={filter === 'ALL'} onChange={(e) => setFilter(e.target.checked ? 'ALL' : 'PENDING')} /> show decided
    </label>
  );
  return (
    <Panel id="approvals" title={`Approvals · ${pending} pending`} tools={tools}>
      <ErrorLine error={error} />
      {list.length === 0 && !error && <p className="muted">No change requests waiting for review.</p>}
      {list.map((cr) => <ChangeRequestCard key={cr.id} cr={cr} />)}
    </Panel>
  );
}
