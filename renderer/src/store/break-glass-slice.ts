/**
 * Break-glass slice: the uses of the last 24 hours with the signed-in person's acknowledgement. An unacknowledged use
 * stays announced (one compact line) until that person acknowledges it; main keeps the acknowledgement per person.
 */
import type { BreakGlassRecord, BreakGlassUse } from '../../../shared/ipc/contract.ts';
import type { IpcError } from '../../../shared/ipc/result.ts';
import type { SliceDeps } from './types.ts';

export type { BreakGlassRecord, BreakGlassUse } from '../../../shared/ipc/contract.ts';

/** Break-glass state and its actions. */
export interface BreakGlassSlice {
  /** Uses of the last 24 hours (and any announced since), newest first. */
  breakGlassUses: BreakGlassRecord[];
  breakGlassError: IpcError | null;
  /** Loads the uses of the last 24 hours with this person's acknowledgements (after a start or a profile switch). */
  loadBreakGlassPending(): Promise<void>;
  /** Adds an announced use (idempotent by ledger idx). */
  announceBreakGlass(use: BreakGlassUse): void;
  /** Acknowledges the use at ledger `idx`; it stays announced when the call fails. */
  acknowledgeBreakGlass(idx: number): Promise<void>;
}

/** The uses nobody at this console has acknowledged yet, newest first. */
export function unacknowledged(uses: readonly BreakGlassRecord[]): BreakGlassRecord[] {
  return uses.filter((u) => u.acknowledgedBy === null);
}

function newestFirst(list: BreakGlassRecord[]): BreakGlassRecord[] {
  return [...list].sort((a, b) => b.idx - a.idx);
}

/** Builds the break-glass slice. */
export function createBreakGlassSlice({ api, set, get, now }: SliceDeps): BreakGlassSlice {
  return {
    breakGlassUses: [],
    breakGlassError: null,
    async loadBreakGlassPending() {
      const res = await api.breakGlassRecent(null);
      if (!res.ok) {
        set({ breakGlassError: res.error });
        return;
      }
      const current = get().breakGlassUses;
      const local = new Map(current.map((u) => [u.idx, u]));
      // An acknowledgement is never taken back: a list read while this person's acknowledgements were still on their
      // way to main may not have them yet, and must not bring those uses back onto the screen.
      const loaded = res.value.map((u) => {
        const mine = local.get(u.idx);
        return u.acknowledgedBy === null && mine !== undefined && mine.acknowledgedBy !== null ? mine : u;
      });
      const ids = new Set(loaded.map((u) => u.idx));
      // Uses announced while the list was loading are kept.
      set({ breakGlassUses: newestFirst([...loaded, ...current.filter((u) => !ids.has(u.idx))]) });
    },
    announceBreakGlass(use) {
      if (get().breakGlassUses.some((u) => u.idx === use.idx)) return;
      const record: BreakGlassRecord = { ...use, acknowledgedBy: null, acknowledgedAt: null };
      set({ breakGlassUses: newestFirst([...get().breakGlassUses, record]) });
    },
    async acknowledgeBreakGlass(idx) {
      const res = await api.breakGlassAcknowledge({ idx });
      if (!res.ok) {
        set({ breakGlassError: res.error });
        return;
      }
      const by = get().identity?.name ?? 'you';
      const at = new Date(now()).toISOString();
      set({
        breakGlassUses: get().breakGlassUses.map((u) =>
          u.idx === idx && u.acknowledgedBy === null ? { ...u, acknowledgedBy: by, acknowledgedAt: at } : u,
        ),
        breakGlassError: null,
      });
    },
  };
}
