/** Ledger slice: the audit table over the whole replica (paged, cached, virtualized) and one entry's detail and proof. */
import type { EntryDetail, EntryRow, InclusionCheck, LedgerFilter } from '../../../shared/ipc/contract.ts';
import type { IpcError, Result } from '../../../shared/ipc/result.ts';
import { ascPosition, missingPages, PAGE_SIZE, RowCache } from './ledger-cache.ts';
import type { SliceDeps } from './types.ts';

/** Concurrent page requests; newer viewports replace queued ones so a fast scroll does not pile up calls. */
const MAX_IN_FLIGHT = 3;

/** The entry open in the drawer's detail pane. */
export interface OpenEntry {
  idx: number;
  detail: EntryDetail | null;
  error: IpcError | null;
  inclusion: InclusionCheck | null;
  inclusionError: IpcError | null;
  checking: boolean;
}

/** Ledger state and its actions. */
export interface LedgerSlice {
  ledgerFilter: LedgerFilter;
  ledgerOrder: 'asc' | 'desc';
  /** Rows matching the filter; null until the first page answers. */
  ledgerTotal: number | null;
  /** Bumped whenever cached rows change, so the visible rows re-read the cache. */
  ledgerVersion: number;
  ledgerError: IpcError | null;
  openEntry: OpenEntry | null;
  /** The cached row at view position `pos` (not reactive: subscribe to ledgerVersion). */
  ledgerRowAt(pos: number): EntryRow | undefined;
  /** Fetches the pages around view rows [start, end] that are not cached yet. */
  ensureLedgerRows(start: number, end: number): void;
  setLedgerFilter(filter: LedgerFilter): void;
  setLedgerOrder(order: 'asc' | 'desc'): void;
  /** Refreshes the total and the newest rows (after appends, or when the drawer opens). */
  refreshLedgerTotal(): Promise<void>;
  showEntry(idx: number): Promise<void>;
  /** Loads one entry for a dialog without changing the open entry. */
  loadEntry(idx: number): Promise<Result<EntryDetail>>;
  checkInclusion(idx: number): Promise<void>;
  closeEntry(): void;
  /** Forgets every cached row and the open entry (profile switch). */
  resetLedger(): void;
}

/** Drops empty filter fields so the query carries only what the user set. */
export function cleanFilter(filter: LedgerFilter): LedgerFilter {
  return Object.fromEntries(
    Object.entries(filter).filter(([, v]) => v !== '' && v !== undefined && v !== false),
  ) as LedgerFilter;
}

/** Builds the ledger slice. */
export function createLedgerSlice({ api, set, get }: SliceDeps): LedgerSlice {
  const cache = new RowCache();
  let generation = 0;
  let wanted: number[] = [];
  const inFlight = new Set<string>();

  const fetchPage = async (order: 'asc' | 'desc', offset: number, limit = PAGE_SIZE): Promise<void> => {
    const gen = generation;
    const key = `${order}:${offset}`;
    inFlight.add(key);
    const res = await api.ledgerQuery({ filter: get().ledgerFilter, offset, limit, order });
    inFlight.delete(key);
    if (gen !== generation) return;
    if (!res.ok) {
      set({ ledgerError: res.error });
      return;
    }
    const total = Math.max(res.value.total, get().ledgerTotal ?? 0);
    cache.putPage(order, offset, res.value.rows, res.value.total);
    cache.evictAround(ascPosition(offset, order, res.value.total));
    set({ ledgerTotal: total, ledgerVersion: get().ledgerVersion + 1, ledgerError: null });
    pump();
  };
  const pump = (): void => {
    const order = get().ledgerOrder;
    while (inFlight.size < MAX_IN_FLIGHT && wanted.length > 0) {
      const offset = wanted.shift() as number;
      if (!inFlight.has(`${order}:${offset}`)) void fetchPage(order, offset);
    }
  };
  const reset = (): void => {
    generation += 1;
    cache.clear();
    wanted = [];
    inFlight.clear();
    set({ ledgerTotal: null, ledgerVersion: get().ledgerVersion + 1, ledgerError: null });
    void get().refreshLedgerTotal();
  };

  return {
    ledgerFilter: {},
    ledgerOrder: 'desc',
    ledgerTotal: null,
    ledgerVersion: 0,
    ledgerError: null,
    openEntry: null,
    ledgerRowAt(pos) {
      const total = get().ledgerTotal;
      return total === null ? undefined : cache.get(ascPosition(pos, get().ledgerOrder, total));
    },
    ensureLedgerRows(start, end) {
      const total = get().ledgerTotal;
      if (total === null) return;
      wanted = missingPages(cache, start, end, total, get().ledgerOrder);
      pump();
    },
    setLedgerFilter(filter) {
      set({ ledgerFilter: cleanFilter(filter) });
      reset();
    },
    setLedgerOrder(order) {
      if (order === get().ledgerOrder) return;
      set({ ledgerOrder: order });
      wanted = [];
      set({ ledgerVersion: get().ledgerVersion + 1 });
    },
    refreshLedgerTotal: () => fetchPage('desc', 0),
    async showEntry(idx) {
      set({ openEntry: { idx, detail: null, error: null, inclusion: null, inclusionError: null, checking: false } });
      const res = await api.ledgerEntry({ idx });
      const open = get().openEntry;
      if (open?.idx !== idx) return;
      set({ openEntry: res.ok ? { ...open, detail: res.value } : { ...open, error: res.error } });
    },
    loadEntry: (idx) => api.ledgerEntry({ idx }),
    async checkInclusion(idx) {
      const before = get().openEntry;
      if (before?.idx !== idx) return;
      set({ openEntry: { ...before, checking: true, inclusionError: null } });
      const res = await api.ledgerInclusion({ idx });
      const open = get().openEntry;
      if (open?.idx !== idx) return;
      set({
        openEntry: res.ok
          ? { ...open, checking: false, inclusion: res.value }
          : { ...open, checking: false, inclusionError: res.error },
      });
    },
    closeEntry: () => set({ openEntry: null }),
    resetLedger() {
      generation += 1;
      cache.clear();
      wanted = [];
      inFlight.clear();
      set({
        ledgerFilter: {},
        ledgerTotal: null,
        ledgerVersion: get().ledgerVersion + 1,
        ledgerError: null,
        openEntry: null,
      });
    },
  };
}
