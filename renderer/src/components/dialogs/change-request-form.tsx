/** Propose a change to one environment of a flag for four-eyes review, now or at a scheduled time. */
import { useState, type FormEvent } from 'react';
import type { FlagDetail } from '../../../../shared/ipc/contract.ts';
import type { IpcError } from '../../../../shared/ipc/result.ts';
import { visibleLength } from '../../../../shared/text/visible-text.ts';
import { dateTime } from '../../lib/time-format.ts';
import { BlockedNote } from '../../ui/blocked-note.tsx';
import { ErrorLine } from '../../ui/error-line.tsx';
import { useBlock } from '../../ui/hooks.ts';
import { ReasonHint } from '../../ui/reason-hint.tsx';
import { RoundTrip } from '../../ui/round-trip.tsx';
import { useApp } from '../../store-context.tsx';
import { localToIso } from '../incidents/manual-incident-dialog.tsx';

/** Minimum reason length (the IPC validator enforces the same, counting visible characters). */
const MIN_REASON = 10;

/** The form; rules and prerequisites of the current state are kept as they are. */
export function ChangeRequestForm({ flag }: { flag: FlagDetail }) {
  const create = useApp((s) => s.createChangeRequest);
  const block = useBlock('propose');
  const envs = Object.keys(flag.environments);
  const [env, setEnv] = useState(envs[0] ?? '');
  const current = flag.environments[env];
  const [enabled, setEnabled] = useState(current?.enabled ?? false);
  const [rollout, setRollout] = useState(current?.rollout_pct ?? 0);
  const [variation, setVariation] = useState(current?.variation ?? '');
  const [reason, setReason] = useState('');
  const [schedule, setSchedule] = useState('');
  const [error, setError] = useState<IpcError | null>(null);
  const [receiptKey, setReceiptKey] = useState<string | null>(null);
  const scheduledAt = schedule ? localToIso(schedule) : null;
  const ready =
    !!current &&
    block === null &&
    visibleLength(reason) >= MIN_REASON &&
    rollout >= 0 &&
    rollout <= 100 &&
    (!schedule || scheduledAt !== null);
  const pickEnv = (next: string): void => {
    const s = flag.environments[next];
    setEnv(next);
    setEnabled(s?.enabled ?? false);
    setRollout(s?.rollout_pct ?? 0);
    setVariation(s?.variation ?? '');
  };
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!ready || !current) return;
    const after = { ...current, enabled, rollout_pct: Math.round(rollout), variation };
    const res = await create(
      scheduledAt
        ? { flag: flag.key, env, after, reason: reason.trim(), scheduledAt }
        : { flag: flag.key, env, after, reason: reason.trim() },
    );
    if (res.ok) setReceiptKey(res.value.idempotencyKey);
    setError(res.ok ? null : res.error);
  };
  return (
    <form
      className="form"
      onSubmit={(e) => void submit(e)}
      aria-label={`Change request for ${flag.key}`}
      data-testid="change-request-form"
    >
      <h3>Propose a change (four-eyes)</h3>
      <label htmlFor="cr-env">Environment</label>
      <select id="cr-env" value={env} onChange={(e) => pickEnv(e.target.value)}>
        {envs.map((x) => (
          <option key={x}>{x}</option>
        ))}
      </select>
      <label>
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> enabled
      </label>
      <label htmlFor="cr-rollout">Rollout %</label>
      <input
        id="cr-rollout"
        type="number"
        min={0}
        max={100}
        value={rollout}
        onChange={(e) => setRollout(Number(e.target.value))}
      />
      <label htmlFor="cr-variation">Variation</label>
      <input id="cr-variation" value={variation} onChange={(e) => setVariation(e.target.value)} />
      <label htmlFor="cr-reason">Reason (at least {MIN_REASON} characters)</label>
      <textarea
        id="cr-reason"
        rows={2}
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        aria-describedby="cr-reason-hint"
      />
      <ReasonHint id="cr-reason-hint" text={reason} min={MIN_REASON} />
      <label htmlFor="cr-schedule">Schedule for (local time; empty = apply when approved)</label>
      <input
        id="cr-schedule"
        type="datetime-local"
        step={1}
        value={schedule}
        onChange={(e) => setSchedule(e.target.value)}
      />
      {scheduledAt && (
        <p className="muted">= {dateTime(scheduledAt)}; approval binds this time and the payload hash.</p>
      )}
      <BlockedNote id="cr-blocked" reason={block} />
      <button type="submit" className="primary" disabled={!ready || receiptKey !== null}>
        {scheduledAt ? 'Request scheduled change' : 'Request change'}
      </button>
      <ErrorLine error={error} />
      {receiptKey && <RoundTrip receiptKey={receiptKey} />}
    </form>
  );
}
