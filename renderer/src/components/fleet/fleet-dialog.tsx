/**
 * The SDK fleet per service: every instance on the latest config version, behind, disconnected or serving its
 * last-known-good, and for how long. Live while the metrics stream delivers fleet events; otherwise the last snapshot
 * the console received, dated, and said to be so.
 */
import { useId, useState } from 'react';
import type { FleetInstance, FleetView } from '../../../../shared/ipc/contract.ts';
import { age, clock } from '../../lib/time-format.ts';
import { when } from '../../lib/when.ts';
import { servicesOf, STATE_WORDS, summaryOf, versionsBehind, type ServiceFleet } from '../../lib/fleet.ts';
import { DialogFrame } from '../../ui/dialog-frame.tsx';
import { ErrorLine } from '../../ui/error-line.tsx';
import { useNow } from '../../ui/hooks.ts';
import { useApp } from '../../store-context.tsx';

/** Where the view stands: live, or as of when it was received. */
function Freshness({ view, now }: { view: FleetView; now: number }) {
  const s = view.snapshot;
  if (!s) return null;
  const count = `${s.instances.length} SDK instance${s.instances.length === 1 ? '' : 's'} in ${view.environment}`;
  if (view.live)
    return (
      <p className="fleet-freshness" role="status" data-testid="fleet-freshness" data-live="true">
        <span className="pill pill-ok">Live</span> {count} · latest config version {s.latest_version} · updated{' '}
        {clock(s.generated_at)}
      </p>
    );
  return (
    <p className="fleet-freshness fleet-stale" role="status" data-testid="fleet-freshness" data-live="false">
      <span className="pill pill-warn">Not live</span> As of {view.receivedAt ? when(view.receivedAt, now) : '?'}
      {view.receivedAt ? ` (${age(view.receivedAt, now)} ago)` : ''}: {count} · latest config version {s.latest_version}
      . The console is not receiving the fleet now, so instances may have changed since.
    </p>
  );
}

/** "on last-known-good for 9 min (since 03:01:00 UTC)". */
export function stateText(i: FleetInstance, latest: number, nowMs: number): string {
  const since = i.state === 'last_known_good' && i.stale_since ? i.stale_since : i.state_since;
  const behind = versionsBehind(i, latest);
  const what =
    i.state === 'behind' && behind !== null
      ? `behind by ${behind} version${behind === 1 ? '' : 's'}`
      : STATE_WORDS[i.state];
  return i.state === 'current' ? what : `${what} for ${age(since, nowMs)} (since ${clock(since)})`;
}

function ServiceTable({ f, latest, nowMs }: { f: ServiceFleet; latest: number; nowMs: number }) {
  const id = useId();
  return (
    <section className="fleet-service" aria-labelledby={id} data-testid={`fleet-service-${f.service}`}>
      <h3 id={id}>
        {f.service} <span className="muted">· {summaryOf(f)}</span>
      </h3>
      <table className="fleet-table">
        <thead>
          <tr>
            <th scope="col">Instance</th>
            <th scope="col">Host</th>
            <th scope="col">State</th>
            <th scope="col">Config version</th>
            <th scope="col">SDK</th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {f.instances.map((i) => (
            <tr
              key={i.instance_id}
              className={`fleet-row fleet-${i.state}`}
              data-testid={`fleet-instance-${i.instance_id}`}
              data-state={i.state}
            >
              <th scope="row">
                <code>{i.instance_id}</code>
              </th>
              <td>{i.host}</td>
              <td data-testid="fleet-instance-state">{stateText(i, latest, nowMs)}</td>
              <td>{i.applied_version ?? 'none yet'}</td>
              <td>{i.sdk_version}</td>
              <td>{age(i.last_seen, nowMs)} ago</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** The dialog; `service` (the paging service, when opened from an incident) leads and is selected. */
export function FleetDialog({ service }: { service: string | null }) {
  const closeDialog = useApp((s) => s.closeDialog);
  const view = useApp((s) => s.fleet);
  const error = useApp((s) => s.fleetError);
  const now = useNow(1000);
  const services = servicesOf(view?.snapshot ?? null, service);
  const [only, setOnly] = useState<string>(service && services.some((f) => f.service === service) ? service : '');
  const shown = only === '' ? services : services.filter((f) => f.service === only);
  // Offline, ages are measured at the moment the snapshot was made: nothing is aged by time the console did not see.
  const ageAt = view?.live || !view?.snapshot ? now : Date.parse(view.snapshot.generated_at);
  return (
    <DialogFrame title="SDK fleet" onClose={closeDialog} testId="fleet-dialog" wide>
      <ErrorLine error={error} />
      {!view && !error && <p role="status">Loading…</p>}
      {view && <Freshness view={view} now={now} />}
      {view && !view.snapshot && (
        <p role="status" data-testid="fleet-empty">
          The console has not received the SDK fleet of {view.environment} yet: no SDK instance has been reported to it.
        </p>
      )}
      {services.length > 0 && (
        <>
          <label className="fleet-filter">
            Service{' '}
            <select value={only} onChange={(e) => setOnly(e.target.value)} data-testid="fleet-filter" data-autofocus>
              <option value="">All services ({services.length})</option>
              {services.map((f) => (
                <option key={f.service} value={f.service}>
                  {f.service} — {summaryOf(f)}
                </option>
              ))}
            </select>
          </label>
          <div className="fleet-services">
            {shown.map((f) => (
              <ServiceTable key={f.service} f={f} latest={view?.snapshot?.latest_version ?? 0} nowMs={ageAt} />
            ))}
          </div>
        </>
      )}
    </DialogFrame>
  );
}
