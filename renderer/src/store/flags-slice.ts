/** Flags slice: type-ahead search over the replica's flags and a cache of flag details (blast radius). */
import type { EntryRow, FlagDetail, FlagSummary } from '../../../shared/ipc/contract.ts';
import type { IpcError, Result } from '../../../shared/ipc/result.ts';
import type { SliceDeps } from './types.ts';

/** How many flags a type-ahead asks for. */
export const FLAG_SEARCH_LIMIT = 20;

/** Flags state and its actions. */
export interface FlagsSlice {
  flagQuery: string;
  flagResults: FlagSummary[];
  flagSearchError: IpcError | null;
  flagDetails: Record<string, FlagDetail>;
  /** Searches flags by key/owner/service; stale answers (older queries) are dropped. */
  searchFlags(query: string): Promise<void>;
  /** Loads (and caches) one flag's detail. */
  loadFlag(key: string): Promise<Result<FlagDetail>>;
  /** Reloads the cached details (after new ledger entries: an open dialog then shows the current state). */
  refreshFlagDetails(): Promise<void>;
  /** Ledger entries of `flag` in `env` after `idx`: what changed since a change that a rollback targets. */
  changesSince(flag: string, env: string | null, idx: number): Promise<Result<EntryRow[]>>;
}

/** Builds the flags slice. */
export function createFlagsSlice({ api, set, get }: SliceDeps): FlagsSlice {
  return {
    flagQuery: '',
    flagResults: [],
    flagSearchError: null,
    flagDetails: {},
    async searchFlags(query) {
      set({ flagQuery: query });
      const res = await api.flagsList({ query, limit: FLAG_SEARCH_LIMIT });
      if (get().flagQuery !== query) return;
      if (res.ok) set({ flagResults: res.value, flagSearchError: null });
      else set({ flagResults: [], flagSearchError: res.error });
    },
    async loadFlag(key) {
      const res = await api.flagsGet({ key });
      if (res.ok) set({ flagDetails: { ...get().flagDetails, [key]: res.value } });
      return res;
    },
    async refreshFlagDetails() {
      await Promise.all(Object.keys(get().flagDetails).map((key) => get().loadFlag(key)));
    },
    async changesSince(flag, env, idx) {
      const filter = env ? { flag, env } : { flag };
      const res = await api.ledgerQuery({ filter, offset: 0, limit: 50, order: 'desc' });
      if (!res.ok) return res;
      return { ok: true, value: res.value.rows.filter((r) => r.idx > idx) };
    },
  };
}
