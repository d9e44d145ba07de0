/** SQL access and API views for change requests, approvals and schedules. */
import type Database from 'better-sqlite3';
import { sha256Hex } from '../crypto/node-crypto.ts';
import { stmt } from '../db/stmt.ts';
import { HttpError } from '../http/errors.ts';
import type { EnvState } from './env-state.ts';
import { canonicalText } from './env-state.ts';

/** Change request states. */
export type CrStatus = 'PENDING' | 'SCHEDULED' | 'APPLIED' | 'REJECTED' | 'BLOCKED';

/** A change request as stored. */
export interface ChangeRequest {
  id: string;
  flag_key: string;
  env: string;
  requested_by: string;
  reason: string;
  before: EnvState;
  after: EnvState;
  scheduled_at: number | null;
  payload_hash: string;
  required_approvals: number;
  status: CrStatus;
  created_at: number;
  updated_at: number;
  applied_idx: number | null;
}

interface CrRow extends Omit<ChangeRequest, 'before' | 'after'> {
  before: string;
  after: string;
}

/** An approval as stored. */
export interface Approval {
  approver: string;
  payload_hash: string;
  comment: string;
  created_at: number;
}

/** The hash an approver reviews: SHA-256 of the canonical {flag_key, environment, after, scheduled_at}. */
export function payloadHash(flagKey: string, env: string, after: EnvState, scheduledAt: number | null): string {
  const scheduled = scheduledAt === null ? null : new Date(scheduledAt).toISOString();
  return sha256Hex(canonicalText({ flag_key: flagKey, environment: env, after, scheduled_at: scheduled }));
}

/** The stored change request, or 404 CHANGE_REQUEST_NOT_FOUND. */
export function requireChangeRequest(db: Database.Database, id: string): ChangeRequest {
  const row = stmt(db, 'SELECT * FROM change_requests WHERE id = ?').get(id) as CrRow | undefined;
  if (row === undefined) throw new HttpError(404, 'CHANGE_REQUEST_NOT_FOUND', `no change request ${id}`);
  return { ...row, before: JSON.parse(row.before) as EnvState, after: JSON.parse(row.after) as EnvState };
}

/** Inserts a new change request. */
export function insertChangeRequest(db: Database.Database, cr: ChangeRequest): void {
  stmt(
    db,
    `INSERT INTO change_requests (id, flag_key, env, requested_by, reason, before, after, scheduled_at, payload_hash,
    required_approvals, status, created_at, updated_at, applied_idx) VALUES (@id, @flag_key, @env, @requested_by, @reason,
    @before, @after, @scheduled_at, @payload_hash, @required_approvals, @status, @created_at, @updated_at, @applied_idx)`,
  ).run({ ...cr, before: JSON.stringify(cr.before), after: JSON.stringify(cr.after) });
}

/** Sets status (and applied idx). */
export function setStatus(
  db: Database.Database,
  id: string,
  status: CrStatus,
  now: number,
  appliedIdx: number | null = null,
): void {
  stmt(
    db,
    'UPDATE change_requests SET status = ?, updated_at = ?, applied_idx = COALESCE(?, applied_idx) WHERE id = ?',
  ).run(status, now, appliedIdx, id);
}

/** Rewrites the payload of an edited request. */
export function updatePayload(db: Database.Database, cr: ChangeRequest, now: number): void {
  stmt(
    db,
    'UPDATE change_requests SET after = ?, scheduled_at = ?, payload_hash = ?, reason = ?, updated_at = ? WHERE id = ?',
  ).run(JSON.stringify(cr.after), cr.scheduled_at, cr.payload_hash, cr.reason, now, cr.id);
}

/** Every approval of a request, oldest first. */
export function approvalsOf(db: Database.Database, id: string): Approval[] {
  return stmt(
    db,
    'SELECT approver, payload_hash, comment, created_at FROM approvals WHERE change_request_id = ? ORDER BY created_at, approver',
  ).all(id) as Approval[];
}

/** Distinct approvers of the request's current payload hash. */
export function validApprovers(db: Database.Database, cr: ChangeRequest): string[] {
  return approvalsOf(db, cr.id)
    .filter((a) => a.payload_hash === cr.payload_hash)
    .map((a) => a.approver);
}

/** Change request ids, newest first, optionally by status / flag. */
export function listChangeRequestIds(
  db: Database.Database,
  status: string | undefined,
  flag: string | undefined,
  limit: number,
): string[] {
  return stmt(
    db,
    `SELECT id FROM change_requests WHERE (@status IS NULL OR status = @status) AND (@flag IS NULL OR flag_key = @flag)
    ORDER BY created_at DESC, rowid DESC LIMIT @limit`,
  )
    .pluck()
    .all({ status: status ?? null, flag: flag ?? null, limit }) as string[];
}

/** The API view of a change request. */
export function changeRequestView(db: Database.Database, cr: ChangeRequest): Record<string, unknown> {
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
