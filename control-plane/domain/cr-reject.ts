/** Rejecting change requests: one (by an approver, or withdrawn by its requester), or every open one of an archived flag. */
import { stmt } from '../db/stmt.ts';
import { DomainError } from './errors.ts';
import type { App, ActionContext } from './app.ts';
import { type ChangeRequest, requireChangeRequest, setStatus } from './change-request-repo.ts';

/** The refs every entry about a request carries (`operation` only for definition and archive requests). */
export function refsOf(cr: ChangeRequest): Record<string, string> {
  const refs: Record<string, string> = { change_request: cr.id, payload_hash: cr.payload_hash };
  if (cr.operation !== 'state') refs['operation'] = cr.operation;
  return refs;
}

/** Rejects (or, for the requester, withdraws) a pending or scheduled request. */
export function rejectChangeRequest(app: App, ctx: ActionContext, id: string, reason: string): ChangeRequest {
  const cr = requireChangeRequest(app.db, id);
  if (cr.status !== 'PENDING' && cr.status !== 'SCHEDULED') {
    throw new DomainError(
      'CHANGE_REQUEST_NOT_PENDING',
      `${id} is ${cr.status}; only PENDING or SCHEDULED requests can be rejected`,
    );
  }
  setStatus(app.db, id, 'REJECTED', ctx.now);
  stmt(app.db, "UPDATE schedules SET status = 'CANCELLED' WHERE change_request_id = ? AND status = 'PENDING'").run(id);
  app.ledger.append({
    ts: ctx.now,
    actor: ctx.actor,
    action: 'change_request.rejected',
    flag: cr.flag_key,
    env: cr.env,
    before: null,
    after: { reason },
    reason,
    refs: refsOf(cr),
  });
  return requireChangeRequest(app.db, id);
}

/** Rejects every open (pending or scheduled) request of a flag but `except`, oldest first. */
export function rejectOpenRequests(app: App, ctx: ActionContext, key: string, reason: string, except?: string): void {
  const open = stmt(
    app.db,
    "SELECT id FROM change_requests WHERE flag_key = ? AND status IN ('PENDING', 'SCHEDULED') ORDER BY rowid",
  )
    .pluck()
    .all(key) as string[];
  for (const id of open) if (id !== except) rejectChangeRequest(app, ctx, id, reason);
}
