/**
 * Four-eyes change requests. The approver sends the payload hash they reviewed; self-approval and duplicate approvals
 * are refused; quorum depends on the gate tier (BLOCKED 2 distinct non-requesters, HIGH 1, MEDIUM/LOW 0); any edit
 * changes the hash and so voids earlier approvals; reaching quorum applies the change (or schedules it) in the same
 * transaction. A request changes one environment's state, the flag's gated definition fields, or archives the flag.
 */
import type { JsonValue } from '../../shared/ledger/index.ts';
import type { Role } from '../db/users.ts';
import { stmt } from '../db/stmt.ts';
import { SchemaError } from '../../shared/validation/schema.ts';
import { DomainError } from './errors.ts';
import type { App, ActionContext } from './app.ts';
import {
  type ChangeRequest,
  type DefinitionFields,
  type DefinitionRequest,
  hashOf,
  insertChangeRequest,
  requireChangeRequest,
  setRequiredApprovals,
  updatePayload,
  validApprovers,
} from './change-request-repo.ts';
import { currentQuorum, fulfil } from './cr-apply.ts';
import { refsOf } from './cr-reject.ts';
import { requireNoDependents } from './definition-change.ts';
import { type EnvPatch, type EnvState, type FlagDefinition, requiredApprovals } from '../../shared/protocol/index.ts';
import { applyPatch, canonicalText, sameState } from './env-state.ts';
import { currentState } from './env-change.ts';
import { requireEnv, requireFlag } from './lookups.ts';
import { type FlagRecord, lowersTier, requireAdminToLower } from './flag-def.ts';
import { type GateTier, gateTier } from './gate.ts';
import { requireVariants } from './variants.ts';
import { checkPrerequisites } from './prerequisites.ts';

export { rejectChangeRequest } from './cr-reject.ts';

/** Input of createChangeRequest (a state request). */
export interface CreateCrInput {
  flag_key: string;
  environment: string;
  patch: EnvPatch;
  reason: string;
  scheduled_at?: number | undefined;
}

/** Input of createDefinitionRequest: `definition` sets safe_default and/or tier; `archive` tombstones the flag. */
export interface DefinitionCrInput {
  flag_key: string;
  operation: 'definition' | 'archive';
  fields: DefinitionFields;
  reason: string;
  scheduled_at?: number | undefined;
}

function payloadJson(cr: ChangeRequest): JsonValue {
  const after = cr.after as unknown as Record<string, JsonValue>;
  return cr.scheduled_at === null ? after : { ...after, scheduled_at: new Date(cr.scheduled_at).toISOString() };
}

function checkSchedule(scheduledAt: number | undefined, now: number): void {
  if (scheduledAt !== undefined && scheduledAt <= now) {
    throw new SchemaError('body.scheduled_at', 'must be in the future');
  }
}

/** Stores a new request, records `change_request.created` and fulfils it at once when no approval is needed. */
function open(app: App, ctx: ActionContext, rec: FlagRecord, cr: ChangeRequest, gate: GateTier): ChangeRequest {
  insertChangeRequest(app.db, cr);
  const refs = refsOf(cr);
  // The quorum comes from a stricter flag that depends on this one: say so, since the flag's own tier does not.
  if (cr.required_approvals !== requiredApprovals(rec.definition.tier) && gate.via !== null) {
    refs['required_approvals'] = String(cr.required_approvals);
    refs['gated_by'] = gate.via;
  }
  app.ledger.append({
    ts: ctx.now,
    actor: ctx.actor,
    action: 'change_request.created',
    flag: cr.flag_key,
    env: cr.env,
    before: cr.before as unknown as JsonValue,
    after: payloadJson(cr),
    reason: cr.reason,
    refs,
  });
  if (cr.required_approvals === 0) fulfil(app, ctx, cr, []);
  return requireChangeRequest(app.db, cr.id);
}

function base(app: App, ctx: ActionContext, key: string, reason: string, scheduledAt: number | undefined) {
  const scheduled_at = scheduledAt ?? null;
  const at = { id: `cr-${app.ledger.nextIdx()}`, flag_key: key, requested_by: ctx.actor.id, reason, scheduled_at };
  return { ...at, status: 'PENDING' as const, created_at: ctx.now, updated_at: ctx.now, applied_idx: null };
}

/** Opens a state request (`change_request.created`); with no approvals required it is fulfilled at once. */
export function createChangeRequest(app: App, ctx: ActionContext, input: CreateCrInput): ChangeRequest {
  requireEnv(app, input.environment);
  const flag = requireFlag(app, input.flag_key);
  checkSchedule(input.scheduled_at, ctx.now);
  const before = currentState(flag, input.environment);
  const after = applyPatch(before, input.patch);
  if (sameState(before, after))
    throw new DomainError('NO_CHANGE', 'the requested state equals the current one', { current: before });
  if (!sameState(before.prerequisites, after.prerequisites))
    checkPrerequisites(app.db, input.flag_key, input.environment, after.prerequisites);
  const gate = gateTier(app.db, flag.definition, input.environment);
  const payload = { operation: 'state' as const, env: input.environment, before, after };
  const common = base(app, ctx, input.flag_key, input.reason, input.scheduled_at);
  const cr: ChangeRequest = {
    ...common,
    ...payload,
    payload_hash: hashOf({ ...payload, flag_key: input.flag_key, scheduled_at: common.scheduled_at }),
    required_approvals: requiredApprovals(gate.tier),
  };
  return open(app, ctx, flag, cr, gate);
}

/** The requested fields that differ from the definition. */
function changedFields(def: FlagDefinition, fields: DefinitionFields): DefinitionFields {
  const out: DefinitionFields = {};
  const safe = fields.safe_default;
  if (safe !== undefined && canonicalText(safe) !== canonicalText(def.safe_default)) out.safe_default = safe;
  if (fields.tier !== undefined && fields.tier !== def.tier) out.tier = fields.tier;
  if (fields.variants !== undefined && canonicalText(fields.variants) !== canonicalText(def.variants ?? null))
    out.variants = fields.variants;
  return out;
}

function definitionPayload(rec: FlagRecord, input: DefinitionCrInput, role: Role): DefinitionRequest {
  const def = rec.definition;
  if (input.operation === 'archive') {
    return { operation: 'archive', env: null, before: { stage: def.stage }, after: { stage: 'TOMBSTONED' } };
  }
  const after = changedFields(def, input.fields);
  if (Object.keys(after).length === 0)
    throw new DomainError('NO_CHANGE', `${def.key} already has that safe default, tier and variants`);
  if (after.tier !== undefined && lowersTier(def.tier, after.tier))
    requireAdminToLower(def.key, def.tier, after.tier, role);
  const before: DefinitionFields = {};
  if (after.safe_default !== undefined) before.safe_default = def.safe_default;
  if (after.tier !== undefined) before.tier = def.tier;
  if (after.variants !== undefined) {
    for (const [env, state] of Object.entries(rec.environments)) requireVariants({ ...def, ...after }, env, state);
    if (def.variants !== undefined) before.variants = def.variants;
  }
  return { operation: 'definition', env: null, before, after };
}

/** Opens a `definition` or `archive` request (env null); fulfilled at once when the gate tier needs no approval. */
export function createDefinitionRequest(
  app: App,
  ctx: ActionContext,
  role: Role,
  input: DefinitionCrInput,
): ChangeRequest {
  const flag = requireFlag(app, input.flag_key);
  checkSchedule(input.scheduled_at, ctx.now);
  if (input.operation === 'archive') requireNoDependents(app, input.flag_key);
  const payload = definitionPayload(flag, input, role);
  const gate = gateTier(app.db, flag.definition, null);
  const common = base(app, ctx, input.flag_key, input.reason, input.scheduled_at);
  const cr: ChangeRequest = {
    ...common,
    ...payload,
    payload_hash: hashOf({ ...payload, flag_key: input.flag_key, scheduled_at: common.scheduled_at }),
    required_approvals: requiredApprovals(gate.tier),
  };
  return open(app, ctx, flag, cr, gate);
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
    throw new DomainError('CHANGE_REQUEST_NOT_PENDING', `${id} is ${cr.status}; only PENDING requests can be approved`);
  if (cr.requested_by === ctx.actor.id)
    throw new DomainError('SELF_APPROVAL', 'you requested this change, so you cannot approve it; ask another approver');
  const stored = hashOf(cr);
  if (reviewedHash !== cr.payload_hash || stored !== cr.payload_hash) {
    throw new DomainError(
      'STALE_PAYLOAD_HASH',
      'the payload changed since you reviewed it; review the current payload and approve again',
      { current_payload_hash: stored },
    );
  }
  const approvers = validApprovers(app.db, cr);
  if (approvers.includes(ctx.actor.id)) throw new DomainError('DUPLICATE_APPROVAL', `you already approved ${id}`);
  stmt(
    app.db,
    'INSERT INTO approvals (change_request_id, approver, payload_hash, comment, created_at) VALUES (?, ?, ?, ?, ?)',
  ).run(id, ctx.actor.id, cr.payload_hash, comment, ctx.now);
  const all = [...approvers, ctx.actor.id];
  const required = currentQuorum(app, cr);
  if (required !== cr.required_approvals) setRequiredApprovals(app.db, id, required);
  app.ledger.append({
    ts: ctx.now,
    actor: ctx.actor,
    action: 'change_request.approved',
    flag: cr.flag_key,
    env: cr.env,
    before: null,
    after: { approvals: all.length, required },
    reason: comment,
    refs: refsOf(cr),
  });
  if (all.length >= required) fulfil(app, ctx, { ...cr, required_approvals: required }, all);
  return requireChangeRequest(app.db, id);
}

/** An edit of a request: new state fields, new definition fields, a new time or reason. */
export interface CrEdit {
  patch: EnvPatch;
  fields: DefinitionFields;
  scheduledAt: number | undefined;
  reason: string | undefined;
}

function editedPayload(app: App, cr: ChangeRequest, edit: CrEdit, role: Role): ChangeRequest {
  switch (cr.operation) {
    case 'state': {
      const after: EnvState = applyPatch(cr.after, edit.patch);
      if (!sameState(cr.after.prerequisites, after.prerequisites))
        checkPrerequisites(app.db, cr.flag_key, cr.env, after.prerequisites);
      return { ...cr, after };
    }
    case 'definition': {
      const after: DefinitionFields = { ...cr.after, ...edit.fields };
      const current = requireFlag(app, cr.flag_key).definition.tier;
      if (after.tier !== undefined && lowersTier(current, after.tier))
        requireAdminToLower(cr.flag_key, current, after.tier, role);
      return { ...cr, after };
    }
    case 'archive':
      return cr;
  }
}

/** The requester edits the payload: a new hash, so earlier approvals no longer count (`change_request.updated`). */
export function editChangeRequest(app: App, ctx: ActionContext, role: Role, id: string, edit: CrEdit): ChangeRequest {
  const cr = requireChangeRequest(app.db, id);
  if (cr.requested_by !== ctx.actor.id) throw new DomainError('FORBIDDEN', `only ${cr.requested_by} can edit ${id}`);
  if (cr.status !== 'PENDING' && cr.status !== 'SCHEDULED') {
    throw new DomainError('CHANGE_REQUEST_NOT_PENDING', `${id} is ${cr.status}; it can no longer be edited`);
  }
  checkSchedule(edit.scheduledAt, ctx.now);
  const edited = editedPayload(app, cr, edit, role);
  const payload = { ...edited, scheduled_at: edit.scheduledAt ?? cr.scheduled_at, reason: edit.reason ?? cr.reason };
  const next: ChangeRequest = { ...payload, payload_hash: hashOf(payload) };
  if (next.payload_hash === cr.payload_hash && next.reason === cr.reason)
    throw new DomainError('NO_CHANGE', 'the edit changes nothing');
  updatePayload(app.db, next, ctx.now);
  app.ledger.append({
    ts: ctx.now,
    actor: ctx.actor,
    action: 'change_request.updated',
    flag: cr.flag_key,
    env: cr.env,
    before: payloadJson(cr),
    after: payloadJson(next),
    reason: next.reason,
    refs: refsOf(next),
  });
  return requireChangeRequest(app.db, id);
}
