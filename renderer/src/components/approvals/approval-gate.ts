/** Why the signed-in person cannot approve a given change request (four-eyes, role, offline), or null. */
import type { ChangeRequest, Identity, SyncState } from '../../../../shared/ipc/contract.ts';
import { blockReason } from '../../store/gates.ts';

/** The reason, in words; the control plane enforces the same rules (SELF_APPROVAL, DUPLICATE_APPROVAL, FORBIDDEN). */
export function approveBlock(cr: ChangeRequest, identity: Identity | null, sync: SyncState): string | null {
  if (cr.status !== 'PENDING')
    return `This request is ${cr.status.toLowerCase()}; only pending requests can be approved.`;
  if (identity && cr.requester === identity.name) {
    return `You (${identity.name}) requested this change. Four-eyes review needs ${cr.required === 1 ? 'another person' : `${cr.required} other people`} to approve it; the control plane refuses self-approval.`;
  }
  if (identity && cr.approvals.includes(identity.name))
    return 'You already approved this request; it needs approval from someone else.';
  return blockReason(sync, identity, 'review');
}
