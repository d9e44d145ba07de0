/** Break-glass: a single-use, short-lived override of four-eyes, loudly announced to every console and the on-call lead. */
import { useState, type FormEvent } from 'react';
import type { BreakGlassToken } from '../../../../shared/ipc/contract.ts';
import type { IpcError } from '../../../../shared/ipc/result.ts';
import { dateTime } from '../../lib/time-format.ts';
import { BlockedNote } from '../../ui/blocked-note.tsx';
import { DialogFrame } from '../../ui/dialog-frame.tsx';
import { ErrorLine } from '../../ui/error-line.tsx';
import { useBlock } from '../../ui/hooks.ts';
import { ReasonConfirm, reasonReady, type ReasonState } from '../../ui/reason-confirm.tsx';
import { useApp } from '../../store-context.tsx';

/** Minimum justification length (the IPC validator enforces the same). */
export const MIN_JUSTIFICATION = 20;
/** TTL choices in minutes. */
export const TTL_CHOICES = [5, 15, 30, 60, 120];

const list = (s: string): string[] =>
  s
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);

/** The dialog; when opened from a kill, it returns there with the token once issued. */
export function BreakGlassDialog({
  flags,
  envs,
  returnTo,
}: {
  flags: string[];
  envs: string[];
  returnTo: { flag: string; env: string; reason: string } | null;
}) {
  const closeDialog = useApp((s) => s.closeDialog);
  const openDialog = useApp((s) => s.openDialog);
  const issue = useApp((s) => s.issueBreakGlass);
  const setGrant = useApp((s) => s.setGrant);
  const block = useBlock('breakGlass');
  const [guard, setGuard] = useState<ReasonState>({ reason: '', confirmed: false });
  const [flagText, setFlagText] = useState(flags.join(', '));
  const [envText, setEnvText] = useState(envs.join(', '));
  const [ttl, setTtl] = useState(15);
  const [error, setError] = useState<IpcError | null>(null);
  const [issued, setIssued] = useState<BreakGlassToken | null>(null);
  const scope = { flags: list(flagText), envs: list(envText) };
  const ready =
    block === null &&
    reasonReady(guard, MIN_JUSTIFICATION) &&
    scope.flags.length > 0 &&
    scope.envs.length > 0 &&
    !issued;
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!ready) return;
    const res = await issue({ justification: guard.reason.trim(), ...scope, ttlMinutes: ttl });
    if (!res.ok) {
      setError(res.error);
      return;
    }
    setGrant({ ...res.value, ...scope });
    if (returnTo) openDialog({ kind: 'kill', flag: returnTo.flag, env: returnTo.env, reason: returnTo.reason });
    else setIssued(res.value);
  };
  return (
    <DialogFrame title="Break-glass override" onClose={closeDialog} testId="break-glass-dialog" tone="danger">
      <p className="warning" role="note" data-testid="break-glass-warning">
        Break-glass bypasses four-eyes review. Every connected console and the on-call lead will be notified, the use is
        recorded in the ledger with your name and justification, and the token works once.
      </p>
      <form className="form" onSubmit={(e) => void submit(e)}>
        <label htmlFor="bg-flags">Flags in scope</label>
        <input id="bg-flags" value={flagText} onChange={(e) => setFlagText(e.target.value)} />
        <label htmlFor="bg-envs">Environments in scope</label>
        <input id="bg-envs" value={envText} onChange={(e) => setEnvText(e.target.value)} />
        <label htmlFor="bg-ttl">Valid for</label>
        <select id="bg-ttl" value={ttl} onChange={(e) => setTtl(Number(e.target.value))}>
          {TTL_CHOICES.map((m) => (
            <option key={m} value={m}>
              {m} minutes
            </option>
          ))}
        </select>
        <ReasonConfirm
          value={guard}
          onChange={setGuard}
          min={MIN_JUSTIFICATION}
          label="Justification"
          confirmText="I understand every console and the on-call lead will be notified."
        />
        <BlockedNote id="bg-blocked" reason={block} />
        <div className="row">
          <button type="submit" className="danger" disabled={!ready} data-testid="break-glass-submit">
            Issue break-glass token
          </button>
          <button type="button" onClick={closeDialog}>
            {issued ? 'Close' : 'Cancel'}
          </button>
        </div>
      </form>
      <ErrorLine error={error} />
      {issued && (
        <div className="issued" role="status" data-testid="break-glass-issued">
          <p>
            Token {issued.tokenId} issued, valid until {dateTime(issued.expiresAt)}. This console holds it for the kill
            switch; it is shown once:
          </p>
          <code className="hash">{issued.token}</code>
        </div>
      )}
    </DialogFrame>
  );
}
