/**
 * One change request under review: what approving it does (for definition and archive requests, in words), the exact
 * diff and payload hash; Approve sends that hash; Reject needs a reason.
 */
import { useState } from 'react';
import type { ActionReceipt, ChangeRequest } from '../../../../shared/ipc/contract.ts';
import type { IpcError, Result } from '../../../../shared/ipc/result.ts';
import { dateTime } from '../../lib/time-format.ts';
import { ErrorLine } from '../../ui/error-line.tsx';
import { describeValue, JsonDiff, stableJson } from '../../ui/value.tsx';
import { useFlagDetail } from '../dialogs/use-flag-detail.ts';
import type { DecidedHere } from '../../store/approvals-slice.ts';
import { useApp } from '../../store-context.tsx';
import { approveBlock } from './approval-gate.ts';
import { DecidedNote } from './decided-note.tsx';
import { approveLabel, OperationNote, scopeLabel } from './operation-note.tsx';
import { RejectForm } from './reject-form.tsx';

/** The card; a request decided here shows the decision and its round trip instead of the decision buttons. */
export function ChangeRequestCard({ cr, decided = null }: { cr: ChangeRequest; decided?: DecidedHere | null }) {
  const identity = useApp((s) => s.identity);
  const sync = useApp((s) => s.sync);
  const approve = useApp((s) => s.approve);
  const [error, setError] = useState<IpcError | null>(null);
  const [rejecting, setRejecting] = useState(false);
  const [confirming, setConfirming] = useState(false);
  // A pending state request whose "before" is no longer the flag's state was overtaken by a later change.
  const { flag } = useFlagDetail(cr.status === 'PENDING' && cr.operation === 'state' ? cr.flag : null);
  const current = flag && cr.env ? flag.environments[cr.env] : undefined;
  const overtaken = cr.status === 'PENDING' && !!current && stableJson(current) !== stableJson(cr.before);
  // HIGH and BLOCKED approvals repeat the payload hash in a second step: the reviewer confirms exactly this payload.
  const needsConfirm = cr.tier === 'HIGH' || cr.tier === 'BLOCKED';
  const block = approveBlock(cr, identity, sync);
  // The receipt key lives in the store (decidedHere), so the round trip survives the reload that drops the request.
  const settle = (res: Result<ActionReceipt>): void => setError(res.ok ? null : res.error);
  // The hash shown below is the one sent: the reviewer approves exactly what they saw.
  const hashSeen = cr.payloadHash;
  return (
    <article
      className={`change-request tier-${cr.tier}${decided ? ' decided' : ''}`}
      data-testid={`cr-${cr.id}`}
      aria-labelledby={`cr-${cr.id}-title`}
    >
      <header>
        <h3 id={`cr-${cr.id}-title`}>
          <code>{cr.flag}</code> · {scopeLabel(cr)}
        </h3>
        <span className={`pill tier tier-${cr.tier}`}>{cr.tier}</span>
        <span className="pill" data-testid="approvals-count">
          approvals {cr.approvals.length}/{cr.required}
        </span>
        <span className="pill">{cr.status}</span>
        {overtaken && (
          <span className="pill pill-warn" data-testid="cr-overtaken">
            overtaken
          </span>
        )}
      </header>
      {overtaken && (
        <p className="warn-text" data-testid="cr-overtaken-note">
          Overtaken: the flag changed after this request was opened; {cr.env} is now {describeValue(current)}, not the
          “before” below. Approving applies “after” over the current state — check it is still wanted.
        </p>
      )}
      <p>
        Requested by <strong data-testid="cr-requester">{cr.requester}</strong> (ledger #{cr.createdIdx}): “{cr.reason}”
      </p>
      {cr.scheduledAt && <p data-testid="cr-scheduled">Scheduled for {dateTime(cr.scheduledAt)}</p>}
      {cr.approvals.length > 0 && <p>Approved by {cr.approvals.join(', ')}</p>}
      <OperationNote cr={cr} />
      <JsonDiff before={cr.before} after={cr.after} label={`Change request ${cr.id}: before and after`} />
      <p className="hash">
        payload hash <code data-testid="payload-hash">{hashSeen}</code>
      </p>
      {decided ? (
        <DecidedNote decided={decided} status={cr.status} />
      ) : (
        <>
          {block && (
            <p className="blocked-note" id={`cr-${cr.id}-why`} data-testid="approve-blocked">
              {block}
            </p>
          )}
          <div className="row">
            <button
              type="button"
              className="primary"
              disabled={block !== null}
              aria-describedby={block ? `cr-${cr.id}-why` : undefined}
              onClick={() => (needsConfirm ? setConfirming(true) : void approve(cr.id, hashSeen).then(settle))}
              aria-expanded={needsConfirm ? confirming : undefined}
            >
              {approveLabel(cr)}
            </button>
            <button
              type="button"
              disabled={cr.status !== 'PENDING'}
              onClick={() => setRejecting(!rejecting)}
              aria-expanded={rejecting}
            >
              Reject…
            </button>
          </div>
          {confirming && (
            <div
              className="approve-confirm"
              role="group"
              aria-label="Confirm the payload"
              data-testid="approve-confirm"
            >
              <p>
                {cr.tier} tier: approve exactly this payload? Its hash is <code>{hashSeen}</code>.
              </p>
              <div className="row">
                <button
                  type="button"
                  className="primary"
                  data-autofocus
                  onClick={() => {
                    setConfirming(false);
                    void approve(cr.id, hashSeen).then(settle);
                  }}
                  data-testid="approve-confirm-button"
                >
                  Approve payload {hashSeen.slice(0, 12)}…
                </button>
                <button type="button" onClick={() => setConfirming(false)}>
                  Cancel
                </button>
              </div>
            </div>
          )}
          {rejecting && (
            <RejectForm
              id={cr.id}
              onDone={(res) => {
                settle(res);
                if (res.ok) setRejecting(false);
              }}
            />
          )}
        </>
      )}
      <ErrorLine error={error} />
    </article>
  );
}
