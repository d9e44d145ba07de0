/** Approvals slice: the four-eyes queue of change requests, approve (bound to the reviewed hash), reject, create. */
import type { ActionReceipt, ChangeRequest, ChangeRequestInput } from '../../../shared/ipc/contract.ts';
import type { IpcError, Result } from '../../../shared/ipc/result.ts';
import type { SliceDeps } from './types.ts';

/** Which change requests the queue lists. */
export type ApprovalsFilter = 'PENDING' | 'ALL';

/** A change request approved or rejected from this console: it stays in the queue, with its round trip, until dismissed. */
export interface DecidedHere {
  /** The request as last seen: as reviewed at first, then refreshed from every list that holds it. */
  cr: ChangeRequest;
  decision: 'approved' | 'rejected';
  /** Idempotency key of the decision's receipt in `receipts` (its round trip). */
  receiptKey: string;
}

/** Approvals state and its actions. */
export interface ApprovalsSlice {
  changeRequests: ChangeRequest[];
  approvalsFilter: ApprovalsFilter;
  approvalsError: IpcError | null;
  /** Requests decided from this console, by id; they outlive the list reload that drops them from 'PENDING'. */
  decidedHere: Record<string, DecidedHere>;
  loadChangeRequests(): Promise<void>;
  setApprovalsFilter(filter: ApprovalsFilter): void;
  /** Approves `id`, sending exactly the payload hash the reviewer saw on screen. */
  approve(id: string, payloadHashSeen: string): Promise<Result<ActionReceipt>>;
  reject(id: string, reason: string): Promise<Result<ActionReceipt>>;
  /** Opens a change request (optionally scheduled) for four-eyes review. */
  createChangeRequest(input: ChangeRequestInput): Promise<Result<ActionReceipt>>;
  /** Removes a decided request's card (and its round trip) from the queue, unless the list still holds it. */
  dismissDecided(id: string): void;
}

/** Statuses a request can still leave (APPROVED becomes APPLIED, e.g. at its scheduled time). */
const UNSETTLED: readonly ChangeRequest['status'][] = ['PENDING', 'APPROVED'];

/** How far along its life a request is: a replica only moves a request forward, never back. */
function progress(cr: ChangeRequest): number {
  const stage = cr.status === 'PENDING' ? 0 : cr.status === 'APPROVED' ? 1 : 2;
  return stage * 1000 + cr.approvals.length;
}

/**
 * Refreshes the decided requests from a list. Entries whose receipt is gone are dropped: the store clears the receipts
 * only when it drops everything of a replica (profile switch), and a decision from another replica must not show. A
 * list read earlier than the one already applied (loads overlap) cannot move a request back.
 */
export function refreshDecided(
  decided: Record<string, DecidedHere>,
  list: readonly ChangeRequest[],
  receipts: Record<string, ActionReceipt>,
): Record<string, DecidedHere> {
  const byId = new Map(list.map((cr) => [cr.id, cr]));
  const next: Record<string, DecidedHere> = {};
  for (const [id, d] of Object.entries(decided)) {
    const listed = byId.get(id);
    if (receipts[d.receiptKey])
      next[id] = { ...d, cr: listed !== undefined && progress(listed) >= progress(d.cr) ? listed : d.cr };
  }
  return next;
}

/** True when a decided request has left `list` while it may still change status, so its new status must be looked up. */
function needsLookup(decided: Record<string, DecidedHere>, list: readonly ChangeRequest[]): boolean {
  const listed = new Set(list.map((cr) => cr.id));
  return Object.values(decided).some((d) => !listed.has(d.cr.id) && UNSETTLED.includes(d.cr.status));
}

/** Builds the approvals slice. */
export function createApprovalsSlice({ api, set, get }: SliceDeps): ApprovalsSlice {
  const after = (res: Result<ActionReceipt>): Result<ActionReceipt> => {
    if (res.ok) {
      get().trackReceipt(res.value);
      void get().loadChangeRequests();
    }
    return res;
  };
  /** Keeps the decided request (as the reviewer saw it) and its receipt key in the store, where the list reload cannot drop them. */
  const decide = (id: string, decision: DecidedHere['decision'], res: Result<ActionReceipt>): Result<ActionReceipt> => {
    const cr = get().changeRequests.find((c) => c.id === id) ?? get().decidedHere[id]?.cr;
    if (res.ok && cr)
      set({ decidedHere: { ...get().decidedHere, [id]: { cr, decision, receiptKey: res.value.idempotencyKey } } });
    return after(res);
  };
  // Loads overlap (one after each decision, one per burst of appended entries); only the latest started may write, so an
  // earlier load's answer, read from the replica before the applied entry arrived, cannot overwrite a newer status.
  let generation = 0;
  return {
    changeRequests: [],
    approvalsFilter: 'PENDING',
    approvalsError: null,
    decidedHere: {},
    async loadChangeRequests() {
      const filter = get().approvalsFilter;
      const mine = ++generation;
      const res = await api.changeRequestsList({ status: filter });
      if (mine !== generation || get().approvalsFilter !== filter) return;
      if (!res.ok) {
        set({ approvalsError: res.error });
        return;
      }
      set({
        changeRequests: res.value,
        approvalsError: null,
        decidedHere: refreshDecided(get().decidedHere, res.value, get().receipts),
      });
      // A request decided here that left the pending list has a new status the pending list cannot tell.
      if (filter === 'ALL' || !needsLookup(get().decidedHere, res.value)) return;
      // Applied even when a newer load started: refreshDecided never moves a request back, and a newer load may not
      // look it up (its own list can still hold the request).
      const all = await api.changeRequestsList({ status: 'ALL' });
      if (all.ok) set({ decidedHere: refreshDecided(get().decidedHere, all.value, get().receipts) });
    },
    setApprovalsFilter(filter) {
      set({ approvalsFilter: filter });
      void get().loadChangeRequests();
    },
    approve: async (id, payloadHashSeen) =>
      decide(id, 'approved', await api.changeRequestsApprove({ id, payloadHash: payloadHashSeen })),
    reject: async (id, reason) => decide(id, 'rejected', await api.changeRequestsReject({ id, reason })),
    createChangeRequest: async (input) => after(await api.changeRequestsCreate(input)),
    dismissDecided(id) {
      const { [id]: _gone, ...rest } = get().decidedHere;
      set({ decidedHere: rest });
    },
  };
}
