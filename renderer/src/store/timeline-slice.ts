/** Timeline slice: metrics of the incident's service and the flag changes around it (chart markers and changes table). */
import type { EntryRow, LedgerFilter, MetricsSeries } from '../../../shared/ipc/contract.ts';
import type { IpcError } from '../../../shared/ipc/result.ts';
import type { SliceDeps } from './types.ts';

/** Rows the changes table loads at once (the ledger drawer pages through everything). */
export const CHANGES_LIMIT = 1000;
/** How far after the incident the chart extends. */
export const AFTER_INCIDENT_MS = 10 * 60_000;

/** Which changes the table lists: those in the incident window, or the latest in the whole replica. */
export type ChangesScope = 'window' | 'all';

/** Timeline state and its actions. */
export interface TimelineSlice {
  chartRange: { from: string; to: string } | null;
  metrics: MetricsSeries | null;
  metricsError: IpcError | null;
  changes: EntryRow[];
  changesTotal: number;
  changesError: IpcError | null;
  changesScope: ChangesScope;
  selectedChangeIdx: number | null;
  /** Loads metrics and changes for the current correlation window. */
  loadTimeline(): Promise<void>;
  /** Reloads only the changes (cheap; runs after new ledger entries). */
  loadChanges(): Promise<void>;
  setChangesScope(scope: ChangesScope): void;
  selectChange(idx: number | null): void;
}

const NICE_STEPS = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];

/** Picks the finest round metrics step (seconds) that keeps the chart at most 300 points. */
export function stepFor(fromMs: number, toMs: number): number {
  const span = Math.max(0, (toMs - fromMs) / 1000);
  return NICE_STEPS.find((s) => span / s <= 300) ?? 3600;
}

/** Builds the timeline slice. */
export function createTimelineSlice({ api, set, get }: SliceDeps): TimelineSlice {
  const range = (): { from: string; to: string } | null => {
    const c = get().correlation;
    if (!c) return null;
    return { from: c.window.from, to: new Date(Date.parse(c.incident.at) + AFTER_INCIDENT_MS).toISOString() };
  };
  const loadMetrics = async (r: { from: string; to: string }, service: string | null): Promise<void> => {
    if (!service) {
      set({ metrics: null, metricsError: null });
      return;
    }
    const stepSeconds = stepFor(Date.parse(r.from), Date.parse(r.to));
    const res = await api.metricsSeries({ service, from: r.from, to: r.to, stepSeconds });
    if (JSON.stringify(get().chartRange) !== JSON.stringify(r)) return;
    if (res.ok) set({ metrics: res.value, metricsError: null });
    else set({ metrics: null, metricsError: res.error });
  };
  return {
    chartRange: null,
    metrics: null,
    metricsError: null,
    changes: [],
    changesTotal: 0,
    changesError: null,
    changesScope: 'window',
    selectedChangeIdx: null,
    async loadTimeline() {
      const r = range();
      set({ chartRange: r });
      if (!r) return;
      await Promise.all([loadMetrics(r, get().correlation?.incident.service ?? null), get().loadChanges()]);
    },
    async loadChanges() {
      const scope = get().changesScope;
      const r = get().chartRange;
      if (scope === 'window' && !r) return;
      const filter: LedgerFilter =
        scope === 'window' && r ? { from: r.from, to: r.to, changesOnly: true } : { changesOnly: true };
      const res = await api.ledgerQuery({
        filter,
        offset: 0,
        limit: CHANGES_LIMIT,
        order: scope === 'window' ? 'asc' : 'desc',
      });
      if (get().changesScope !== scope) return;
      if (res.ok) set({ changes: res.value.rows, changesTotal: res.value.total, changesError: null });
      else set({ changesError: res.error });
    },
    setChangesScope(scope) {
      set({ changesScope: scope });
      void get().loadChanges();
    },
    selectChange(idx) {
      set({ selectedChangeIdx: idx });
    },
  };
}
