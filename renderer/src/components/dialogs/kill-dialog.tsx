/** Kill switch: flip a flag in one environment to its safe default, with reason, confirmation and round trip. */
import { hasFourEyes } from '../../store/gates.ts';
import { useState } from 'react';
import type { EnvState, FlagDetail } from '../../../../shared/ipc/contract.ts';
import type { IpcError } from '../../../../shared/ipc/result.ts';
import { grantCovers } from '../../store/ui-slice.ts';
import { BlockedNote } from '../../ui/blocked-note.tsx';
import { DialogFrame } from '../../ui/dialog-frame.tsx';
import { ErrorLine } from '../../ui/error-line.tsx';
import { useBlock } from '../../ui/hooks.ts';
import { ReasonConfirm, reasonReady, type ReasonState } from '../../ui/reason-confirm.tsx';
import { RoundTrip } from '../../ui/round-trip.tsx';
import { useApp } from '../../store-context.tsx';
import { BlockedRoutes } from './blocked-routes.tsx';
import { FlagImpact } from './flag-impact.tsx';
import { FlagPicker } from './flag-picker.tsx';
import { useFlagDetail } from './use-flag-detail.ts';

/** Minimum reason length for a kill. */
export const MIN_KILL_REASON = 10;

/** The state a kill writes: the current env state with the safe default's exposure. */
export function killTarget(flag: FlagDetail, env: string): EnvState | null {
  const current = flag.environments[env];
  return current
    ? { ...current, enabled: flag.safe_default.enabled, rollout_pct: flag.safe_default.rollout_pct }
    : null;
}

/** The dialog; `flag`/`env` preselect what to kill; `reason` carries a draft back from break-glass. */
export function KillDialog({
  flag: initialFlag,
  env: initialEnv,
  reason: draft,
}: {
  flag: string | null;
  env: string | null;
  reason?: string;
}) {
  const closeDialog = useApp((s) => s.closeDialog);
  const kill = useApp((s) => s.kill);
  const grant = useApp((s) => s.grant);
  const setGrant = useApp((s) => s.setGrant);
  const profileEnv = useApp((s) => s.profiles.find((p) => p.active)?.environment ?? null);
  const block = useBlock('kill');
  const [key, setKey] = useState(initialFlag);
  const [chosenEnv, setEnv] = useState(initialEnv);
  const [guard, setGuard] = useState<ReasonState>({ reason: draft ?? '', confirmed: false });
  const [error, setError] = useState<IpcError | null>(null);
  const [receiptKey, setReceiptKey] = useState<string | null>(null);
  const { flag, error: loadError } = useFlagDetail(key);
  const envs = flag ? Object.keys(flag.environments) : [];
  const env = chosenEnv ?? (profileEnv && envs.includes(profileEnv) ? profileEnv : (envs[0] ?? null));
  const covered = !!flag && !!env && grantCovers(grant, flag.key, env, Date.now());
  const gated = useApp((s) => hasFourEyes(s.profiles));
  const fourEyes = gated && (flag?.tier === 'BLOCKED' || error?.code === 'APPROVAL_REQUIRED');
  const ungatedBlocked = !gated && flag?.tier === 'BLOCKED';
  const canSend =
    !!flag && !!env && block === null && reasonReady(guard, MIN_KILL_REASON) && (!fourEyes || covered) && !receiptKey;
  const send = async (): Promise<void> => {
    if (!flag || !env || !canSend) return;
    const token = covered && grant ? grant.token : undefined;
    const res = await kill({ flag: flag.key, env, reason: guard.reason.trim(), breakGlassToken: token });
    if (res.ok) {
      setReceiptKey(res.value.idempotencyKey);
      if (token) setGrant(null); // single use
    }
    setError(res.ok ? null : res.error);
  };
  return (
    <DialogFrame title="Kill switch" onClose={closeDialog} testId="kill-dialog" tone="danger">
      {!key && <FlagPicker onPick={setKey} />}
      {key && !flag && !loadError && <p role="status">Loading {key}…</p>}
      <ErrorLine error={loadError} />
      {flag && (
        <>
          {envs.length > 1 && (
            <label>
              Environment{' '}
              <select value={env ?? ''} onChange={(e) => setEnv(e.target.value)} aria-label="Environment">
                {envs.map((e) => (
                  <option key={e}>{e}</option>
                ))}
              </select>
            </label>
          )}
          <FlagImpact flag={flag} env={env} />
          <p>
            Kill sets <code>{flag.key}</code>
            {env && ` in ${env}`} to its safe default for every service that evaluates it.
          </p>
          <ReasonConfirm
            value={guard}
            onChange={setGuard}
            min={MIN_KILL_REASON}
            confirmText={`I confirm: kill ${flag.key}${env ? ` in ${env}` : ''} now.`}
          />
          {fourEyes && !covered && env && (
            <BlockedRoutes
              flag={flag.key}
              env={env}
              tier={flag.tier}
              after={killTarget(flag, env)}
              reason={guard.reason}
              breakGlassLabel="Break-glass…"
            />
          )}
          {covered && (
            <p className="warn-text">
              A break-glass token covers this flag; the kill will use it (single use, announced to every console).
            </p>
          )}
          {ungatedBlocked && (
            <p className="warn-text" data-testid="no-four-eyes-note">
              This flag&apos;s tier is BLOCKED (or unknown: no tier tag in Unleash), but Unleash has no four-eyes gate:
              the kill goes through directly.
            </p>
          )}
          <BlockedNote id="kill-blocked" reason={block} />
          <div className="row">
            <button
              type="button"
              className="danger"
              disabled={!canSend}
              onClick={() => void send()}
              data-testid="kill-submit"
              aria-describedby={block ? 'kill-blocked' : undefined}
            >
              {covered ? 'Kill with break-glass token' : 'Kill now'}
            </button>
            <button type="button" onClick={closeDialog}>
              {receiptKey ? 'Close' : 'Cancel'}
            </button>
          </div>
        </>
      )}
      <ErrorLine error={error} />
      {receiptKey && <RoundTrip receiptKey={receiptKey} />}
    </DialogFrame>
  );
}
