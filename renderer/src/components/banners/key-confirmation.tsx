/** Trust on first use: the control plane's signing key must be confirmed before anything it signs is trusted. */
import { useState } from 'react';
import type { IpcError } from '../../../../shared/ipc/result.ts';
import { ErrorLine } from '../../ui/error-line.tsx';
import { useApp } from '../../store-context.tsx';

/** Shown while sync waits for the key decision. */
export function KeyConfirmation() {
  const sync = useApp((s) => s.sync);
  const confirmKey = useApp((s) => s.confirmKey);
  const [error, setError] = useState<IpcError | null>(null);
  if (sync.kind !== 'key-confirmation') return null;
  const answer = (accept: boolean): void => void confirmKey(sync.vkey, accept).then(setError);
  return (
    <div className="key-banner" role="region" aria-label="Confirm signing key" data-testid="key-confirmation">
      <p>
        {sync.url} signs its ledger with key <strong>{sync.keyName}</strong>, fingerprint{' '}
        <code>{sync.fingerprint}</code>. Compare it with the fingerprint your team published; accept only if they match.
      </p>
      <button type="button" onClick={() => answer(true)}>
        Fingerprint matches — trust this key
      </button>{' '}
      <button type="button" onClick={() => answer(false)}>
        Reject
      </button>
      <ErrorLine error={error} />
    </div>
  );
}
