/** Fixtures of the fleet contract (shared/protocol/fleet.ts) for the console's tests. */
import type { FleetAppliedReport, FleetEventData, FleetInstance } from '../../../shared/protocol/fleet.ts';

/** One instance of `service`, current at version 120 unless overridden. */
export function instance(id: string, service: string, over: Partial<FleetInstance> = {}): FleetInstance {
  return {
    instance_id: id,
    environment: 'production',
    service,
    host: `ip-10-0-0-${id.length}`,
    sdk_version: '1.0.0',
    key_name: 'demo',
    connected_since: '2026-11-25T03:00:00.000Z',
    last_seen: '2026-11-25T03:10:00.000Z',
    applied_version: 120,
    applied_at: '2026-11-25T03:09:59.000Z',
    stale: false,
    stale_since: null,
    state: 'current',
    state_since: '2026-11-25T03:00:00.000Z',
    ...over,
  };
}

/** A fleet event of `production`. */
export function fleetEvent(instances: FleetInstance[], over: Partial<FleetEventData> = {}): FleetEventData {
  return {
    environment: 'production',
    latest_version: 120,
    generated_at: '2026-11-25T03:10:00.000Z',
    disconnect_after_ms: 15_000,
    age_out_ms: 600_000,
    instances,
    full: true,
    removed: [],
    ...over,
  };
}

/** An applied report of entry 119 with `k` of the given instances applied (the rest behind). */
export function appliedReport(
  applied: { id: string; service: string; ms: number }[],
  behind: { id: string; service: string; stale?: boolean }[],
  over: Partial<FleetAppliedReport> = {},
): FleetAppliedReport {
  const ms = applied.map((a) => a.ms).sort((a, b) => a - b);
  return {
    environment: 'production',
    idx: 119,
    target_version: 120,
    committed_at: '2026-11-25T03:10:00.000Z',
    generated_at: '2026-11-25T03:10:00.100Z',
    n: applied.length + behind.length,
    k: applied.length,
    p50_ms: ms.length === 0 ? null : (ms[Math.floor((ms.length - 1) / 2)] ?? null),
    max_ms: ms.length === 0 ? null : (ms[ms.length - 1] ?? null),
    instances: [
      ...behind.map((b) => ({
        instance_id: b.id,
        service: b.service,
        host: `host-${b.id}`,
        state: b.stale ? ('last_known_good' as const) : ('behind' as const),
        applied_version: 100,
        stale: b.stale ?? false,
        stale_since: b.stale ? '2026-11-25T03:01:00.000Z' : null,
        applied_at: null,
        ms: null,
      })),
      ...applied.map((a) => ({
        instance_id: a.id,
        service: a.service,
        host: `host-${a.id}`,
        state: 'current' as const,
        applied_version: 120,
        stale: false,
        stale_since: null,
        applied_at: '2026-11-25T03:10:00.010Z',
        ms: a.ms,
      })),
    ],
    ...over,
  };
}
