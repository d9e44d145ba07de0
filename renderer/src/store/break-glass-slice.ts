/** Break-glass slice: every use announced by main stays on screen until someone acknowledges it. */
import type { BreakGlassUse } from '../../../shared/ipc/contract.ts';
import type { IpcError } from '../../../shared/ipc/result.ts';
import type { SliceDeps } from './types.ts';

export type { BreakGlassUse } from '../../../shared/ipc/contract.ts';

/** Break-glass state and its actions. */
export interface BreakGlassSlice {
  breakGlassUses: BreakGlassUse[];
  breakGlassError: IpcError | null;
  /** Loads the uses not yet acknowledged in this console (after a start or a profile switch). */
  loadBreakGlassPending(): Promise<void>;
  /** Adds an announced use (idempotent by ledger idx). */
  announceBreakGlass(use: BreakGlassUse): void;
  /** Acknowledges the use at ledger `idx`; the banner stays when the call fails. */
  acknowledgeBreakGlass(idx: number): Promise<void>;
}

/** Builds the break-glass slice. */
export function createBreakGlassSlice({ api, set, get }: SliceDeps): BreakGlassSlice {
  return {
    breakGlassUses: [],
    breakGlassError: null,
    async loadBreakGlassPending() {
      const res = await api.breakGlassPending(null);
      if (!res.ok) {
        set({ breakGlassError: res.error });
        return;
      }
      for (const use of res.value) get().announceBreakGlass(use);
    },
    announceBreakGlass(use) {
      if (get().breakGlassUses.some((u) => u.idx === use.idx)) return;
      set({ breakGlassUses: [...get().breakGlassUses, use] });
    },
    async acknowledgeBreakGlass(idx) {
      const res = await api.breakGlassAcknowledge({ idx });
      if (!res.ok) {
        set({ breakGlassError: res.error });
        return;
      }
      set({ breakGlassUses: get().breakGlassUses.filter((u) => u.idx !== idx), breakGlassError: null });
    },
  };
}
