/** "Incident at time…": rank the changes before any moment, optionally for one service. */
import { useState, type FormEvent } from 'react';
import { dateTime } from '../../lib/time-format.ts';
import { DialogFrame } from '../../ui/dialog-frame.tsx';
import { useApp } from '../../store-context.tsx';

/** Parses a `datetime-local` value (local time) to RFC 3339 UTC, or null. */
export function localToIso(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return null;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

function localNow(): string {
  const d = new Date();
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
}

/** The dialog. */
export function ManualIncidentDialog() {
  const closeDialog = useApp((s) => s.closeDialog);
  const rankAt = useApp((s) => s.rankAt);
  const incidents = useApp((s) => s.incidents);
  const [when, setWhen] = useState(localNow);
  const [service, setService] = useState('');
  const iso = localToIso(when);
  const services = [...new Set(incidents.map((i) => i.service))].sort();
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (!iso) return;
    closeDialog();
    void rankAt(iso, service.trim() || null);
  };
  return (
    <DialogFrame title="Incident at time…" onClose={closeDialog} testId="manual-incident-dialog">
      <form onSubmit={submit} className="form">
        <label htmlFor="manual-at">When did it start (your local time)</label>
        <input
          id="manual-at"
          type="datetime-local"
          step={1}
          value={when}
          onChange={(e) => setWhen(e.target.value)}
          data-autofocus
        />
        <p className="muted" aria-live="polite">
          {iso ? `= ${dateTime(iso)}` : 'Enter a date and time.'}
        </p>
        <label htmlFor="manual-service">Service (optional; empty = all services)</label>
        <input
          id="manual-service"
          list="manual-services"
          value={service}
          onChange={(e) => setService(e.target.value)}
        />
        <datalist id="manual-services">
          {services.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
        <div className="row">
          <button type="submit" className="primary" disabled={!iso}>
            Rank changes before this time
          </button>
          <button type="button" onClick={closeDialog}>
            Cancel
          </button>
        </div>
      </form>
    </DialogFrame>
  );
}
