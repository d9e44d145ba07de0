/**
 * "Incident at time…": rank the changes before any moment, optionally for one service. A time in the future is
 * refused (E_TIME_IN_FUTURE); the service field offers the services the replica knows and takes a new name only when
 * the responder says so explicitly, so "paymnts" is not ranked silently against nothing.
 */
import { useState, type FormEvent } from 'react';
import { futureTimeError } from '../../../../shared/correlate/manual-time.ts';
import { dateTime } from '../../lib/time-format.ts';
import { DialogFrame } from '../../ui/dialog-frame.tsx';
import { ErrorLine } from '../../ui/error-line.tsx';
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

/** Edit distance (for "did you mean"), small strings only. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const here = row[j] ?? 0;
      row[j] = Math.min(here + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = here;
    }
  }
  return row[b.length] ?? 0;
}

/** The known services closest to `typed` (prefix matches first, then up to 2 edits away). */
export function suggestServices(typed: string, known: readonly string[]): string[] {
  const t = typed.trim().toLowerCase();
  if (!t) return [];
  const prefix = known.filter((s) => s.toLowerCase().startsWith(t));
  const near = known.filter((s) => !prefix.includes(s) && distance(s.toLowerCase(), t) <= 2);
  return [...prefix, ...near].slice(0, 5);
}

/** The dialog. */
export function ManualIncidentDialog() {
  const closeDialog = useApp((s) => s.closeDialog);
  const rankAt = useApp((s) => s.rankAt);
  const incidents = useApp((s) => s.incidents);
  const changes = useApp((s) => s.changes);
  const [when, setWhen] = useState(localNow);
  const [service, setService] = useState('');
  const [allowNew, setAllowNew] = useState(false);
  const iso = localToIso(when);
  const future = iso ? futureTimeError(iso, Date.now()) : null;
  const services = [...new Set([...incidents.map((i) => i.service), ...changes.flatMap((c) => c.services)])].sort();
  const typed = service.trim();
  const unknown = typed !== '' && !services.includes(typed);
  const suggestions = unknown ? suggestServices(typed, services) : [];
  const ready = !!iso && !future && (!unknown || allowNew);
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (!iso || !ready) return;
    closeDialog();
    void rankAt(iso, typed || null);
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
          aria-invalid={future ? true : undefined}
          aria-describedby="manual-at-note"
          data-autofocus
        />
        <p className="muted" id="manual-at-note" aria-live="polite">
          {iso ? `= ${dateTime(iso)}` : 'Enter a date and time.'}
        </p>
        <ErrorLine error={future} />
        <label htmlFor="manual-service">Service (optional; empty = all services)</label>
        <input
          id="manual-service"
          list="manual-services"
          value={service}
          autoComplete="off"
          onChange={(e) => {
            setService(e.target.value);
            setAllowNew(false);
          }}
          aria-describedby={unknown ? 'manual-service-note' : undefined}
        />
        <datalist id="manual-services">
          {services.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
        {unknown && (
          <div className="service-note" id="manual-service-note" data-testid="service-unknown">
            <p>
              “{typed}” is not a service this replica knows
              {suggestions.length > 0 ? '. Did you mean:' : '.'}
            </p>
            {suggestions.length > 0 && (
              <div className="row">
                {suggestions.map((s) => (
                  <button key={s} type="button" onClick={() => setService(s)} data-testid={`service-suggestion-${s}`}>
                    {s}
                  </button>
                ))}
              </div>
            )}
            <label>
              <input
                type="checkbox"
                checked={allowNew}
                onChange={(e) => setAllowNew(e.target.checked)}
                data-testid="service-allow-new"
              />{' '}
              Use the new service name “{typed}” anyway
            </label>
          </div>
        )}
        <div className="row">
          <button type="submit" className="primary" disabled={!ready} data-testid="manual-submit">
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
