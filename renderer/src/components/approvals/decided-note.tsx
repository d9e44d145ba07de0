/** The decision taken in this console on a change request: what was done, the request's status now, the round trip. */
import type { ChangeRequest } from '../../../../shared/ipc/contract.ts';
import type { DecidedHere } from '../../store/approvals-slice.ts';
import { RoundTrip } from '../../ui/round-trip.tsx';
import { useApp } from '../../store-context.tsx';

/** The note, with a Dismiss button that takes the card out of the queue once the reviewer has seen the outcome. */
export function DecidedNote({ decided, status }: { decided: DecidedHere; status: ChangeRequest['status'] }) {
  const dismiss = useApp((s) => s.dismissDecided);
  const id = decided.cr.id;
  return (
    <div className="decided-note">
      <div className="row">
        <p data-testid="decided-here">
          Decided here: you {decided.decision} this request · status now <strong>{status}</strong>
        </p>
        <span className="spacer" />
        <button type="button" onClick={() => dismiss(id)} aria-label={`Dismiss change request ${id} from the queue`}>
          Dismiss
        </button>
      </div>
      <RoundTrip receiptKey={decided.receiptKey} />
    </div>
  );
}
