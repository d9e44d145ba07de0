/** Says where the replica set aside after an alert was kept, until dismissed. */
import { useApp } from '../../store-context.tsx';

/** Renders nothing until a replica was set aside in this session. */
export function QuarantinedBanner() {
  const path = useApp((s) => s.quarantinedAs);
  const dismiss = useApp((s) => s.dismissQuarantined);
  if (path === null) return null;
  return (
    <div className="notice-banner" role="status" data-testid="quarantined-banner">
      <span>
        The replica that failed verification was set aside, unchanged, at <code>{path}</code> (its evidence and your
        reason are in the <code>.json</code> file beside it). A new replica is being synced and verified.
      </span>
      <button type="button" onClick={dismiss} aria-label="Dismiss the quarantine notice">
        Dismiss
      </button>
    </div>
  );
}
