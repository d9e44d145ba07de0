/**
 * BLOCKED tier (or APPROVAL_REQUIRED from the control plane): the direct action is not allowed, so offer the two
 * legitimate routes — a change request for four-eyes review, or break-glass.
 */
import { useState } from 'react';
import type { EnvState } from '../../../../shared/ipc/contract.ts';
import type { IpcError } from '../../../../shared/ipc/result.ts';
import { ErrorLine } from '../../ui/error-line.tsx';
import { useBlock } from '../../ui/hooks.ts';
import { RoundTrip } from '../../ui/round-trip.tsx';
import { useApp } from '../../store-context.tsx';

/** The two routes; `after` is the state the change request proposes, `reason` comes from the dialog. */
export function BlockedRoutes({
  flag,
  env,
  tier,
  after,
  reason,
  breakGlassLabel,
}: {
  flag: string;
  env: string;
  tier: string;
  after: EnvState | null;
  reason: string;
  breakGlassLabel: string;
}) {
  const create = useApp((s) => s.createChangeRequest);
  const openDialog = useApp((s) => s.openDialog);
  const proposeBlock = useBlock('propose');
  const breakGlassBlock = useBlock('breakGlass');
  const [error, setError] = useState<IpcError | null>(null);
  const [receiptKey, setReceiptKey] = useState<string | null>(null);
  const quorum = tier === 'BLOCKED' ? 'two other approvers' : 'one other approver';
  const reasonOk = reason.trim().length >= 10;
  const request = async (): Promise<void> => {
    if (!after) return;
    const res = await create({ flag, env, after, reason: reason.trim() });
    if (res.ok) setReceiptKey(res.value.idempotencyKey);
    setError(res.ok ? null : res.error);
  };
  return (
    <div className="blocked-routes" data-testid="blocked-routes" role="group" aria-label="Routes for a four-eyes flag">
      <p>
        <strong>{flag}</strong> is {tier} tier: a direct change needs four-eyes approval ({quorum}). Choose a route:
      </p>
      <div className="row">
        <button
          type="button"
          data-testid="route-change-request"
          disabled={!after || !reasonOk || proposeBlock !== null || receiptKey !== null}
          title={proposeBlock ?? (reasonOk ? undefined : 'Write the reason first (at least 10 characters).')}
          onClick={() => void request()}
        >
          Open a change request
        </button>
        <button
          type="button"
          className="danger"
          data-testid="route-break-glass"
          disabled={breakGlassBlock !== null}
          title={breakGlassBlock ?? undefined}
          onClick={() =>
            openDialog({ kind: 'breakGlass', flags: [flag], envs: [env], returnTo: { flag, env, reason } })
          }
        >
          {breakGlassLabel}
        </button>
      </div>
      {(proposeBlock ?? breakGlassBlock) && <p className="blocked-note">{proposeBlock ?? breakGlassBlock}</p>}
      <ErrorLine error={error} />
      {receiptKey && (
        <>
          <p>Change request sent; it appears in the approvals queue once it is in the ledger.</p>
          <RoundTrip receiptKey={receiptKey} />
        </>
      )}
    </div>
  );
}
