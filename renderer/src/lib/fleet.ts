/** The fleet view's arithmetic: instances grouped per service, counted by state, ordered for a responder. */
import type { FleetInstance, FleetSnapshot, FleetState } from '../../../shared/ipc/contract.ts';

/** The states in the order a responder reads them: what needs attention first. */
export const STATE_ORDER: readonly FleetState[] = ['disconnected', 'last_known_good', 'behind', 'current'];

/** How each state is called on screen. */
export const STATE_WORDS: Record<FleetState, string> = {
  current: 'on the latest version',
  behind: 'behind',
  last_known_good: 'on last-known-good',
  disconnected: 'disconnected',
};

/** One service's instances and their counts by state. */
export interface ServiceFleet {
  service: string;
  instances: FleetInstance[];
  counts: Record<FleetState, number>;
}

/** Groups the snapshot per service; `first` (the paging service) leads, then services with trouble, then by name. */
export function servicesOf(snapshot: FleetSnapshot | null, first: string | null = null): ServiceFleet[] {
  const by = new Map<string, FleetInstance[]>();
  for (const i of snapshot?.instances ?? []) by.set(i.service, [...(by.get(i.service) ?? []), i]);
  const rank = (s: FleetState): number => STATE_ORDER.indexOf(s);
  const out = [...by.entries()].map(([service, list]): ServiceFleet => {
    const counts: Record<FleetState, number> = { current: 0, behind: 0, last_known_good: 0, disconnected: 0 };
    for (const i of list) counts[i.state]++;
    return {
      service,
      instances: [...list].sort((a, b) => rank(a.state) - rank(b.state) || a.instance_id.localeCompare(b.instance_id)),
      counts,
    };
  });
  const trouble = (f: ServiceFleet): number => (f.counts.current === f.instances.length ? 1 : 0);
  return out.sort(
    (a, b) =>
      Number(b.service === first) - Number(a.service === first) ||
      trouble(a) - trouble(b) ||
      a.service.localeCompare(b.service),
  );
}

/** `3 of 4 on the latest version` plus the others, for one service. */
export function summaryOf(f: ServiceFleet): string {
  const parts = [`${f.counts.current} of ${f.instances.length} on the latest version`];
  for (const s of ['behind', 'last_known_good', 'disconnected'] as const)
    if (f.counts[s] > 0) parts.push(`${f.counts[s]} ${STATE_WORDS[s]}`);
  return parts.join(', ');
}

/** How many versions an instance is behind the latest (null before its first). */
export function versionsBehind(i: FleetInstance, latest: number): number | null {
  return i.applied_version === null ? null : Math.max(0, latest - i.applied_version);
}
