/**
 * Handlers of the action channels: each sends one request with a fresh idempotency key, then
 * reports the round trip (sent → applied idx → verified in the replica → for kills, rollbacks and approvals that
 * applied a change: applied by k of n SDK instances) through the receipt.
 */
import type { ActionReceipt, InvokeMap } from '../../shared/ipc/contract.ts';
import type * as client from '../actions/client.ts';
import { newIdempotencyKey } from '../actions/http.ts';
import { AppError } from '../ipc/app-error.ts';
import type { Handler } from '../ipc/registry.ts';
import type { ActiveSession } from '../session/active-session.ts';
import type { ConsoleRuntime } from './console-runtime.ts';

type ActionChannel =
  | 'changeRequests:create'
  | 'changeRequests:approve'
  | 'changeRequests:reject'
  | 'actions:kill'
  | 'actions:rollback'
  | 'incidents:acknowledge'
  | 'incidents:resolve';

function refuseOffline(s: ActiveSession): void {
  const state = s.state();
  if (state.kind === 'offline' || state.kind === 'halted') {
    const why =
      state.kind === 'offline'
        ? `the control plane is unreachable (${state.reason})`
        : `the replica is halted by evidence ${state.code}`;
    throw new AppError(
      'E_OFFLINE',
      `Actions are disabled because ${why}. Nothing was sent; the replica stays browsable.`,
    );
  }
}

async function track(
  runtime: ConsoleRuntime,
  action: ActionChannel,
  send: (s: ActiveSession, key: string) => Promise<client.ActionResult>,
): Promise<ActionReceipt> {
  const s = runtime.session();
  refuseOffline(s);
  const key = newIdempotencyKey();
  s.receipts.sent(action, key);
  try {
    const { locator, reply } = await send(s, key);
    const receipt = s.receipts.applied(key, locator, s.replica()?.status().verifiedSize ?? 0);
    // The last step: which SDK instances of the environment applied the entry that changed what they serve — the
    // kill's or rollback's own entry, or the change an approval applied (`applied_idx` once it reached its quorum).
    const idx =
      action === 'actions:kill' || action === 'actions:rollback'
        ? locator.kind === 'idx'
          ? locator.idx
          : null
        : action === 'changeRequests:approve' && typeof reply['applied_idx'] === 'number'
          ? reply['applied_idx']
          : null;
    if (s.fleetChecks && idx !== null) {
      const env = reply['environment'];
      const environment = typeof env === 'string' ? env : runtime.store.get(s.profileId).environment;
      s.fleetChecks.start({ key, action, idx, environment });
      return s.receipts.current(key);
    }
    return receipt;
  } catch (err) {
    if (err instanceof AppError) s.receipts.failed(key, { code: err.code, message: err.message });
    throw err;
  }
}

/** The action handlers. */
export function actionHandlers(runtime: ConsoleRuntime): { [C in ActionChannel | 'breakGlass:issue']: Handler<C> } {
  return {
    'actions:kill': (a: InvokeMap['actions:kill']['args']) =>
      track(runtime, 'actions:kill', (s, k) => s.source.actions.kill(k, a)),
    'actions:rollback': (a) => track(runtime, 'actions:rollback', (s, k) => s.source.actions.rollback(k, a)),
    'changeRequests:create': (a) =>
      track(runtime, 'changeRequests:create', (s, k) => s.source.actions.createChangeRequest(k, a)),
    'changeRequests:approve': (a) =>
      track(runtime, 'changeRequests:approve', (s, k) => s.source.actions.approveChangeRequest(k, a)),
    'changeRequests:reject': (a) =>
      track(runtime, 'changeRequests:reject', (s, k) => s.source.actions.rejectChangeRequest(k, a)),
    'incidents:acknowledge': (a) =>
      track(runtime, 'incidents:acknowledge', (s, k) => s.source.actions.transitionIncident(k, 'acknowledge', a)),
    'incidents:resolve': (a) =>
      track(runtime, 'incidents:resolve', (s, k) => s.source.actions.transitionIncident(k, 'resolve', a)),
    'breakGlass:issue': (a) => {
      const s = runtime.session();
      refuseOffline(s);
      return s.source.actions.issueBreakGlass(newIdempotencyKey(), a);
    },
  };
}
