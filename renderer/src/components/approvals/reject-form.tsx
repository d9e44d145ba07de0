/** Rejecting a change request: a reason (≥ 10 characters) that goes into the ledger. */
import { useState, type FormEvent } from 'react';
import type { ActionReceipt } from '../../../../shared/ipc/contract.ts';
import type { Result } from '../../../../shared/ipc/result.ts';
import { visibleLength } from '../../../../shared/text/visible-text.ts';
import { useBlock } from '../../ui/hooks.ts';
import { ReasonHint } from '../../ui/reason-hint.tsx';
import { useApp } from '../../store-context.tsx';

/** Minimum reason length (the IPC validator enforces the same). */
export const MIN_REJECT_REASON = 10;

/** The inline form. */
export function RejectForm({ id, onDone }: { id: string; onDone: (res: Result<ActionReceipt>) => void }) {
  const reject = useApp((s) => s.reject);
  const block = useBlock('review');
  const [reason, setReason] = useState('');
  const ready = visibleLength(reason) >= MIN_REJECT_REASON && block === null;
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (ready) void reject(id, reason.trim()).then(onDone);
  };
  return (
    <form className="form" onSubmit={submit} aria-label={`Reject change request ${id}`}>
      <label htmlFor={`reject-${id}`}>Why reject (at least {MIN_REJECT_REASON} characters)</label>
      <textarea
        id={`reject-${id}`}
        rows={2}
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        aria-describedby={`reject-${id}-hint`}
        autoFocus
      />
      <ReasonHint id={`reject-${id}-hint`} text={reason} min={MIN_REJECT_REASON} />
      {block && <p className="blocked-note">{block}</p>}
      <button type="submit" disabled={!ready}>
        Reject
      </button>
    </form>
  );
}
