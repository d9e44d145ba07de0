/** What the approvals queue shows: the listed requests plus those decided here, pending and decided-here ones first. */
import type { ChangeRequest } from '../../../../shared/ipc/contract.ts';
import type { DecidedHere } from '../../store/approvals-slice.ts';

/** How many requests decided elsewhere are rendered at a time under "show decided". */
export const DECIDED_PAGE = 25;

/** One card: the request, and the decision taken in this console if any. */
export interface QueueItem {
  cr: ChangeRequest;
  decided: DecidedHere | null;
}

/** The queue split in what is always rendered (pending, decided here) and what is paged (decided elsewhere). */
export interface Queue {
  always: QueueItem[];
  paged: QueueItem[];
}

/** Requests decided here whose round trip belongs to this replica (a profile switch clears the receipts). */
export function decidedWithReceipts(s: {
  decidedHere: Record<string, DecidedHere>;
  receipts: Record<string, unknown>;
}): DecidedHere[] {
  return Object.values(s.decidedHere).filter((d) => s.receipts[d.receiptKey] !== undefined);
}

/** Merges `list` with the requests decided here that it no longer holds (their last known version), newest first. */
export function buildQueue(list: readonly ChangeRequest[], decided: readonly DecidedHere[]): Queue {
  const byId = new Map(decided.map((d) => [d.cr.id, d]));
  const listed = new Set(list.map((cr) => cr.id));
  const items: QueueItem[] = [
    ...list.map((cr) => ({ cr, decided: byId.get(cr.id) ?? null })),
    ...decided.filter((d) => !listed.has(d.cr.id)).map((d) => ({ cr: d.cr, decided: d })),
  ].sort((a, b) => b.cr.createdIdx - a.cr.createdIdx);
  const always = items.filter((i) => i.cr.status === 'PENDING' || i.decided !== null);
  const paged = items.filter((i) => i.cr.status !== 'PENDING' && i.decided === null);
  return { always, paged };
}

/** Label of the button that renders the next page of decided requests, or null when none are left. */
export function moreLabel(left: number): string | null {
  return left > 0 ? `Show ${Math.min(DECIDED_PAGE, left)} more (${left} left)` : null;
}
