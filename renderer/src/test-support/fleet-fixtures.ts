/** Fixtures of the fleet contract (shared/protocol/fleet.ts, shared/ipc/types/fleet.ts) for renderer tests. */
import type { FleetInstance, FleetRoundTrip, FleetView } from '../../../shared/ipc/contract.ts';

/** An instance of `service` on version 120 (current) unless overridden. */
export function fleetInstance(id: string, service: string, over: Partial<FleetInstance> = {}): FleetInstance {
  return {
    instance_id: id,
    environment: 'production',
    service,
    host: `host-${id}`,
    sdk_version: '1.0.0',
    key_name: 'demo',
    connected_since: '2026-11-25T03:00:00.000Z',
    last_seen: '2026-11-25T03:12:58.000Z',
    applied_version: 120,
    applied_at: '2026-11-25T03:12:58.000Z',
    stale: false,
    stale_since: null,
    state: 'current',
    state_since: '2026-11-25T03:00:00.000Z',
    ...over,
  };
}

/** The demo's fleet: two payments instances, three checkout instances of which chk-3 serves its last-known-good. */
export function fleetView(live = true): FleetView {
  return {
    environment: 'production',
    live,
    receivedAt: '2026-11-25T03:13:00.000Z',
    snapshot: {
      environment: 'production',
      latest_version: 120,
      generated_at: '2026-11-25T03:13:00.000Z',
      disconnect_after_ms: 15_000,
      age_out_ms: 600_000,
      instances: [
        fleetInstance('pay-1', 'payments'),
        fleetInstance('pay-2', 'payments', { state: 'behind', applied_version: 117 }),
        fleetInstance('chk-1', 'checkout'),
        fleetInstance('chk-2', 'checkout', { state: 'disconnected', state_since: '2026-11-25T03:12:30.000Z' }),
        fleetInstance('chk-3', 'checkout', {
          state: 'last_known_good',
          stale: true,
          stale_since: '2026-11-25T03:04:00.000Z',
          state_since: '2026-11-25T03:04:00.000Z',
          applied_version: 96,
        }),
      ],
    },
  };
}

/** A finished fleet step of entry 123: `k` of `n`, chk-3 behind when k < n. */
export function fleetStep(status: FleetRoundTrip['status'], k: number, n: number, overdue = false): FleetRoundTrip {
  return {
    status,
    environment: 'production',
    idx: 123,
    k,
    n,
    p50Ms: k > 0 ? 4 : null,
    maxMs: k > 0 ? 9 : null,
    behind:
      k < n
        ? [
            {
              instanceId: 'chk-3',
              service: 'checkout',
              host: 'ip-10-2-3-4',
              state: 'last_known_good',
              appliedVersion: 96,
              stale: true,
              staleSince: '2026-11-25T03:04:00.000Z',
            },
          ]
        : [],
    checkedAt: '2026-11-25T03:13:06.000Z',
    overdue,
    error: null,
  };
}
