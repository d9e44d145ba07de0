/**
 * The renderer's single store: a cache of main's truth, built from the API it is given so tests pass a fake API
 * without module mocks (docs/conventions.md, Tests). Each feature lives in its own slice file; this file composes them and
 * owns start-up: load the session, then — only when a replica exists — everything derived from it.
 */
import { createStore } from 'zustand/vanilla';
import type { TombstoneApi } from '../../../shared/ipc/contract.ts';
import { createActionsSlice } from './actions-slice.ts';
import { createApprovalsSlice } from './approvals-slice.ts';
import { createBreakGlassSlice } from './break-glass-slice.ts';
import { createCoalescer } from './coalesce.ts';
import { subscribeEvents } from './events.ts';
import { createFlagsSlice } from './flags-slice.ts';
import { createFleetSlice } from './fleet-slice.ts';
import { createIncidentsSlice, RESOLVED_PAGE } from './incidents-slice.ts';
import { createLedgerSlice } from './ledger-slice.ts';
import { createSessionSlice, NO_REPLICA_CODES } from './session-slice.ts';
import { createTimelineSlice } from './timeline-slice.ts';
import type { AppState, AppStore, SliceDeps, StoreOptions } from './types.ts';
import { createUiSlice } from './ui-slice.ts';
import { createVerificationSlice } from './verification-slice.ts';

export type { AppState, AppStore, StoreOptions } from './types.ts';

/** Creates the store over `api` (the preload's or the browser bridge's `window.tombstone`). */
export function createAppStore(api: TombstoneApi, options: StoreOptions = {}): AppStore {
  return createStore<AppState>()((set, get) => {
    const d: SliceDeps = {
      api,
      set,
      get,
      now: options.now ?? Date.now,
      later: createCoalescer(options.refreshDelayMs ?? 300),
    };

    /** Loads everything derived from the replica, or records that there is none (the empty state explains it). */
    const reloadReplica = async (): Promise<void> => {
      // The loads go out with the status request rather than after it (one round trip less before the incident screen).
      // Without a replica they fail with "no replica" codes, which the empty state already explains: their errors are
      // dropped below instead of being shown in panels that are not on screen.
      const status = get().loadVerification();
      const loads = Promise.all([
        get().loadIncidents(),
        get().loadChangeRequests(),
        get().loadEvidence(),
        get().loadBreakGlassPending(),
        get().loadFleet(),
      ]);
      const err = await status;
      if (err) {
        await loads;
        set({
          replica: 'none',
          verification: null,
          replicaNote: err,
          incidentsError: null,
          approvalsError: null,
          verifyError: null,
          breakGlassError: null,
          fleetError: null,
        });
        if (!NO_REPLICA_CODES.includes(err.code)) set({ error: err });
        return;
      }
      set({ replica: 'present', replicaNote: null });
      await loads;
    };

    /** Drops everything derived from the previous profile's replica, so nothing of it is shown for the next one. */
    // `sameControlPlane`: the replica was set aside but the profile is the same, so the round trips of actions in flight
    // (and the decisions and break-glass grant they belong to) stay; they complete in the new replica.
    const resetReplica = (sameControlPlane = false): void => {
      const kept = sameControlPlane
        ? { receipts: get().receipts, decidedHere: get().decidedHere, grant: get().grant }
        : {};
      get().resetLedger();
      set({
        replica: 'unknown',
        replicaNote: null,
        verification: null,
        breakGlassUses: [],
        fleet: null,
        fleetError: null,
        fleetAlertsDismissed: [],
        evidence: [],
        verifyRun: null,
        verifyOutcome: null,
        verifyError: null,
        incidents: [],
        resolvedTotal: 0,
        resolvedLimit: RESOLVED_PAGE,
        incidentsLoaded: false,
        jumpTarget: null,
        incidentAnnouncement: null,
        incidentsError: null,
        selection: null,
        candidateOutcomes: {},
        correlation: null,
        correlationError: null,
        chartRange: null,
        metrics: null,
        metricsError: null,
        changes: [],
        changesTotal: 0,
        changesError: null,
        selectedChangeIdx: null,
        changeRequests: [],
        decidedHere: {},
        approvalsError: null,
        flagResults: [],
        flagDetails: {},
        receipts: {},
        grant: null,
        dialog: null,
        drawer: null,
        ...kept,
      });
    };

    const start = async (): Promise<() => void> => {
      const unsubscribe = subscribeEvents(d, reloadReplica);
      const shell = async (): Promise<void> => {
        const [info, connection] = await Promise.all([api.appInfo(null), api.connectionStatus(null)]);
        if (info.ok) set({ info: info.value });
        else set({ error: info.error });
        if (connection.ok) set({ connection: connection.value });
        else set({ error: connection.error });
      };
      // Independent loads run together: the incident screen waits only for status → incidents → ranking.
      await Promise.all([shell(), get().loadSession(), reloadReplica()]);
      return unsubscribe;
    };

    return {
      ...createSessionSlice(d, { start, reloadReplica, resetReplica }),
      ...createVerificationSlice(d),
      ...createIncidentsSlice(d),
      ...createTimelineSlice(d),
      ...createApprovalsSlice(d),
      ...createActionsSlice(d),
      ...createFlagsSlice(d),
      ...createLedgerSlice(d),
      ...createBreakGlassSlice(d),
      ...createFleetSlice(d),
      ...createUiSlice(d),
    };
  });
}
