/**
 * Four-eyes change requests folded from the ledger, following what control-plane/domain/change-requests.ts and
 * scheduler.ts really write: `change_request.created|updated|approved|rejected|applied`, `schedule.created|executed|
 * blocked` (all with refs.change_request). Only approvals of the current payload hash count (an edit voids earlier
 * ones); quorum is the `required` the control plane recorded (on an approval, or on the creation when a stricter
 * dependent flag set it), else the tier's (shared/protocol/tier.ts requiredApprovals). The payload hash an approver
 * signs is shared/protocol/change-requests.ts payloadHashHex. A request carries refs.operation when it is
 * not a state request: `definition` (safe default, tier) or `archive` (tombstone); those have env null.
 */
import type { ChangeRequest } from '../ipc/types/domain.ts';
import { requiredApprovals, type ChangeRequestOperation, type Tier } from '../protocol/index.ts';
import { isObject } from './env-state.ts';
import { UNKNOWN_TIER } from './flags.ts';

/** The fields of a leaf the fold reads. */
export interface ChangeRequestLeaf {
  idx: number;
  actor: { id: string };
  action: string;
  flag: string | null;
  env: string | null;
  before: unknown;
  after: unknown;
  reason: string;
  refs: Record<string, string>;
}

/** What the fold needs from outside the entries. */
export interface ChangeRequestContext {
  /** The flag's tier as of an entry index (the control plane fixes the quorum when the request is created). */
  tierAt(flag: string, idx: number): Tier | null;
  /** Recomputes the payload hash; an open request whose recorded hash does not bind its payload is shown VOIDED. */
  hashPayload?: (
    flag: string,
    env: string | null,
    after: unknown,
    scheduledAt: string | null,
    operation: ChangeRequestOperation,
  ) => string;
}

interface Draft {
  cr: ChangeRequest;
  approvedBy: { approver: string; hash: string }[];
  recordedRequired: number | null;
}

const TERMINAL: readonly ChangeRequest['status'][] = ['APPLIED', 'REJECTED', 'VOIDED'];

/** The operation a request's entries name (refs.operation); anything else is a state request. */
export function operationOf(refs: Record<string, string>): ChangeRequestOperation {
  const op = refs['operation'];
  return op === 'definition' || op === 'archive' ? op : 'state';
}

function recordedQuorum(refs: Record<string, string>): number | null {
  const n = refs['required_approvals'];
  return n !== undefined && /^[0-9]{1,2}$/.test(n) ? Number(n) : null;
}

function splitPayload(after: unknown): { state: unknown; scheduledAt: string | null } {
  if (!isObject(after)) return { state: after, scheduledAt: null };
  const { scheduled_at: at, ...state } = after;
  return { state, scheduledAt: typeof at === 'string' ? at : null };
}

function draftOf(leaf: ChangeRequestLeaf, id: string, ctx: ChangeRequestContext): Draft | null {
  const operation = operationOf(leaf.refs);
  // A state request names its environment; a definition or archive request concerns every environment (env null).
  if (leaf.flag === null || (leaf.env === null) !== (operation !== 'state')) return null;
  const { state, scheduledAt } = splitPayload(leaf.after);
  const cr: ChangeRequest = {
    id,
    flag: leaf.flag,
    operation,
    env: leaf.env,
    tier: ctx.tierAt(leaf.flag, leaf.idx) ?? UNKNOWN_TIER,
    requester: leaf.actor.id,
    status: 'PENDING',
    approvals: [],
    required: 0,
    before: leaf.before,
    after: state,
    payloadHash: leaf.refs['payload_hash'] ?? '',
    scheduledAt,
    reason: leaf.reason,
    createdIdx: leaf.idx,
  };
  return { cr, approvedBy: [], recordedRequired: recordedQuorum(leaf.refs) };
}

function edit(d: Draft, leaf: ChangeRequestLeaf): void {
  const { state, scheduledAt } = splitPayload(leaf.after);
  d.cr.after = state;
  d.cr.scheduledAt = scheduledAt;
  d.cr.reason = leaf.reason;
  d.cr.payloadHash = leaf.refs['payload_hash'] ?? '';
  // An approved, scheduled request keeps its schedule, but the schedule binds the old hash: it can only be blocked.
  if (d.cr.status === 'APPROVED') d.cr.status = 'VOIDED';
}

function approve(d: Draft, leaf: ChangeRequestLeaf): void {
  d.approvedBy.push({ approver: leaf.actor.id, hash: leaf.refs['payload_hash'] ?? '' });
  const required = isObject(leaf.after) ? leaf.after['required'] : undefined;
  if (typeof required === 'number' && Number.isInteger(required) && required >= 0) d.recordedRequired = required;
}

function apply(d: Draft, leaf: ChangeRequestLeaf): void {
  switch (leaf.action) {
    case 'change_request.updated':
      return edit(d, leaf);
    case 'change_request.approved':
      return approve(d, leaf);
    case 'change_request.rejected':
      d.cr.status = 'REJECTED';
      return;
    case 'change_request.voided':
    case 'schedule.blocked':
      d.cr.status = 'VOIDED';
      return;
    case 'change_request.applied':
    case 'schedule.executed':
      d.cr.status = 'APPLIED';
      return;
    case 'schedule.created':
      d.cr.status = 'APPROVED';
      return;
    default:
      return;
  }
}

function finish(d: Draft, ctx: ChangeRequestContext): ChangeRequest {
  const cr = d.cr;
  const approvals = [...new Set(d.approvedBy.filter((a) => a.hash === cr.payloadHash).map((a) => a.approver))];
  const required = d.recordedRequired ?? requiredApprovals(cr.tier);
  let status = cr.status;
  const open = status === 'PENDING' || status === 'APPROVED';
  if (
    open &&
    ctx.hashPayload !== undefined &&
    ctx.hashPayload(cr.flag, cr.env, cr.after, cr.scheduledAt, cr.operation) !== cr.payloadHash
  ) {
    status = 'VOIDED';
  }
  return { ...cr, status, approvals, required };
}

/** Folds change-request entries (idx order) into requests, newest first. Entries of unknown requests are skipped. */
export function foldChangeRequests(leaves: Iterable<ChangeRequestLeaf>, ctx: ChangeRequestContext): ChangeRequest[] {
  const drafts = new Map<string, Draft>();
  for (const leaf of leaves) {
    const id = leaf.refs['change_request'];
    if (id === undefined) continue;
    if (leaf.action === 'change_request.created') {
      const d = drafts.has(id) ? null : draftOf(leaf, id, ctx);
      if (d !== null) drafts.set(id, d);
      continue;
    }
    const d = drafts.get(id);
    if (d !== undefined && !TERMINAL.includes(d.cr.status)) apply(d, leaf);
  }
  return [...drafts.values()].map((d) => finish(d, ctx)).sort((a, b) => b.createdIdx - a.createdIdx);
}
