/**
 * The way forward after a verification alert: set the replica aside (kept unchanged with its evidence and the
 * reason given here) and start over with an empty replica, synced again and verified against the trusted keys.
 */
import { useState } from 'react';
import type { Evidence } from '../../../../shared/ipc/contract.ts';
import type { IpcError } from '../../../../shared/ipc/result.ts';
import { visibleLength } from '../../../../shared/text/visible-text.ts';
import { ErrorLine } from '../../ui/error-line.tsx';
import { ReasonHint } from '../../ui/reason-hint.tsx';
import { useApp } from '../../store-context.tsx';

const MIN_REASON = 10;

/** The form; shown only while the replica has an alert. */
export function QuarantineForm({ alert }: { alert: Evidence }) {
  const quarantine = useApp((s) => s.quarantineReplica);
  const [reason, setReason] = useState('');
  const [confirmed, setConfirmed] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);
  const short = visibleLength(reason) < MIN_REASON;
  const submit = async (): Promise<void> => {
    setBusy(true);
    const err = await quarantine(reason.trim());
    setBusy(false);
    setError(err);
  };
  return (
    <section className="quarantine" aria-labelledby="quarantine-title" data-testid="quarantine">
      <h3 id="quarantine-title">Start over from a clean replica</h3>
      <p>
        This replica failed verification (<code className="error-code">{alert.code}</code>
        {alert.idx !== null && <> at entry #{alert.idx}</>}), so the console stopped advancing it. Export the report
        above first. Setting it aside moves the file, unchanged and with its evidence, to the console's quarantine
        folder together with your reason; the console then downloads the ledger again and verifies it against the keys
        this profile already trusts. If the control plane itself rewrote its history, the new replica raises the alert
        again.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!short && confirmed && !busy) void submit();
        }}
      >
        <label htmlFor="quarantine-reason">
          Why (at least {MIN_REASON} characters; kept with the set-aside replica)
        </label>
        <textarea
          id="quarantine-reason"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          rows={2}
          maxLength={2000}
          aria-invalid={reason.length > 0 && short}
          aria-describedby="quarantine-reason-hint"
        />
        <ReasonHint id="quarantine-reason-hint" text={reason} min={MIN_REASON} />
        <label>
          <input type="checkbox" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} /> I have the
          report; set this replica aside and sync a new one
        </label>
        <div className="row">
          <button
            type="submit"
            className="danger"
            disabled={short || !confirmed || busy}
            data-testid="quarantine-submit"
          >
            {busy ? 'Setting aside…' : 'Set aside and resync'}
          </button>
        </div>
      </form>
      <ErrorLine error={error} />
    </section>
  );
}
