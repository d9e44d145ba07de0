/** The selected incident's top-3 candidates, the circuit breaker's own responses, and the ranking's notes. */
import { useState } from 'react';
import type { Incident } from '../../../../shared/ipc/contract.ts';
import type { IpcError } from '../../../../shared/ipc/result.ts';
import { seconds } from '../../lib/time-format.ts';
import { BlockedNote } from '../../ui/blocked-note.tsx';
import { ErrorLine } from '../../ui/error-line.tsx';
import { useBlock } from '../../ui/hooks.ts';
import { Panel } from '../../ui/panel.tsx';
import { ValueChange } from '../../ui/value.tsx';
import { useApp } from '../../store-context.tsx';
import { usesSince } from '../banners/break-glass-banner.tsx';
import { when } from '../../lib/when.ts';
import { useNow } from '../../ui/hooks.ts';
import { servicesOf, summaryOf } from '../../lib/fleet.ts';
import { CandidateCard } from './candidate-card.tsx';

/** The selected incident's state and the two steps a responder takes on it, through the control plane. */
function IncidentHead({ incident }: { incident: Incident }) {
  const transition = useApp((s) => s.transitionIncident);
  const block = useBlock('incident');
  const now = useNow(30_000);
  const [sent, setSent] = useState<{ key: string; to: 'acknowledge' | 'resolve' } | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const receipt = useApp((s) => (sent ? s.receipts[sent.key] : undefined));
  const send = async (to: 'acknowledge' | 'resolve'): Promise<void> => {
    const res = await transition(incident.id, to);
    setError(res.ok ? null : res.error);
    if (res.ok) setSent({ key: res.value.idempotencyKey, to });
  };
  const pending = !!receipt && receipt.status !== 'verified' && receipt.status !== 'failed';
  const done = sent?.to === 'acknowledge' ? 'Acknowledged' : 'Resolved';
  return (
    <div className="incident-head" data-testid="incident-head">
      <span className={`pill status-pill-${incident.status}`} data-testid="incident-status">
        {incident.status}
      </span>
      <span className="pill">{incident.severity}</span>
      <span className="muted">
        {incident.source === 'pagerduty' ? 'PagerDuty' : 'manual'} · triggered {when(incident.triggeredAt, now)}
      </span>
      {receipt && (
        <span role="status" data-testid="incident-action-status">
          {receipt.status === 'verified'
            ? `${done} by you (ledger #${receipt.appliedIdx ?? '?'})`
            : receipt.status === 'failed'
              ? ''
              : receipt.appliedIdx !== null
                ? `${done} (ledger #${receipt.appliedIdx}); waiting for it to arrive verified…`
                : `Sending…`}
        </span>
      )}
      {incident.status !== 'resolved' && (
        <div className="row">
          {incident.status === 'triggered' && (
            <button
              type="button"
              disabled={block !== null || pending}
              title={block ?? undefined}
              onClick={() => void send('acknowledge')}
              data-testid="incident-acknowledge"
            >
              Acknowledge
            </button>
          )}
          <button
            type="button"
            disabled={block !== null || pending}
            title={block ?? undefined}
            onClick={() => void send('resolve')}
            data-testid="incident-resolve"
          >
            Resolve
          </button>
        </div>
      )}
      <ErrorLine error={error ?? receipt?.error ?? null} />
    </div>
  );
}

/** Break-glass uses made while the selected incident is active: part of what happened during it. */
function IncidentBreakGlass({ since }: { since: string }) {
  const uses = useApp((s) => s.breakGlassUses);
  const now = useNow(30_000);
  const during = usesSince(uses, since);
  if (during.length === 0) return null;
  return (
    <div className="incident-break-glass" data-testid="incident-break-glass">
      <h3>Break-glass during this incident</h3>
      <ul>
        {during.map((u) => (
          <li key={u.idx}>
            {u.actor} at {when(u.at, now)}
            {u.flag ? (
              <>
                {' '}
                on <code>{u.flag}</code>
                {u.env ? ` in ${u.env}` : ''}
              </>
            ) : null}{' '}
            — “{u.reason}” · #{u.idx}
            {u.acknowledgedBy ? <span className="muted"> · acknowledged by {u.acknowledgedBy}</span> : null}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Context() {
  const context = useApp((s) => s.correlation?.context);
  if (!context || context.length === 0) return null;
  return (
    <div className="context" data-testid="auto-rollbacks">
      <h3>Automatic rollbacks in the window</h3>
      <ul>
        {context.map((e) => (
          <li key={e.ledger_idx}>
            {e.actor} rolled back <code>{e.flag_key}</code>
            {e.environment && ` in ${e.environment}`} at {when(e.ts, Date.now())} (
            {seconds(e.delta_seconds_before_alert)} before the alert):{' '}
            <ValueChange before={e.previous_value} after={e.new_value} /> · #{e.ledger_idx}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The calm state when no incident is active, or the prompt to pick one. */
function NothingSelected() {
  const incidents = useApp((s) => s.incidents);
  const loaded = useApp((s) => s.incidentsLoaded);
  const selection = useApp((s) => s.selection);
  const active = incidents.some((i) => i.status !== 'resolved');
  if (loaded && !active && !selection)
    return (
      <div className="nothing-active" role="status" data-testid="nothing-active">
        <p>
          <strong>Nothing active.</strong> No incident is open right now; a new one will show here as it arrives.
        </p>
        <p className="muted">
          Past incidents are under “Resolved” in the list; “Incident at time…” ranks the changes before any moment.
        </p>
      </div>
    );
  return <p className="muted">Select an incident, or use “Incident at time…”.</p>;
}

/** The way from the incident to its service's SDK instances, with their count at a glance. */
function FleetButton({ service }: { service: string | null }) {
  const openDialog = useApp((s) => s.openDialog);
  const snapshot = useApp((s) => s.fleet?.snapshot ?? null);
  const live = useApp((s) => s.fleet?.live ?? false);
  const mine = servicesOf(snapshot, service).find((f) => f.service === service);
  const label = mine
    ? `Fleet: ${mine.counts.current}/${mine.instances.length} current${live ? '' : ' (not live)'}`
    : 'SDK fleet';
  return (
    <button
      type="button"
      className={
        mine && mine.counts.current < mine.instances.length ? 'fleet-button fleet-button-warn' : 'fleet-button'
      }
      onClick={() => openDialog({ kind: 'fleet', service })}
      data-testid="incident-fleet"
      title={mine ? `${service}: ${summaryOf(mine)}` : 'The SDK instances and the config version each one serves'}
    >
      {label}
    </button>
  );
}

/** The panel. */
export function CandidatesPanel() {
  const correlation = useApp((s) => s.correlation);
  const error = useApp((s) => s.correlationError);
  const correlating = useApp((s) => s.correlating);
  const incidents = useApp((s) => s.incidents);
  const rollbackBlock = useBlock('rollback');
  const killBlock = useBlock('kill');
  const block = rollbackBlock ?? killBlock;
  const incident = correlation?.incident.id ? incidents.find((i) => i.id === correlation.incident.id) : undefined;
  const title = correlation
    ? `Likely causes · ${incident?.title ?? 'manual'} at ${when(correlation.incident.at, Date.now())}${correlation.incident.service ? ` · ${correlation.incident.service}` : ''}`
    : 'Likely causes';
  const top = correlation?.candidates[0]?.score ?? 0;
  return (
    <Panel
      id="candidates"
      title={title}
      tools={
        <>
          {correlating && (
            <span className="muted" role="status">
              ranking…
            </span>
          )}
          {correlation && <FleetButton service={correlation.incident.service ?? null} />}
        </>
      }
    >
      <ErrorLine error={error} />
      {!correlation && !error && !correlating && <NothingSelected />}
      {correlation && (
        <>
          <p className="muted candidates-scope">
            {correlation.considered} change{correlation.considered === 1 ? '' : 's'} scored between{' '}
            {when(correlation.window.from, Date.now())} and {when(correlation.window.to, Date.now())}.
          </p>
          {incident && <IncidentHead key={incident.id} incident={incident} />}
          <BlockedNote id="candidates-blocked" reason={block} />
          {incident && incident.status !== 'resolved' && <IncidentBreakGlass since={incident.triggeredAt} />}
          {correlation.candidates.length === 0 && (
            <p>No flag change in the window: this incident does not look flag-related.</p>
          )}
          <div className="candidates">
            {correlation.candidates.map((c) => (
              <CandidateCard key={`${c.ledger_idx}-${c.environment ?? ''}`} c={c} topScore={top} />
            ))}
          </div>
          <Context />
          {correlation.notes.length > 0 && (
            <ul className="notes" aria-label="Notes on the ranking">
              {correlation.notes.map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
          )}
        </>
      )}
    </Panel>
  );
}
