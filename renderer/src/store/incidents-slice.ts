/**
 * Incidents slice: the incident list, the selected (or manually timed) incident and its ranked candidates, and the
 * rule that the live incident takes the screen: the default selection is the most severe active incident (never a
 * resolved one); a newly triggered incident at least as severe as the one on screen takes it, unless the responder
 * is in the middle of something (a dialog, typing, a selection of their own in the last 30 s) — then it waits
 * behind a "jump (J)" bar. Either way it is announced (title, live region; main shows the native notification).
 */
import type { CorrelationRequest, CorrelationResult, EntryRow, Incident } from '../../../shared/ipc/contract.ts';
import type { IpcError } from '../../../shared/ipc/result.ts';
import type { SliceDeps } from './types.ts';

/** What is being triaged: an incident from the ledger, or a time the responder typed in. */
export type IncidentSelection =
  { kind: 'incident'; id: string } | { kind: 'manual'; at: string; service: string | null };

/** Resolved incidents per page: a year of history holds thousands, the screen needs the latest. */
export const RESOLVED_PAGE = 50;

/** How long a selection or keystroke of the responder's own keeps a new incident from taking the screen. */
export const BUSY_MS = 30_000;

/**
 * How long before the console opened an incident may have been triggered and still count as new when it first appears
 * (clock skew, a late webhook). Older ones that appear later came with the history (a first back-fill): they are not
 * announced, and only the default rule looks at them.
 */
export const NEW_SINCE_OPEN_MS = 5 * 60_000;

/** Incidents state and its actions. */
export interface IncidentsSlice {
  /** Every active incident, then the newest `resolvedLimit` resolved ones. */
  incidents: Incident[];
  /** How many resolved incidents the replica holds (the list holds a page of them). */
  resolvedTotal: number;
  /** How many resolved incidents the list asks for: a page, grown by "show more". */
  resolvedLimit: number;
  /** Asks for the next page of resolved incidents. */
  showMoreResolved(): Promise<void>;
  incidentsError: IpcError | null;
  selection: IncidentSelection | null;
  correlation: CorrelationResult | null;
  correlationError: IpcError | null;
  correlating: boolean;
  /** A newly triggered incident waiting for the responder to jump to it (they were busy when it arrived). */
  jumpTarget: Incident | null;
  /** False until the first list of this replica arrived (incidents in it are not announced as new). */
  incidentsLoaded: boolean;
  /** The last announcement of a new incident (read by the live region and the window title). */
  incidentAnnouncement: { id: string; text: string; severity: string } | null;
  /**
   * True while what is on screen was chosen by the default rule and the responder has not acted on it (no selection
   * of their own, no dialog opened, no new incident took the screen): the screen then keeps following the rule as the
   * list fills in or changes (history arriving by back-fill, an incident resolved elsewhere), so it never rests on a
   * resolved incident.
   */
  selectionByDefault: boolean;
  /** When the responder last selected something themselves, and last typed into a field (ms). */
  lastSelectAt: number;
  lastInputAt: number;
  /** Per candidate (by its ledger idx): the latest later change of the same flag and environment, if any. */
  candidateOutcomes: Record<number, EntryRow>;
  /** Looks up what happened to each candidate since it was ranked (a rollback, a kill, another change). */
  loadOutcomes(): Promise<void>;
  /** Reloads the list; the first load selects the most severe active incident, later ones handle new incidents. */
  loadIncidents(): Promise<void>;
  /** Selects a ledger incident (the responder's choice) and ranks its candidates. */
  selectIncident(id: string): Promise<void>;
  /** Ranks the changes before a manually entered time (RFC 3339), optionally scoped to a service. */
  rankAt(at: string, service: string | null): Promise<void>;
  /** Re-runs the ranking of the current selection (e.g. after new ledger entries). */
  rerank(): Promise<void>;
  /** Shows the incident behind the jump bar. */
  jumpToIncident(): Promise<void>;
  /** Dismisses the jump bar (the incident stays in the list). */
  dismissJump(): void;
  /** Records that the responder typed into a field (keeps a new incident from replacing the screen for 30 s). */
  noteInput(): void;
}

const STATUS_ORDER: Record<Incident['status'], number> = { triggered: 0, acknowledged: 1, resolved: 2 };
const SEVERITY_ORDER: Record<string, number> = { critical: 4, error: 3, warning: 2, info: 1 };

/** A comparable severity rank: critical 4 … info 1, unknown 0. */
export function severityRank(severity: string): number {
  return SEVERITY_ORDER[severity] ?? 0;
}

/** Active incidents first (triggered, then acknowledged), newest first within a status. */
export function sortIncidents(list: readonly Incident[]): Incident[] {
  return [...list].sort(
    (a, b) =>
      STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || b.triggeredAt.localeCompare(a.triggeredAt) || b.idx - a.idx,
  );
}

/** The incident the screen opens on: the most severe active one (newest among equals), never a resolved one. */
export function defaultIncident(list: readonly Incident[]): Incident | null {
  let best: Incident | null = null;
  for (const i of list) {
    if (i.status === 'resolved') continue;
    if (
      !best ||
      severityRank(i.severity) > severityRank(best.severity) ||
      (severityRank(i.severity) === severityRank(best.severity) &&
        (i.triggeredAt > best.triggeredAt || (i.triggeredAt === best.triggeredAt && i.idx > best.idx)))
    )
      best = i;
  }
  return best;
}

function requestFor(sel: IncidentSelection): CorrelationRequest {
  if (sel.kind === 'incident') return { incidentId: sel.id, limit: 3 };
  return sel.service ? { at: sel.at, service: sel.service, limit: 3 } : { at: sel.at, limit: 3 };
}

function sameSelection(a: IncidentSelection | null, b: IncidentSelection): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** "service: title", unless the title already starts with its service. */
export function headline(i: Incident): string {
  return i.title.toLowerCase().startsWith(`${i.service.toLowerCase()}:`) ? i.title : `${i.service}: ${i.title}`;
}

/** The sentence announcing a new incident. */
export function announcementOf(i: Incident): string {
  return `New ${i.severity} incident — ${headline(i)}`;
}

/** Builds the incidents slice. */
export function createIncidentsSlice({ api, set, get, now }: SliceDeps): IncidentsSlice {
  // Ids seen in an earlier load: only incidents that appear after the first load are "new".
  let known: Set<string> | null = null;
  const openedAt = now();
  // Answers of list requests that a newer request overtook are dropped (they may arrive out of order).
  let listRequest = 0;
  const rank = async (sel: IncidentSelection): Promise<void> => {
    set({ selection: sel, correlating: true, correlationError: null });
    const res = await api.correlationRank(requestFor(sel));
    if (!sameSelection(get().selection, sel)) return; // a newer selection won the race
    if (res.ok) {
      set({ correlation: res.value, correlating: false });
      void get().loadTimeline();
      void get().loadOutcomes();
    } else {
      set({ correlation: null, correlationError: res.error, correlating: false });
    }
  };
  const busy = (): boolean => {
    const s = get();
    const t = now();
    return s.dialog !== null || s.overlay !== null || t - s.lastSelectAt < BUSY_MS || t - s.lastInputAt < BUSY_MS;
  };
  /** The severity of what is on screen; a resolved, manual or empty selection yields to any new incident. */
  const shownSeverity = (): number => {
    const sel = get().selection;
    if (sel?.kind !== 'incident') return 0;
    const shown = get().incidents.find((i) => i.id === sel.id);
    return shown && shown.status !== 'resolved' ? severityRank(shown.severity) : 0;
  };
  const arrived = async (fresh: Incident): Promise<void> => {
    set({ incidentAnnouncement: { id: fresh.id, text: announcementOf(fresh), severity: fresh.severity } });
    if (severityRank(fresh.severity) < shownSeverity()) return;
    if (busy() && get().selection !== null) {
      set({ jumpTarget: fresh });
      return;
    }
    set({ jumpTarget: null, selectionByDefault: false });
    await rank({ kind: 'incident', id: fresh.id });
  };
  /** Applies the default rule again to a screen it chose: the most severe active incident, or the calm state. */
  const followDefault = async (incidents: readonly Incident[]): Promise<void> => {
    const best = defaultIncident(incidents);
    const sel = get().selection;
    const shown = sel?.kind === 'incident' ? sel.id : null;
    if ((best?.id ?? null) === shown) return;
    if (best) await rank({ kind: 'incident', id: best.id });
    else set({ selection: null, correlation: null, correlationError: null, correlating: false });
  };
  return {
    incidents: [],
    resolvedTotal: 0,
    resolvedLimit: RESOLVED_PAGE,
    incidentsError: null,
    selection: null,
    correlation: null,
    correlationError: null,
    correlating: false,
    jumpTarget: null,
    candidateOutcomes: {},
    incidentsLoaded: false,
    incidentAnnouncement: null,
    selectionByDefault: false,
    lastSelectAt: Number.NEGATIVE_INFINITY,
    lastInputAt: Number.NEGATIVE_INFINITY,
    async loadOutcomes() {
      const c = get().correlation;
      if (!c) return;
      const found: Record<number, EntryRow> = {};
      await Promise.all(
        c.candidates.map(async (cand) => {
          const res = await get().changesSince(cand.flag_key, cand.environment, cand.ledger_idx);
          const latest = res.ok ? res.value.find((r) => r.action.startsWith('flag.')) : undefined;
          if (latest) found[cand.ledger_idx] = latest;
        }),
      );
      if (get().correlation === c) set({ candidateOutcomes: found });
    },
    async loadIncidents() {
      const request = ++listRequest;
      const res = await api.incidentsList({ resolvedLimit: get().resolvedLimit });
      if (request !== listRequest) return; // a newer list is on its way
      if (!res.ok) {
        set({ incidentsError: res.error });
        return;
      }
      const incidents = sortIncidents(res.value.incidents);
      const firstLoad = !get().incidentsLoaded || known === null;
      set({ incidents, resolvedTotal: res.value.resolvedTotal, incidentsError: null, incidentsLoaded: true });
      const jump = get().jumpTarget;
      if (jump && incidents.find((i) => i.id === jump.id)?.status === 'resolved') set({ jumpTarget: null });
      if (firstLoad || known === null) {
        // First load (or after a profile switch): open on the live incident, or on the calm "nothing active" state.
        known = new Set(incidents.map((i) => i.id));
        if (!get().selection) {
          set({ selectionByDefault: true });
          await followDefault(incidents);
        }
        return;
      }
      const seen = known;
      const unseen = incidents.filter((i) => !seen.has(i.id));
      for (const i of unseen) seen.add(i.id);
      const fresh = defaultIncident(unseen.filter((i) => Date.parse(i.triggeredAt) >= openedAt - NEW_SINCE_OPEN_MS));
      if (fresh) await arrived(fresh);
      else if (get().selectionByDefault && !busy()) await followDefault(incidents);
    },
    async showMoreResolved() {
      set({ resolvedLimit: get().resolvedLimit + RESOLVED_PAGE });
      await get().loadIncidents();
    },
    async selectIncident(id) {
      set({ selectionByDefault: false });
      const jump = get().jumpTarget;
      set({ lastSelectAt: now(), jumpTarget: jump?.id === id ? null : jump });
      await rank({ kind: 'incident', id });
    },
    rankAt(at, service) {
      set({ selectionByDefault: false, lastSelectAt: now() });
      return rank({ kind: 'manual', at, service });
    },
    async rerank() {
      const sel = get().selection;
      if (sel) await rank(sel);
    },
    async jumpToIncident() {
      const target = get().jumpTarget;
      if (!target) return;
      set({ selectionByDefault: false, jumpTarget: null, lastSelectAt: now() });
      await rank({ kind: 'incident', id: target.id });
    },
    dismissJump: () => set({ jumpTarget: null }),
    noteInput: () => set({ lastInputAt: now() }),
  };
}
