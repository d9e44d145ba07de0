/**
 * The round trip's last step: applied by k of n SDK instances, with p50/max milliseconds after the commit, naming each
 * instance that has not applied it. It shows only what the console saw: unchecked says so, and never counts anyone.
 */
import type { FleetRoundTrip, FleetStraggler } from '../../../shared/ipc/contract.ts';
import { age, clock } from '../lib/time-format.ts';
import { useNow } from './hooks.ts';
import { useApp } from '../store-context.tsx';

/** "chk-7 (checkout) on host ip-10-2-3-4 — on config version 100, on last-known-good since 03:01:00 UTC (9 min)". */
export function stragglerText(s: FleetStraggler, nowMs: number): string {
  const version = s.appliedVersion === null ? 'no config version applied yet' : `on config version ${s.appliedVersion}`;
  const lkg = s.stale
    ? `, serving its last-known-good${s.staleSince ? ` since ${clock(s.staleSince)} (${age(s.staleSince, nowMs)})` : ''}`
    : '';
  const state = s.state === 'disconnected' ? ', disconnected' : s.state === 'behind' ? ', behind' : '';
  return `${s.instanceId} (${s.service}) on host ${s.host} — ${version}${lkg}${state}`;
}

/** "p50 4 ms, max 9 ms" (empty when nobody applied it yet). */
export function timing(f: FleetRoundTrip): string {
  return f.p50Ms === null || f.maxMs === null ? '' : ` (p50 ${f.p50Ms} ms, max ${f.maxMs} ms after the commit)`;
}

/** The sentence of the step. */
export function fleetSentence(f: FleetRoundTrip): string {
  if (f.status === 'unchecked')
    return `Could not check which SDK instances applied it — ${f.error?.message ?? 'no answer'}`;
  if (f.k === null || f.n === null) return 'Asking the control plane which SDK instances applied it…';
  if (f.n === 0) return `No SDK instance of ${f.environment} is registered with the control plane: none to apply it.`;
  if (f.status === 'complete') return `Applied by ${f.k} of ${f.n} SDK instances${timing(f)}`;
  if (f.status === 'checking')
    return `Applied by ${f.k} of ${f.n} SDK instances so far${timing(f)}; waiting for the rest…`;
  return `Applied by ${f.k} of ${f.n} SDK instances${timing(f)}; not applied by ${f.behind.length} when the console stopped asking${f.checkedAt ? ` (${clock(f.checkedAt)})` : ''}`;
}

/** The list item of the round trip. */
export function FleetStep({ fleet }: { fleet: FleetRoundTrip }) {
  const openDialog = useApp((s) => s.openDialog);
  const now = useNow(5000);
  const done = fleet.status === 'complete';
  const cls = done ? 'done' : fleet.status === 'checking' ? 'waiting' : 'failed';
  return (
    <li className={cls} data-testid="round-trip-fleet" data-status={fleet.status}>
      <span data-testid="round-trip-fleet-summary">{fleetSentence(fleet)}</span>
      {fleet.overdue && fleet.status !== 'complete' && (
        <p className="error-line" role="alert" data-testid="round-trip-fleet-alert">
          Still behind 5 s after the commit: {fleet.behind.length} SDK instance{fleet.behind.length === 1 ? '' : 's'}{' '}
          serve{fleet.behind.length === 1 ? 's' : ''} what was there before.
        </p>
      )}
      {fleet.behind.length > 0 && fleet.status !== 'unchecked' && (
        <ul className="fleet-stragglers" aria-label="SDK instances that have not applied it">
          {fleet.behind.map((s) => (
            <li key={s.instanceId} data-testid={`round-trip-straggler-${s.instanceId}`}>
              {stragglerText(s, now)}
            </li>
          ))}
        </ul>
      )}
      {fleet.status !== 'complete' && (
        <button
          type="button"
          className="link"
          onClick={() => openDialog({ kind: 'fleet', service: fleet.behind[0]?.service ?? null })}
          data-testid="round-trip-open-fleet"
        >
          Open the fleet view
        </button>
      )}
    </li>
  );
}
