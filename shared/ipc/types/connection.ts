/** Profiles, connection state and identity, as the top bar shows them. */

/** A configured control plane + environment; each has its own replica file and pinned keys. */
export interface Profile {
  id: string;
  name: string;
  url: string;
  /** Every URL of this control plane (one per instance of the same ledger, `url` first), when it lists several. */
  urls?: string[];
  environment: string;
  /** The pinned ledger origin (checkpoint first line), null until first contact. */
  origin: string | null;
  active: boolean;
  hasToken: boolean;
  /** Where its ledger comes from: absent for a Tombstone control plane; 'unleash' for an Unleash mirror sealed locally. */
  source?: 'unleash';
}

/** Arguments to add a profile; the token is stored encrypted (safeStorage) or in a 0600 file (browser mode). */
export interface ProfileInput {
  name: string;
  /** The control plane's URL; several instances of the same control plane: URLs separated by commas or spaces. */
  url: string;
  environment: string;
  token: string;
}

/** The role a token carries on the control plane. */
export type Role = 'viewer' | 'responder' | 'approver' | 'admin';

/** Who the active profile's token belongs to. */
export interface Identity {
  name: string;
  role: Role;
}

/** Which of a profile's control-plane URLs is in use (only when it lists several): `position` of `count`, 1-based. */
export interface InstancePosition {
  position: number;
  count: number;
}

/** The last switch to another instance of the same control plane: from, to, when it answered, why the first was left. */
export interface InstanceFailover {
  from: string;
  to: string;
  at: string;
  reason: string;
}

/**
 * The sync engine's connection state machine, as the top bar shows it. `url` is the instance in use (or tried next);
 * `instance` and `failover` are set only for a profile that lists several URLs.
 */
export type SyncState =
  | { kind: 'idle' }
  | { kind: 'connecting'; url: string; instance?: InstancePosition }
  | {
      kind: 'backfilling';
      url: string;
      done: number;
      total: number;
      instance?: InstancePosition;
      failover?: InstanceFailover;
    }
  | {
      kind: 'live';
      url: string;
      roundTripMs: number | null;
      since: string;
      instance?: InstancePosition;
      failover?: InstanceFailover;
    }
  | {
      kind: 'reconnecting';
      url: string;
      attempt: number;
      nextRetryAt: string;
      lastError: string;
      instance?: InstancePosition;
    }
  | { kind: 'offline'; url: string | null; replicaAsOf: string | null; reason: string; instance?: InstancePosition }
  | { kind: 'key-confirmation'; url: string; keyName: string; fingerprint: string; vkey: string }
  | { kind: 'halted'; url: string; code: string; message: string };

/** Progress of an initial sync or catch-up. */
export interface SyncProgress {
  done: number;
  total: number;
  ratePerSecond: number;
  etaSeconds: number | null;
}
