/** Incidents slice: the incident list, the selected (or manually timed) incident and its ranked candidates. */
import type { CorrelationRequest, CorrelationResult, Incident } from '../../../shared/ipc/contract.ts';
import type { IpcError } from '../../../shared/ipc/result.ts';
import type { SliceDeps } from './types.ts';

/** What is being triaged: an incident from the ledger, or a time the responder typed in. */
export type IncidentSelection =
  { kind: 'incident'; id: string } | { kind: 'manual'; at: string; service: string | null };

/** Incidents state and its actions. */
export interface IncidentsSlice {
  incidents: Incident[];
  incidentsError: IpcError | null;
  selection: IncidentSelection | null;
  correlation: CorrelationResult | null;
  correlationError: IpcError | null;
  correlating: boolean;
  /** Reloads the list; selects the first active incident when nothing is selected yet. */
  loadIncidents(): Promise<void>;
  /** Selects a ledger incident and ranks its candidates. */
  selectIncident(id: string): Promise<void>;
  /** Ranks the changes before a manually entered time (RFC 3339), optionally scoped to a service. */
  rankAt(at: string, service: string | null): Promise<void>;
  /** Re-runs the ranking of the current selection (e.g. after new ledger entries). */
  rerank(): Promise<void>;
}

const STATUS_ORDER: Record<Incident['status'], number> = { triggered: 0, acknowledged: 1, resolved: 2 };

/** Active incidents first (triggered, then acknowledged), newest first within a status. */
export function sortIncidents(list: readonly Incident[]): Incident[] {
  return [...list].sort(
    (a, b) =>
      STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || b.triggeredAt.localeCompare(a.triggeredAt) || b.idx - a.idx,
  );
}

function requestFor(sel: IncidentSelection): CorrelationRequest {
  if (sel.kind === 'incident') return { incidentId: sel.id, limit: 3 };
  return sel.service ? { at: sel.at, service: sel.service, limit: 3 } : { at: sel.at, limit: 3 };
}

function sameSelection(a: IncidentSelection | null, b: IncidentSelection): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Builds the incidents slice. */
export function createIncidentsSlice({ api, set, get }: SliceDeps): IncidentsSlice {
  const rank = async (sel: IncidentSelection): Promise<void> => {
    set({ selection: sel, correlating: true, correlationError: null });
    const res = await api.correlationRank(requestFor(sel));
    if (!sameSelection(get().selection, sel)) return; // a newer selection won the race
    if (res.ok) {
      set({ correlation: res.value, correlating: false });
      void get().loadTimeline();
    } else {
      set({ correlation: null, correlationError: res.error, correlating: false });
    }
  };
  return {
    incidents: [],
    incidentsError: null,
    selection: null,
    correlation: null,
    correlationError: null,
    correlating: false,
    async loadIncidents() {
      const res = await api.incidentsList(null);
      if (!res.ok) {
        set({ incidentsError: res.error });
        return;
      }
      const incidents = sortIncidents(res.value);
      set({ incidents, incidentsError: null });
      const first = incidents.find((i) => i.status !== 'resolved') ?? incidents[0];
      if (!get().selection && first) await rank({ kind: 'incident', id: first.id });
    },
    selectIncident: (id) => rank({ kind: 'incident', id }),
    rankAt: (at, service) => rank({ kind: 'manual', at, service }),
    async rerank() {
      const sel = get().selection;
      if (sel) await rank(sel);
    },
  };
}
