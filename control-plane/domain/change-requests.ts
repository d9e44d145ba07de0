/**
 * Four-eyes change requests. The approver sends the payload hash they reviewed; self-approval and duplicate approvals
 * are refused; quorum depends on tier (BLOCKED 2 distinct non-requesters, HIGH 1, MEDIUM/LOW 0); any edit changes the
 * hash and so voids earlier approvals; reaching quorum applies the change (or schedules it) in the same transaction.
 */
import type { JsonValue } from '../../shared/ledger/index.ts';
import { stmt } from '../db/stmt.ts';
import { HttpError } from '../http/errors.ts';
import type { App, ActionContext } from './app.ts';
import type { ChangeRequest } from './change-request-repo.ts';
import {
  insertChangeRequest,
  payloadHash,
  requireChangeRequest,
  setStatus,
  updatePayload,
  validApprovers,
} from './change-request-repo.ts';
import type { EnvPatch, EnvState } from './env-state.ts';
import { applyPatch, sameState, stateJson } from './env-state.ts';
import { applyEnvChange, currentState, requireEnv, requireFlag } from './env-change.ts';
import { requiredApprovals } from './flag-def.ts';
import { checkPrerequisites } from './prerequisites.ts';

/** Input of createChangeRequest. */
export interface CreateCrInput {
  flag_key: string;
  environment: string;
  patch: EnvPatch;
  reason: string;
  scheduled_at?: number | undefined;
}

function refsOf(cr: ChangeRequest): Record<string, string> {
  return { change_request: cr.id, payload_hash: cr.payload_hash };
}

function afterWithSchedule(cr: ChangeRequest): JsonValue {
  const after = stateJson(cr.after) as Record<string, JsonValue>;
  return cr.scheduled_at === null ? after : { ...after, scheduled_at: new Date(cr.scheduled_at).toISOString() };
}

function checkSchedule(scheduledAt: number | undefined, now: number): void {
  if (scheduledAt !== undefined && scheduledAt <= now) {
    throw new HttpError(400, 'INVALID_BODY', 'body.scheduled_at: must be in the future', {
      field: 'body.scheduled_at',
    });
  }
}

/** Opens a change request (`change_request.created`); with no approvals required it is fulfilled at once. */
export function createChangeRequest(app: App, ctx: ActionContext, input: CreateCrInput): ChangeRequest {
  requireEnv(app, input.environment);
  const flag = requireFlag(app, input.flag_key);
  checkSchedule(input.scheduled_at, ctx.now);
  const before = currentState(flag, input.environment);
  const after = applyPatch(before, input.patch);
  if (sameState(before, after))
    throw new HttpError(409, 'NO_CHANGE', 'the requested state equals the current one', { current: before });
  if (!sameState(before.prerequisites, after.prerequisites))
    checkPrerequisites(app.db, input.flag_key, input.environment, after.prerequisites);
  const scheduled = input.scheduled_at ?? null;
  const cr: ChangeRequest = {
    id: `cr-${app.ledger.nextIdx()}`,
    flag_key: input.flag_key,
    env: input.environment,
    requested_by: ctx.actor.id,
    reason: input.reason,
    before,
    after,
    scheduled_at: scheduled,
    payload_hash: payloadHash(input.flag_key, input.environment, after, scheduled),
    required_approvals: requiredApprovals(flag.definition.tier),
    status: 'PENDING',
    created_at: ctx.now,
    updated_at: ctx.now,
    applied_idx: null,
  };
  insertChangeRequest(app.db, cr);
  app.ledger.append({
    ts: ctx.now,
    actor: ctx.actor,
    action: 'change_request.created',
    flag: cr.flag_key,
    env: cr.env,
    before: stateJson(before),
    after: afterWithSchedule(cr),
    reason: cr.reason,
    refs: refsOf(cr),
  });
  if (cr.required_approvals === 0) fulfil(app, ctx, cr, []);
  return requireChangeRequest(app.db, cr.id);
}

/** Records an approval of the reviewed payload hash; applies or schedules the change when quorum is reached. */
export function approveChangeRequest(
  app: App,
  ctx: ActionContext,
  id: string,
  reviewedHash: string,
  comment: string,
): ChangeRequest {
  const cr = requireChangeRequest(app.db, id);
  if (cr.status !== 'PENDING')
    throw new HttpError(
      409,
      'CHANGE_REQUEST_NOT_PENDING',
      `${id} is ${cr.status}; only PENDING requests can be approved`,
    );
  if (cr.requested_by === ctx.actor.id)
    throw new HttpError(
      403,
      'SELF_APPROVAL',
      'you requested this change, so you cannot approve it; ask another approver',
    );
  const stored = payloadHash(cr.flag_key, cr.env, cr.after, cr.scheduled_at);
  if (reviewedHash !== cr.payload_hash || stored !== cr.payload_hash) {
    throw new HttpError(
      409,
      'STALE_PAYLOAD_HASH',
      'the payload changed since you reviewed it; review the current payload and approve again',
      { current_payload_hash: stored },
    );
  }
  const approvers = validApprovers(app.db, cr);
  if (approvers.includes(ctx.actor.id)) throw new HttpError(409, 'DUPLICATE_APPROVAL', `you already approved ${id}`);
  stmt(
    app.db,
    'INSERT INTO approvals (change_request_id, approver, payload_hash, comment, created_at) VALUES (?, ?, ?, ?, ?)',
  ).run(id, ctx.actor.id, cr.payload_hash, comment, ctx.now);
  const all = [...approvers, ctx.actor.id];
  app.ledger.append({
    ts: ctx.now,
    actor: ctx.actor,
    action: 'change_request.approved',
    flag: cr.flag_key,
    env: cr.env,
    before: null,
    after: { approvals: all.length, required: cr.required_approvals },
    reason: comment,
    refs: refsOf(cr),
  });
  if (all.length >= cr.required_approvals) fulfil(app, ctx, cr, all);
  return requireChangeRequest(app.db, id);
}

/** Applies the change now (`change_request.applied`) or creates its schedule (`schedule.created`). */
function fulfil(app: App, ctx: ActionContext, cr: ChangeRequest, approvers: string[]): void {
  if (cr.scheduled_at !== null) {
    const scheduleId = `sch-${app.ledger.nextIdx()}`;
    stmt(
      app.db,
      "INSERT INTO schedules (id, change_request_id, run_at, approved_hash, approvers, status, created_at) VALUES (?, ?, ?, ?, ?, 'PENDING', ?)",
    ).run(scheduleId, cr.id, cr.scheduled_at, cr.payload_hash, JSON.stringify(approvers), ctx.now);
    setStatus(app.db, cr.id, 'SCHEDULED', ctx.now);
    app.ledger.append({
      ts: ctx.now,
      actor: ctx.actor,
      action: 'schedule.created',
      flag: cr.flag_key,
      env: cr.env,
      before: null,
      after: {
        schedule_id: scheduleId,
        run_at: new Date(cr.scheduled_at).toISOString(),
        payload_hash: cr.payload_hash,
        approvers,
      },
      reason: cr.reason,
      refs: { ...refsOf(cr), schedule: scheduleId },
    });
    return;
  }
  const result = applyEnvChange(app, ctx, {
    key: cr.flag_key,
    env: cr.env,
    action: 'change_request.applied',
    reason: cr.reason,
    refs: refsOf(cr),
    allowNoop: true,
    next: () => cr.after,
  });
  setStatus(app.db, cr.id, 'APPLIED', ctx.now, result.idx);
}

/** Rejects (or, for the requester, withdraws) a pending or scheduled request. */
export function rejectChangeRequest(app: App, ctx: ActionContext, id: string, reason: string): ChangeRequest {
  const cr = requireChangeRequest(app.db, id);
  if (cr.status !== 'PENDING' && cr.status !== 'SCHEDULED') {
    throw new HttpError(
      409,
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

/** The requester edits the payload: a new hash, so earlier approvals no longer count (`change_request.updated`). */
export function editChangeRequest(
  app: App,
  ctx: ActionContext,
  id: string,
  patch: EnvPatch,
  scheduledAt: number | undefined,
  reason: string | undefined,
): ChangeRequest {
  const cr = requireChangeRequest(app.db, id);
  if (cr.requested_by !== ctx.actor.id) throw new HttpError(403, 'FORBIDDEN', `only ${cr.requested_by} can edit ${id}`);
  if (cr.status !== 'PENDING' && cr.status !== 'SCHEDULED') {
    throw new HttpError(409, 'CHANGE_REQUEST_NOT_PENDING', `${id} is ${cr.status}; it can no longer be edited`);
  }
  checkSchedule(scheduledAt, ctx.now);
  const after: EnvState = applyPatch(cr.after, patch);
  const scheduled = scheduledAt ?? cr.scheduled_at;
  if (!sameState(cr.after.prerequisites, after.prerequisites))
    checkPrerequisites(app.db, cr.flag_key, cr.env, after.prerequisites);
  const next: ChangeRequest = {
    ...cr,
    after,
    scheduled_at: scheduled,
    reason: reason ?? cr.reason,
    payload_hash: payloadHash(cr.flag_key, cr.env, after, scheduled),
  };
  if (next.payload_hash === cr.payload_hash && next.reason === cr.reason)
    throw new HttpError(409, 'NO_CHANGE', 'the edit changes nothing');
  updatePayload(app.db, next, ctx.now);
  app.ledger.append({
    ts: ctx.now,
    actor: ctx.actor,
    action: 'change_request.updated',
    flag: cr.flag_key,
    env: cr.env,
    before: afterWithSchedule(cr),
    after: afterWithSchedule(next),
    reason: next.reason,
    refs: refsOf(next),
  });
  return requireChangeRequest(app.db, id);
}
