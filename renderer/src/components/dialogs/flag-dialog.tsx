/** A flag's detail: definition, state per environment, blast radius; kill it or propose a change from here. */
import { DialogFrame } from '../../ui/dialog-frame.tsx';
import { ErrorLine } from '../../ui/error-line.tsx';
import { useBlock } from '../../ui/hooks.ts';
import { useApp } from '../../store-context.tsx';
import { ChangeRequestForm } from './change-request-form.tsx';
import { FlagImpact } from './flag-impact.tsx';
import { useFlagDetail } from './use-flag-detail.ts';

/** The dialog for flag `flagKey`. */
export function FlagDialog({ flagKey }: { flagKey: string }) {
  const closeDialog = useApp((s) => s.closeDialog);
  const openDialog = useApp((s) => s.openDialog);
  const killBlock = useBlock('kill');
  const { flag, error } = useFlagDetail(flagKey);
  return (
    <DialogFrame title={`Flag ${flagKey}`} onClose={closeDialog} testId="flag-dialog">
      <ErrorLine error={error} />
      {!flag && !error && <p role="status">Loading…</p>}
      {flag && (
        <>
          <p>{flag.description || 'No description.'}</p>
          {flag.lastChangeIdx !== null && <p className="muted">Last changed at ledger #{flag.lastChangeIdx}.</p>}
          <FlagImpact flag={flag} env={null} />
          <div className="row">
            <button
              type="button"
              className="danger"
              disabled={killBlock !== null}
              title={killBlock ?? undefined}
              onClick={() => openDialog({ kind: 'kill', flag: flag.key, env: null })}
            >
              Kill switch…
            </button>
          </div>
          {!flag.tombstoned && <ChangeRequestForm flag={flag} />}
        </>
      )}
    </DialogFrame>
  );
}
