/** The incidents list: active first, with service, age, status and source; the selection drives the whole screen. */
import { useState } from 'react';
import type { Incident } from '../../../../shared/ipc/contract.ts';
import { age } from '../../lib/time-format.ts';
import { when } from '../../lib/when.ts';
import { ErrorLine } from '../../ui/error-line.tsx';
import { useNow } from '../../ui/hooks.ts';
import { Panel } from '../../ui/panel.tsx';
import { useApp } from '../../store-context.tsx';
import { RESOLVED_PAGE } from '../../store/incidents-slice.ts';

function IncidentItem({ incident, selected, now }: { incident: Incident; selected: boolean; now: number }) {
  const selectIncident = useApp((s) => s.selectIncident);
  return (
    <li>
      <button
        type="button"
        className={`incident incident-${incident.status}`}
        aria-current={selected ? 'true' : undefined}
        data-testid={`incident-${incident.id}`}
        onClick={() => void selectIncident(incident.id)}
      >
        <span className="incident-title">{incident.title}</span>
        <span className="incident-meta">
          <span className="service">{incident.service}</span>
          <span className={`pill status-pill-${incident.status}`}>{incident.status}</span>
          <span className="pill">{incident.source === 'pagerduty' ? 'PagerDuty' : 'manual'}</span>
          <span className="pill">{incident.severity}</span>
          <span title={when(incident.triggeredAt, Date.now())}>{age(incident.triggeredAt, now)} ago</span>
        </span>
      </button>
    </li>
  );
}

function Items({ list, label }: { list: Incident[]; label: string }) {
  const selection = useApp((s) => s.selection);
  const now = useNow(5000);
  return (
    <ul className="incident-list" aria-label={label}>
      {list.map((i) => (
        <IncidentItem
          key={i.id}
          incident={i}
          now={now}
          selected={selection?.kind === 'incident' && selection.id === i.id}
        />
      ))}
    </ul>
  );
}

/**
 * The resolved incidents, newest first, rendered only while the disclosure is open; the store holds a page of them
 * (a year of history holds thousands) and "show more" asks the replica for the next one.
 */
function Resolved({ list, total }: { list: Incident[]; total: number }) {
  const [open, setOpen] = useState(false);
  const showMore = useApp((s) => s.showMoreResolved);
  const left = Math.max(0, total - list.length);
  return (
    <details className="resolved" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>Resolved ({total})</summary>
      {open && <Items list={list} label="Resolved incidents, newest first" />}
      {open && left > 0 && (
        <button type="button" className="show-more" data-testid="incidents-show-more" onClick={() => void showMore()}>
          Show {Math.min(RESOLVED_PAGE, left)} more ({left} older)
        </button>
      )}
    </details>
  );
}

/** The panel: active incidents, then the resolved ones behind a disclosure; the manual-time entry opens a dialog. */
export function IncidentList() {
  const incidents = useApp((s) => s.incidents);
  const resolvedTotal = useApp((s) => s.resolvedTotal);
  const error = useApp((s) => s.incidentsError);
  const selection = useApp((s) => s.selection);
  const openDialog = useApp((s) => s.openDialog);
  const active = incidents.filter((i) => i.status !== 'resolved');
  const resolved = incidents.filter((i) => i.status === 'resolved');
  const tools = (
    <button type="button" onClick={() => openDialog({ kind: 'manualIncident' })} data-testid="manual-incident-open">
      Incident at time…
    </button>
  );
  return (
    <Panel id="incidents" title={`Incidents · ${active.length} active`} tools={tools} className="incidents-panel">
      <ErrorLine error={error} />
      {selection?.kind === 'manual' && (
        <p className="manual-selection" aria-current="true" data-testid="manual-selection">
          Manual: {when(selection.at, Date.now())}
          {selection.service ? ` · ${selection.service}` : ' · all services'}
        </p>
      )}
      {incidents.length === 0 && !error && (
        <p className="muted">No incidents in the replica. Use “Incident at time…” to rank changes before any moment.</p>
      )}
      <div className="incident-scroll">
        <Items list={active} label="Active incidents, newest first" />
        {resolvedTotal > 0 && <Resolved list={resolved} total={resolvedTotal} />}
      </div>
    </Panel>
  );
}
