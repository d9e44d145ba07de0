/** Wires main's events to the store: each push updates the cache it concerns and schedules the refreshes it implies. */
import type { SliceDeps } from './types.ts';

/** Subscribes to every event channel; returns one function that unsubscribes them all. */
export function subscribeEvents(d: SliceDeps, reloadReplica: () => Promise<void>): () => void {
  const { api, set, get, later } = d;
  /** Reads again every list the replica's entries feed (coalesced: a burst of events costs one read of each). */
  const rereadLists = (): void => {
    later('changes', () => void get().loadChanges());
    later('outcomes', () => void get().loadOutcomes());
    later('flagDetails', () => void get().refreshFlagDetails());
    later('approvals', () => void get().loadChangeRequests());
    // Uses in entries that arrive by back-fill are not announced one by one: the pending list is read again.
    later('breakGlass', () => void get().loadBreakGlassPending());
    if (get().drawer) later('ledger', () => void get().refreshLedgerTotal());
  };
  const offs = [
    api.onConnectionChanged((connection) => {
      set({ connection });
      if (connection.kind === 'reachable' && connection.identity) set({ identity: connection.identity });
    }),
    api.onSyncChanged((sync) => {
      set({ sync });
      if (get().replica !== 'present' && (sync.kind === 'live' || sync.kind === 'backfilling'))
        later('replica', () => void reloadReplica());
    }),
    api.onSyncProgressed((syncProgress) => set({ syncProgress })),
    api.onLedgerAppended(({ receivedSize }) => {
      const v = get().verification;
      if (v) set({ verification: { ...v, receivedSize, pending: Math.max(0, receivedSize - v.verifiedSize) } });
      if (get().replica !== 'present') {
        later('replica', () => void reloadReplica());
        return;
      }
      rereadLists();
    }),
    // The lists read while main was still indexing a backlog may lack its newest entries: read once more at the end.
    // The incidents too: main announces a change of them only when its own count differs from the last it announced,
    // which misses the case of a list read in between (cheap to read again: two index ranges).
    api.onLedgerIndexed(() => {
      if (get().replica !== 'present') return;
      rereadLists();
      later('incidents', () => void get().loadIncidents());
    }),
    api.onLedgerVerified(({ verifiedSize, rootHex }) => {
      const v = get().verification;
      if (v)
        set({ verification: { ...v, verifiedSize, rootHex, pending: Math.max(0, v.receivedSize - verifiedSize) } });
      // checkpointAt comes only from the status call.
      later('verification', () => void get().loadVerification());
    }),
    api.onLedgerAlerted((evidence) => get().applyAlert(evidence)),
    api.onVerifyProgressed((p) => get().applyVerifyProgress(p)),
    api.onVerifyFinished((o) => get().applyVerifyOutcome(o)),
    api.onActionsUpdated((receipt) => {
      get().trackReceipt(receipt);
      if (receipt.status !== 'verified') return;
      later('rerank', () => void get().rerank());
      // A decision taken here reached the replica: its card's status is read again from there.
      if (Object.values(get().decidedHere).some((d) => d.receiptKey === receipt.idempotencyKey))
        later('approvals', () => void get().loadChangeRequests());
    }),
    api.onBreakGlassUsed((use) => get().announceBreakGlass(use)),
    api.onIncidentsChanged(() => later('incidents', () => void get().loadIncidents())),
    api.onFleetChanged((view) => get().applyFleet(view)),
  ];
  return () => offs.forEach((off) => off());
}
