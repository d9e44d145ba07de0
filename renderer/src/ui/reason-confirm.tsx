/** The guard of every destructive action: a reason of a minimum length and an explicit confirmation. */
import { useId } from 'react';
import { visibleLength } from '../../../shared/text/visible-text.ts';
import { ReasonHint } from './reason-hint.tsx';

/** State of the guard, owned by the dialog. */
export interface ReasonState {
  reason: string;
  confirmed: boolean;
}

/** True when the reason has enough visible characters (as the control plane counts them) and the box is ticked. */
export function reasonReady(s: ReasonState, min: number): boolean {
  return visibleLength(s.reason) >= min && s.confirmed;
}

/** Reason textarea with a live count and what is still missing, and the confirmation checkbox saying what will happen. */
export function ReasonConfirm({
  value,
  onChange,
  min,
  confirmText,
  label = 'Reason',
}: {
  value: ReasonState;
  onChange: (next: ReasonState) => void;
  min: number;
  confirmText: string;
  label?: string;
}) {
  const id = useId();
  const length = visibleLength(value.reason);
  return (
    <div className="reason-confirm">
      <label htmlFor={`${id}-reason`}>
        {label} (at least {min} characters, recorded in the ledger)
      </label>
      <textarea
        id={`${id}-reason`}
        rows={2}
        autoFocus
        value={value.reason}
        aria-describedby={`${id}-count ${id}-hint`}
        onChange={(e) => onChange({ ...value, reason: e.target.value })}
      />
      <span id={`${id}-count`} className={length >= min ? 'count ok' : 'count'}>
        {length}/{min}
      </span>
      <ReasonHint id={`${id}-hint`} text={value.reason} min={min} />
      <label className="confirm">
        <input
          type="checkbox"
          checked={value.confirmed}
          onChange={(e) => onChange({ ...value, confirmed: e.target.checked })}
        />{' '}
        {confirmText}
      </label>
    </div>
  );
}
