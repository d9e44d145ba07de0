/** SQL access and API views for change requests, approvals and schedules. */
import type { Db } from '../db/db.ts';
import { sha256 } from '../crypto/node-crypto.ts';
import { stmt } from '../db/stmt.ts';
import { DomainError } from './errors.ts';
import {
  payloadHashHex,
  type ChangeRequestOperation,
  type EnvState,
  type SafeDefault,
  type Tier,
} from '../../shared/protocol/index.ts';
import type { JsonValue } from '../../shared/ledger/index.ts';

/** Change request states. */
export type CrStatus = 'PENDING' | 'SCHEDULED' | 'APPLIED' | 'REJECTED' | 'BLOCKED';

/** The definition fields a `definition` or `archive` request sets (and, as `before`, their values when requested). */
export interface DefinitionFields {
  safe_default?: SafeDefault;
  tier?: Tier;
  stage?: string;
  variants?: Record<string, JsonValue>;
}

/** A request for one environment's state. */
export interface StateRequest {
  operation: 'state';
  env: string;
  before: EnvState;
  after: EnvState;
}

/** A request that changes the flag's definition or archives it (every environment; `env` null). */
export interface DefinitionRequest {
  operation: 'definition' | 'archive';
  env: null;
  before: DefinitionFields;
  after: DefinitionFields;
}

/** A change request as stored. */
export type ChangeRequest = (StateRequest | DefinitionRequest) & {
  id: string;
  flag_key: string;
  requested_by: string;
  reason: string;
  scheduled_at: number | null;
  payload_hash: string;
  required_approvals: number;
  status: CrStatus;
  created_at: number;
  updated_at: number;
  applied_idx: number | null;
};

/** What the payload hash binds. */
export type Payload = Pick<ChangeRequest, 'flag_key' | 'operation' | 'env' | 'after' | 'scheduled_at'>;

interface CrRow {
  id: string;
  flag_key: string;
  operation: ChangeRequestOperation;
  env: string | null;
  requested_by: string;
  reason: string;
  before: string;
  after: string;
  scheduled_at: number | null;
  payload_hash: string;
  required_approvals: number;
  status: CrStatus;
  created_at: number;
  updated_at: number;
  applied_idx: number | null;
}

/** An approval as stored. */
export interface Approval {
  approver: string;
  payload_hash: string;
  comment: string;
  created_at: number;
}

/** The hash an approver reviews (shared/protocol/change-requests.ts says what it binds). */
export function payloadHash(
  flagKey: string,
  env: string | null,
  after: EnvState | DefinitionFields,
  scheduledAt: number | null,
  operation: ChangeRequestOperation = 'state',
): string {
  const scheduled = scheduledAt === null ? null : new Date(scheduledAt).toISOString();
  return payloadHashHex(sha256, flagKey, env, after, scheduled, operation);
}

/** The payload hash of a request's current payload. */
export function hashOf(p: Payload): string {
  return payloadHash(p.flag_key, p.env, p.after, p.scheduled_at, p.operation);
}

function fromRow(row: CrRow): ChangeRequest {
  const base = {
    id: row.id,
    flag_key: row.flag_key,
    requested_by: row.requested_by,
    reason: row.reason,
    scheduled_at: row.scheduled_at,
    payload_hash: row.payload_hash,
    required_approvals: row.required_approvals,
    status: row.status,
    created_at: row.created_at,
    updated_at: row.updated_at,
    applied_idx: row.applied_idx,
  };
  if (row.operation === 'state') {
    const before = JSON.parse(row.before) as EnvState;
    return { ...base, operation: 'state', env: row.env ?? '', before, after: JSON.parse(row.after) as EnvState };
  }
  const before = JSON.parse(row.before) as DefinitionFields;
  return { ...base, operation: row.operation, env: null, before, after: JSON.parse(row.after) as DefinitionFields };
}

/** The stored change request, or 404 CHANGE_REQUEST_NOT_FOUND. */
export function requireChangeRequest(db: Db, id: string): ChangeRequest {
  const row = stmt(db, 'SELECT * FROM change_requests WHERE id = ?').get(id) as CrRow | undefined;
  if (row === undefined) throw new DomainError('CHANGE_REQUEST_NOT_FOUND', `no change request ${id}`);
  return fromRow(row);
}

/** Inserts a new change request. */
export function insertChangeRequest(db: Db, cr: ChangeRequest): void {
  stmt(
    db,
    `INSERT INTO change_requests (id, flag_key, operation, env, requested_by, reason, before, after, scheduled_at,
    payload_hash, required_approvals, status, created_at, updated_at, applied_idx) VALUES (@id, @flag_key, @operation,
    @env, @requested_by, @reason, @before, @after, @scheduled_at, @payload_hash, @required_approvals, @status,
    @created_at, @updated_at, @applied_idx)`,
  ).run({ ...cr, before: JSON.stringify(cr.before), after: JSON.stringify(cr.after) });
}

/** Raises the quorum of a request (the flag became stricter since it was opened). */
export function setRequiredApprovals(db: Db, id: string, required: number): void {
  stmt(db, 'UPDATE change_requests SET required_approvals = ? WHERE id = ?').run(required, id);
}

/** Sets status (and applied idx). */
export function setStatus(db: Db, id: string, status: CrStatus, now: number, appliedIdx: number | null = null): void {
  stmt(
    db,
    'UPDATE change_requests SET status = ?, updated_at = ?, applied_idx = COALESCE(?, applied_idx) WHERE id = ?',
  ).run(status, now, appliedIdx, id);
}

/** Rewrites the payload of an edited request. */
export function updatePayload(db: Db, cr: ChangeRequest, now: number): void {
  stmt(
    db,
    'UPDATE change_requests SET after = ?, scheduled_at = ?, payload_hash = ?, reason = ?, updated_at = ? WHERE id = ?',
  ).run(JSON.stringify(cr.after), cr.scheduled_at, cr.payload_hash, cr.reason, now, cr.id);
}

/** Every approval of a request, oldest first. */
export function approvalsOf(db: Db, id: string): Approval[] {
  return stmt(
    db,
    'SELECT approver, payload_hash, comment, created_at FROM approvals WHERE change_request_id = ? ORDER BY created_at, approver',
  ).all(id) as Approval[];
}

/** Distinct approvers of the request's current payload hash. */
export function validApprovers(db: Db, cr: ChangeRequest): string[] {
  return approvalsOf(db, cr.id)
    .filter((a) => a.payload_hash === cr.payload_hash)
    .map((a) => a.approver);
}

/** Change request ids, newest first, optionally by status / flag. */
export function listChangeRequestIds(
  db: Db,
  status: string | undefined,
  flag: string | undefined,
  limit: number,
): string[] {
  return stmt(
    db,
    `SELECT id FROM change_requests WHERE (CAST(@status AS TEXT) IS NULL OR status = @status)
    AND (CAST(@flag AS TEXT) IS NULL OR flag_key = @flag)
    ORDER BY created_at DESC, rowid DESC LIMIT @limit`,
  )
    .pluck()
    .all({ status: status ?? null, flag: flag ?? null, limit }) as string[];
}

/** The API view of a change request. */
export function changeRequestView(db: Db, cr: ChangeRequest): Record<string, unknown> {
  const schedule = stmt(db, 'SELECT id, run_at, status FROM schedules WHERE change_request_id = ?').get(cr.id) as
    { id: string; run_at: number; status: string } | undefined;
  const approvals = approvalsOf(db, cr.id).map((a) => ({
    approver: a.approver,
    payload_hash: a.payload_hash,
    valid: a.payload_hash === cr.payload_hash,
    comment: a.comment,
    created_at: new Date(a.created_at).toISOString(),
  }));
  return {
    id: cr.id,
    flag_key: cr.flag_key,
    operation: cr.operation,
    environment: cr.env,
    status: cr.status,
    requested_by: cr.requested_by,
    reason: cr.reason,
    before: cr.before,
    after: cr.after,
    scheduled_at: cr.scheduled_at === null ? null : new Date(cr.scheduled_at).toISOString(),
    payload_hash: cr.payload_hash,
    required_approvals: cr.required_approvals,
    approvals,
    valid_approvals: approvals.filter((a) => a.valid).length,
    created_at: new Date(cr.created_at).toISOString(),
    updated_at: new Date(cr.updated_at).toISOString(),
    applied_idx: cr.applied_idx,
    schedule:
      schedule === undefined
        ? null
        : { id: schedule.id, run_at: new Date(schedule.run_at).toISOString(), status: schedule.status },
  };
}
