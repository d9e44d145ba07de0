/** Roll back one ledger change (compare-and-swap on the control plane): what it restores, reason, confirmation, round trip. */
import { hasFourEyes } from '../../store/gates.ts';
import { useEffect, useState } from 'react';
import type { EntryDetail, EnvState } from '../../../../shared/ipc/contract.ts';
import type { IpcError } from '../../../../shared/ipc/result.ts';
import { when } from '../../lib/when.ts';
import { BlockedNote } from '../../ui/blocked-note.tsx';
import { DialogFrame } from '../../ui/dialog-frame.tsx';
import { ErrorLine } from '../../ui/error-line.tsx';
import { useBlock } from '../../ui/hooks.ts';
import { ReasonConfirm, reasonReady, type ReasonState } from '../../ui/reason-confirm.tsx';
import { RoundTrip } from '../../ui/round-trip.tsx';
import { describeValue, stableJson, ValueChange } from '../../ui/value.tsx';
import { useApp } from '../../store-context.tsx';
import { BlockedRoutes } from './blocked-routes.tsx';
import { ConflictView } from './conflict-view.tsx';
import { FlagImpact } from './flag-impact.tsx';
import { useFlagDetail } from './use-flag-detail.ts';

function asEnvState(v: unknown): EnvState | null {
  return typeof v === 'object' && v !== null && 'enabled' in v && 'rollout_pct' in v ? (v as EnvState) : null;
}

/** The dialog for the change at ledger `idx`. */
export function RollbackDialog({ idx }: { idx: number }) {
  const closeDialog = useApp((s) => s.closeDialog);
  const loadEntry = useApp((s) => s.loadEntry);
  const rollback = useApp((s) => s.rollback);
  const block = useBlock('rollback');
  const [entry, setEntry] = useState<EntryDetail | null>(null);
  const [loadError, setLoadError] = useState<IpcError | null>(null);
  const [guard, setGuard] = useState<ReasonState>({ reason: '', confirmed: false });
  const [error, setError] = useState<IpcError | null>(null);
  const [receiptKey, setReceiptKey] = useState<string | null>(null);
  useEffect(() => {
    void loadEntry(idx).then((res) => (res.ok ? setEntry(res.value) : setLoadError(res.error)));
  }, [idx, loadEntry]);
  const { flag, error: flagError } = useFlagDetail(entry?.row.flag ?? null);
  const env = entry?.row.env ?? null;
  const current = flag && env ? flag.environments[env] : undefined;
  const moved = !!current && stableJson(current) !== stableJson(entry?.after);
  const gated = useApp((s) => hasFourEyes(s.profiles));
  const fourEyes = gated && (flag?.tier === 'BLOCKED' || error?.code === 'APPROVAL_REQUIRED');
  const ungatedBlocked = !gated && flag?.tier === 'BLOCKED';
  const canSend = !!entry && block === null && !fourEyes && reasonReady(guard, 10) && !receiptKey;
  const send = async (): Promise<void> => {
    const res = await rollback(idx, guard.reason.trim());
    if (res.ok) setReceiptKey(res.value.idempotencyKey);
    setError(res.ok ? null : res.error);
  };
  return (
    <DialogFrame title={`Roll back change #${idx}`} onClose={closeDialog} testId="rollback-dialog" tone="danger">
      <ErrorLine error={loadError} />
      {!entry && !loadError && <p role="status">Loading entry #{idx}…</p>}
      {entry && (
        <>
          <p>
            {entry.row.actor} changed <code>{entry.row.flag}</code>
            {env && ` in ${env}`} at {when(entry.row.ts, Date.now())}:{' '}
            <ValueChange before={entry.before} after={entry.after} />
          </p>
          <p>
            Rolling back restores <strong data-testid="rollback-restores">{describeValue(entry.before)}</strong>, only
            if the flag has not moved since (compare-and-swap).
          </p>
          <ErrorLine error={flagError} />
          {flag && <FlagImpact flag={flag} env={env} />}
          {moved && !receiptKey && (
            <p className="warn-text" data-testid="rollback-moved">
              The flag moved since this change (now {describeValue(current)}); the control plane will refuse this
              rollback.
            </p>
          )}
          <ReasonConfirm
            value={guard}
            onChange={setGuard}
            min={10}
            confirmText={`I confirm: restore ${entry.row.flag}${env ? ` in ${env}` : ''} to its state before #${idx}.`}
          />
          {fourEyes && flag && env && (
            <BlockedRoutes
              flag={flag.key}
              env={env}
              tier={flag.tier}
              after={asEnvState(entry.before)}
              reason={guard.reason}
              breakGlassLabel="Break-glass kill instead…"
            />
          )}
          {ungatedBlocked && (
            <p className="warn-text" data-testid="no-four-eyes-note">
              This flag&apos;s tier is BLOCKED (or unknown: no tier tag in Unleash), but Unleash has no four-eyes gate:
              the rollback goes through directly.
            </p>
          )}
          <BlockedNote id="rollback-blocked" reason={block} />
          <div className="row">
            <button
              type="button"
              className="danger"
              disabled={!canSend}
              onClick={() => void send()}
              data-testid="rollback-submit"
              aria-describedby={block ? 'rollback-blocked' : undefined}
            >
              Roll back
            </button>
            <button type="button" onClick={closeDialog}>
              {receiptKey ? 'Close' : 'Cancel'}
            </button>
          </div>
          <ErrorLine error={error} />
          {error?.code === 'ROLLBACK_CONFLICT' && entry.row.flag && (
            <ConflictView flag={entry.row.flag} env={env} idx={idx} />
          )}
        </>
      )}
      {receiptKey && <RoundTrip receiptKey={receiptKey} />}
    </DialogFrame>
  );
}
