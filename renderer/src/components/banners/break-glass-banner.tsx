/**
 * Break-glass uses, kept in proportion to the incident: one compact line under the top bar (how many are
 * unacknowledged and the latest) that opens the list of the last 24 hours, where each is acknowledged by the person
 * at this console (main keeps it per person, so a reload does not bring it back).
 */
import { useState } from 'react';
import type { BreakGlassRecord } from '../../../../shared/ipc/contract.ts';
import { when } from '../../lib/when.ts';
import { ErrorLine } from '../../ui/error-line.tsx';
import { useNow } from '../../ui/hooks.ts';
import { useApp } from '../../store-context.tsx';
import { unacknowledged } from '../../store/break-glass-slice.ts';

/** "riley at 03:20:00 UTC on flag in production — “reason” (#idx)". */
export function describeUse(u: BreakGlassRecord, now: number): string {
  const where = u.flag ? ` on ${u.flag}${u.env ? ` in ${u.env}` : ''}` : '';
  return `${u.actor} at ${when(u.at, now)}${where} — “${u.reason}” (ledger #${u.idx})`;
}

function UseItem({ u, now }: { u: BreakGlassRecord; now: number }) {
  const acknowledge = useApp((s) => s.acknowledgeBreakGlass);
  return (
    <li data-testid={`break-glass-use-${u.idx}`} className={u.acknowledgedBy ? 'acknowledged' : undefined}>
      <span>{describeUse(u, now)}</span>{' '}
      {u.acknowledgedBy ? (
        <span className="muted">
          acknowledged by {u.acknowledgedBy}
          {u.acknowledgedAt ? ` at ${when(u.acknowledgedAt, now)}` : ''}
        </span>
      ) : (
        <button
          type="button"
          onClick={() => void acknowledge(u.idx)}
          aria-label={`Acknowledge break-glass use #${u.idx}`}
        >
          Acknowledge
        </button>
      )}
    </li>
  );
}

/** The line; nothing when every use of the last 24 hours is acknowledged. */
export function BreakGlassBanner() {
  const uses = useApp((s) => s.breakGlassUses);
  const error = useApp((s) => s.breakGlassError);
  const acknowledge = useApp((s) => s.acknowledgeBreakGlass);
  const [open, setOpen] = useState(false);
  const now = useNow(30_000);
  const open_ = unacknowledged(uses);
  const latest = open_[0];
  if (!latest) return error ? <ErrorLine error={error} /> : null;
  const ackAll = async (): Promise<void> => {
    for (const u of open_) await acknowledge(u.idx);
  };
  return (
    <div className="break-glass-line" data-testid="break-glass-banner">
      <p role="alert" className="break-glass-summary" data-testid="break-glass-summary">
        <strong>Break-glass used</strong>
        {open_.length > 1 ? ` · ${open_.length} unacknowledged` : ''} · latest: {describeUse(latest, now)}
      </p>
      <button
        type="button"
        aria-expanded={open}
        aria-controls="break-glass-list"
        onClick={() => setOpen(!open)}
        data-testid="break-glass-toggle"
      >
        {open ? 'Hide' : `Review ${open_.length}`}
      </button>
      {open && (
        <div className="break-glass-list" id="break-glass-list" role="region" aria-label="Break-glass uses, last 24 h">
          <ul>
            {uses.map((u) => (
              <UseItem key={u.idx} u={u} now={now} />
            ))}
          </ul>
          {open_.length > 1 && (
            <button type="button" onClick={() => void ackAll()}>
              Acknowledge all {open_.length}
            </button>
          )}
          <ErrorLine error={error} />
        </div>
      )}
    </div>
  );
}

/** Break-glass uses since `fromIso` (the uses during an incident), newest first. */
export function usesSince(uses: readonly BreakGlassRecord[], fromIso: string): BreakGlassRecord[] {
  const from = Date.parse(fromIso);
  return uses.filter((u) => Date.parse(u.at) >= from);
}
