/** Approvals slice: the four-eyes queue of change requests, approve (bound to the reviewed hash), reject, create. */
import type { ActionReceipt, ChangeRequest, ChangeRequestInput } from '../../../shared/ipc/contract.ts';
import type { IpcError, Result } from '../../../shared/ipc/result.ts';
import type { SliceDeps } from './types.ts';

/** Which change requests the queue lists. */
export type ApprovalsFilter = 'PENDING' | 'ALL';

/** Approvals state and its actions. */
export interface ApprovalsSlice {
  changeRequests: ChangeRequest[];
  approvalsFilter: ApprovalsFilter;
  approvalsError: IpcError | null;
  loadChangeRequests(): Promise<void>;
  setApprovalsFilter(filter: ApprovalsFilter): void;
  /** Approves `id`, sending exactly the payload hash the reviewer saw on screen. */
  approve(id: string, payloadHashSeen: string): Promise<Result<ActionReceipt>>;
  reject(id: string, reason: string): Promise<Result<ActionReceipt>>;
  /** Opens a change request (optionally scheduled) for four-eyes review. */
  createChangeRequest(input: ChangeRequestInput): Promise<Result<ActionReceipt>>;
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
  return {
    changeRequests: [],
    approvalsFilter: 'PENDING',
    approvalsError: null,
    async loadChangeRequests() {
      const filter = get().approvalsFilter;
      const res = await api.changesList({ status: filter });
      if (get().approvalsFilter !== filter) return;
      if (res.ok) set({ changeRequests: res.value, approvalsError: null });
      else set({ approvalsError: res.error });
    },
    setApprovalsFilter(filter) {
      set({ approvalsFilter: filter });
      void get().loadChangeRequests();
    },
    approve: async (id, payloadHashSeen) => after(await api.changesApprove({ id, payloadHash: payloadHashSeen })),
    reject: async (id, reason) => after(await api.changesReject({ id, reason })),
    createChangeRequest: async (input) => after(await api.changesCreate(input)),
  };
}
