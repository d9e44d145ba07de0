/** The SDK fleet as the console shows it: the last snapshot it holds, and the last step of an action's round trip. */
import type { FleetSnapshot, FleetState } from '../../protocol/fleet.ts';

export type { FleetInstance, FleetSnapshot, FleetState } from '../../protocol/fleet.ts';

/** The fleet of the active profile's environment, as the console last received it. */
export interface FleetView {
  environment: string;
  /** The last snapshot the console holds (from the metrics stream, kept on disk); null before the first one. */
  snapshot: FleetSnapshot | null;
  /** When the console received the newest fleet data it holds (ISO); null when it never did. */
  receivedAt: string | null;
  /**
   * True while the metrics stream delivers fleet events; false: what is shown is the snapshot as of `receivedAt` (the
   * console is offline, or the stream is reconnecting), and nothing in it may be taken as current.
   */
  live: boolean;
}

/** An SDK instance that had not applied an action's entry when the console last checked. */
export interface FleetStraggler {
  instanceId: string;
  service: string;
  host: string;
  state: FleetState;
  /** The config version it last said it applied (null before its first). */
  appliedVersion: number | null;
  /** Serving from its last-known-good file since `staleSince`. */
  stale: boolean;
  staleSince: string | null;
}

/**
 * The round trip's last step: which SDK instances applied the action's ledger entry. `checking`: the console is
 * asking the control plane while some have not; `complete`: k = n; `partial`: it stopped asking with k < n (the
 * stragglers are named); `unchecked`: it could not ask (offline, or the control plane has no fleet) — nothing is
 * claimed then.
 */
export interface FleetRoundTrip {
  status: 'checking' | 'complete' | 'partial' | 'unchecked';
  environment: string;
  idx: number;
  /** Instances whose applied version reached idx + 1, of the n in the registry (null before the first answer). */
  k: number | null;
  n: number | null;
  /** Milliseconds from the entry's commit to each instance's ack, over the applied instances. */
  p50Ms: number | null;
  maxMs: number | null;
  /** The instances that had not applied it at the last answer, as the control plane described them. */
  behind: FleetStraggler[];
  /** When the last answer was received (ISO); null when none was. */
  checkedAt: string | null;
  /** True once an instance was still behind 5 s after the commit of a kill or rollback (alert and notification). */
  overdue: boolean;
  /** Why it could not be checked (status `unchecked`), or why checking stopped early. */
  error: { code: string; message: string } | null;
}
