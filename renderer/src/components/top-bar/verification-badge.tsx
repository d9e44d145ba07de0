/**
 * The verification badge: verified size, checkpoint age, pending count — the progress of the deep re-verification
 * after launch while it runs — or a red ALERT that opens the evidence.
 */
import { age } from '../../lib/time-format.ts';
import { when } from '../../lib/when.ts';
import { useNow } from '../../ui/hooks.ts';
import { useApp } from '../../store-context.tsx';

/** Renders nothing until a replica status exists. */
export function VerificationBadge() {
  const v = useApp((s) => s.verification);
  const sync = useApp((s) => s.sync);
  const openDrawer = useApp((s) => s.openDrawer);
  const now = useNow(1000);
  if (!v) return null;
  if (v.alert) {
    const where = v.alert.idx === null ? '' : ` at entry #${v.alert.idx}`;
    return (
      <button
        type="button"
        className="badge-alert"
        data-testid="verification-badge"
        data-state="alert"
        onClick={() => openDrawer('verification')}
        aria-label={`Verification ALERT ${v.alert.code}${where}. Open the evidence.`}
        title={`ALERT ${v.alert.code}${where}`}
      >
        ALERT {v.alert.code}
        {where}
      </button>
    );
  }
  if (v.deepCheck) {
    // The deep re-verification after launch: nothing is shown as verified until it ends.
    const progress = `verifying ${v.deepCheck.done.toLocaleString('en-US')} / ${v.deepCheck.total.toLocaleString('en-US')}`;
    return (
      <button
        type="button"
        className="badge-verifying"
        data-testid="verification-badge"
        data-state="verifying"
        onClick={() => openDrawer('verification')}
        title={`${progress}: every entry is being re-verified since the console started (verification in progress)`}
      >
        {progress}
      </button>
    );
  }
  if (sync.kind === 'offline' || sync.kind === 'reconnecting' || sync.kind === 'halted') {
    // Not in touch with the control plane: what was verified still holds, but only as of the last checkpoint.
    const asOf = v.checkpointAt ? when(v.checkpointAt, now) : 'its last entry';
    const text = `verified ${v.verifiedSize.toLocaleString('en-US')} as of ${asOf}`;
    return (
      <button
        type="button"
        className="badge-stale"
        data-testid="verification-badge"
        data-state="stale"
        onClick={() => openDrawer('verification')}
        title={`${v.verifiedSize.toLocaleString('en-US')} entries verified as of ${asOf}; nothing newer can be checked while the control plane is out of reach.`}
      >
        {text}
      </button>
    );
  }
  const checkpoint = v.checkpointAt ? `checkpoint ${age(v.checkpointAt, now)} ago` : 'no checkpoint yet';
  const size = v.verifiedSize.toLocaleString('en-US');
  const pendingCount = v.pending.toLocaleString('en-US');
  const pending = v.pending > 0 ? ` · ${pendingCount} pending` : '';
  // Narrow windows hide the checkpoint age (layout.css); the tooltip always has all of it.
  // An Unleash mirror is sealed by the console itself: say from when on its history is provable.
  const sealed = v.sealedLocally ? `\n${v.sealedLocally.notice}` : '';
  const full = `✓ verified ${size} · ${checkpoint}${pending}${sealed}`;
  return (
    <button
      type="button"
      className="badge-ok"
      data-testid="verification-badge"
      data-state="verified"
      onClick={() => openDrawer('verification')}
      title={v.rootHex ? `${full}\nroot ${v.rootHex}` : full}
    >
      ✓ verified {size}
      <span className="checkpoint"> · {checkpoint}</span>
      {pending && (
        <span className="pending" data-testid="pending-count">
          {` · ${pendingCount}`}
          {/* Narrow windows keep the word for screen readers only (layout.css): the status beside it must not shrink. */}
          <span className="pending-word"> pending</span>
        </span>
      )}
      {v.sealedLocally && (
        <span className="sealed" data-testid="sealed-notice">
          {' '}
          · {v.sealedLocally.notice}
        </span>
      )}
    </button>
  );
}
