/**
 * Fleet slice: the SDK instances of the active profile's environment as main last received them (live, or kept from
 * before and dated), and which straggler alerts of kills and rollbacks this person dismissed.
 */
import type { FleetView } from '../../../shared/ipc/contract.ts';
import type { IpcError } from '../../../shared/ipc/result.ts';
import type { SliceDeps } from './types.ts';

/** Fleet state and its actions. */
export interface FleetSlice {
  fleet: FleetView | null;
  fleetError: IpcError | null;
  /** Receipts whose straggler alert was dismissed here. */
  fleetAlertsDismissed: string[];
  loadFleet(): Promise<void>;
  /** A `fleet:changed` push. */
  applyFleet(view: FleetView): void;
  dismissFleetAlert(receiptKey: string): void;
}

/** Builds the fleet slice. */
export function createFleetSlice({ api, set, get }: SliceDeps): FleetSlice {
  return {
    fleet: null,
    fleetError: null,
    fleetAlertsDismissed: [],
    async loadFleet() {
      const res = await api.fleetGet(null);
      if (res.ok) set({ fleet: res.value, fleetError: null });
      else set({ fleetError: res.error });
    },
    applyFleet: (fleet) => set({ fleet, fleetError: null }),
    dismissFleetAlert: (key) => set({ fleetAlertsDismissed: [...get().fleetAlertsDismissed, key] }),
  };
}
