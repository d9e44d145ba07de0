/**
 * The propagation proof of an action: sent → applied at a ledger index → arrived verified in the replica → (kills and
 * rollbacks) applied by k of n SDK instances, with ms.
 */
import { FleetStep } from './fleet-step.tsx';
import { clock } from '../lib/time-format.ts';
import { useApp } from '../store-context.tsx';

/** What an action is called on screen (channel names never reach it). */
export const ACTION_WORDS: Record<string, string> = {
  'actions:kill': 'the kill switch',
  'actions:rollback': 'the rollback',
  'changeRequests:create': 'the change request',
  'changeRequests:approve': 'the approval',
  'changeRequests:reject': 'the rejection',
  'incidents:acknowledge': 'the acknowledgement',
  'incidents:resolve': 'the resolution',
};

/** Live view of the receipt with idempotency key `receiptKey`. */
export function RoundTrip({ receiptKey }: { receiptKey: string }) {
  const r = useApp((s) => s.receipts[receiptKey]);
  // An Unleash profile's actions are applied by Unleash and come back as mirrored events, sealed locally.
  const unleash = useApp((s) => s.profiles.find((p) => p.active)?.source === 'unleash');
  if (!r) return null;
  const upstream = unleash ? 'Unleash' : 'the control plane';
  const applied = r.appliedIdx !== null;
  const verified = r.status === 'verified';
  return (
    <div className="round-trip" data-testid="round-trip" data-status={r.status} aria-live="polite">
      <ol>
        <li className="done">
          Sent {ACTION_WORDS[r.action] ?? 'the action'} at {clock(r.sentAt)}
        </li>
        <li className={applied ? 'done' : 'waiting'} data-testid="round-trip-applied">
          {applied
            ? `Applied by ${upstream} as ledger entry #${r.appliedIdx} (${r.appliedMs ?? '?'} ms)`
            : `Waiting for ${upstream}…`}
        </li>
        <li className={verified ? 'done' : 'waiting'} data-testid="round-trip-verified">
          {verified
            ? `Arrived ${unleash ? 'sealed and verified' : 'verified'} in this replica (${r.verifiedMs ?? '?'} ms after sending)`
            : 'Waiting for the entry to arrive and verify in the replica…'}
        </li>
        {r.fleet && <FleetStep fleet={r.fleet} />}
      </ol>
      {r.status === 'failed' && r.error && (
        <p className="error-line" role="alert">
          <code className="error-code">{r.error.code}</code> {r.error.message}
        </p>
      )}
    </div>
  );
}
