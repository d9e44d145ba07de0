/** Actions slice: kill switch, rollback and break-glass issue, and the round trip of every action (receipts). */
import type { ActionReceipt, BreakGlassInput, BreakGlassToken } from '../../../shared/ipc/contract.ts';
import type { Result } from '../../../shared/ipc/result.ts';
import type { SliceDeps } from './types.ts';

/** Arguments of a kill: flip `flag` in `env` to its safe default. */
export interface KillInput {
  flag: string;
  env: string;
  reason: string;
  breakGlassToken?: string;
}

/** Actions state and its actions. */
export interface ActionsSlice {
  /** Round trips by idempotency key, merged from call results and `actions:updated` events. */
  receipts: Record<string, ActionReceipt>;
  kill(input: KillInput): Promise<Result<ActionReceipt>>;
  /** Rolls back the change at ledger `idx` (compare-and-swap on the control plane). */
  rollback(idx: number, reason: string): Promise<Result<ActionReceipt>>;
  issueBreakGlass(input: BreakGlassInput): Promise<Result<BreakGlassToken>>;
  /** Acknowledges or resolves incident `id` through the control plane. */
  transitionIncident(id: string, to: 'acknowledge' | 'resolve'): Promise<Result<ActionReceipt>>;
  /** Records a receipt, keeping whichever of old and new is further along. */
  trackReceipt(receipt: ActionReceipt): void;
}

const STAGE: Record<ActionReceipt['status'], number> = { sent: 0, applied: 1, verified: 2, failed: 3 };

/** Merges two views of one action's round trip; the later stage wins, known numbers are never lost. */
export function mergeReceipt(old: ActionReceipt | undefined, next: ActionReceipt): ActionReceipt {
  if (!old) return next;
  const [a, b] = STAGE[next.status] >= STAGE[old.status] ? [next, old] : [old, next];
  return {
    ...a,
    appliedIdx: a.appliedIdx ?? b.appliedIdx,
    appliedMs: a.appliedMs ?? b.appliedMs,
    verifiedMs: a.verifiedMs ?? b.verifiedMs,
    error: a.error ?? b.error,
  };
}

/** Builds the actions slice. */
export function createActionsSlice({ api, set, get }: SliceDeps): ActionsSlice {
  const track = (res: Result<ActionReceipt>): Result<ActionReceipt> => {
    if (res.ok) get().trackReceipt(res.value);
    return res;
  };
  return {
    receipts: {},
    kill: async (input) => {
      const args = input.breakGlassToken
        ? { flag: input.flag, env: input.env, reason: input.reason, breakGlassToken: input.breakGlassToken }
        : { flag: input.flag, env: input.env, reason: input.reason };
      return track(await api.actionsKill(args));
    },
    rollback: async (idx, reason) => track(await api.actionsRollback({ idx, reason })),
    issueBreakGlass: (input) => api.breakGlassIssue(input),
    transitionIncident: async (id, to) => {
      set({ selectionByDefault: false }); // the responder acted on what is on screen: it stays there
      return track(to === 'acknowledge' ? await api.incidentsAcknowledge({ id }) : await api.incidentsResolve({ id }));
    },
    trackReceipt(receipt) {
      const receipts = get().receipts;
      set({
        receipts: { ...receipts, [receipt.idempotencyKey]: mergeReceipt(receipts[receipt.idempotencyKey], receipt) },
      });
    },
  };
}
