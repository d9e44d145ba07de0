/** The guard of every destructive action: a reason of a minimum length and an explicit confirmation. */
import { useId } from 'react';

/** State of the guard, owned by the dialog. */
export interface ReasonState {
  reason: string;
  confirmed: boolean;
}

/** True when the reason is long enough (trimmed) and the box is ticked. */
export function reasonReady(s: ReasonState, min: number): boolean {
  return s.reason.trim().length >= min && s.confirmed;
}

/** Reason textarea with a live count, and the confirmation checkbox stating what will happen. */
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
  const length = value.reason.trim().length;
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
        aria-describedby={`${id}-count`}
        onChange={(e) => onChange({ ...value, reason: e.target.value })}
      />
      <span id={`${id}-count`} className={length >= min ? 'count ok' : 'count'}>
        {length}/{min}
      </span>
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
