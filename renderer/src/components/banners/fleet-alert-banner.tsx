/**
 * A kill or rollback that has not reached every SDK instance 5 s after its commit: one line under the top bar (also
 * when the dialog that sent it is closed), naming the first straggler, with the way to the fleet view. It stays until
 * the instances apply it or this person dismisses it.
 */
import { useApp } from '../../store-context.tsx';
import { useNow } from '../../ui/hooks.ts';
import { ACTION_WORDS } from '../../ui/round-trip.tsx';
import { stragglerText } from '../../ui/fleet-step.tsx';

/** The line; nothing when no kill or rollback is overdue. */
export function FleetAlertBanner() {
  const receipts = useApp((s) => s.receipts);
  const dismissed = useApp((s) => s.fleetAlertsDismissed);
  const openDialog = useApp((s) => s.openDialog);
  const dismiss = useApp((s) => s.dismissFleetAlert);
  const now = useNow(5000);
  const overdue = Object.values(receipts).filter(
    (r) => r.fleet?.overdue && r.fleet.status !== 'complete' && !dismissed.includes(r.idempotencyKey),
  );
  const latest = overdue[overdue.length - 1];
  const f = latest?.fleet;
  if (!latest || !f) return null;
  const first = f.behind[0];
  const what = ACTION_WORDS[latest.action] ?? 'the action';
  return (
    <div className="break-glass-line fleet-alert-line" data-testid="fleet-alert-banner">
      <p role="alert" className="break-glass-summary">
        <strong>
          {what.charAt(0).toUpperCase() + what.slice(1)} (#{f.idx}) has not reached {f.behind.length} SDK instance
          {f.behind.length === 1 ? '' : 's'}
        </strong>{' '}
        · applied by {f.k} of {f.n} after 5 s{first ? ` · ${stragglerText(first, now)}` : ''}
        {f.behind.length > 1 ? ` and ${f.behind.length - 1} more` : ''}
      </p>
      <button
        type="button"
        onClick={() => openDialog({ kind: 'fleet', service: first?.service ?? null })}
        data-testid="fleet-alert-open"
      >
        Open the fleet view
      </button>
      <button type="button" onClick={() => dismiss(latest.idempotencyKey)} aria-label="Dismiss this fleet alert">
        Dismiss
      </button>
    </div>
  );
}
