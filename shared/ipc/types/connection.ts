/** Profiles, connection state and identity, as the top bar shows them. */

/** A configured control plane + environment; each has its own replica file and pinned keys. */
export interface Profile {
  id: string;
  name: string;
  url: string;
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

/** The sync engine's connection state machine, as the top bar shows it. */
export type SyncState =
  | { kind: 'idle' }
  | { kind: 'connecting'; url: string }
  | { kind: 'backfilling'; url: string; done: number; total: number }
  | { kind: 'live'; url: string; roundTripMs: number | null; since: string }
  | { kind: 'reconnecting'; url: string; attempt: number; nextRetryAt: string; lastError: string }
  | { kind: 'offline'; url: string | null; replicaAsOf: string | null; reason: string }
  | { kind: 'key-confirmation'; url: string; keyName: string; fingerprint: string; vkey: string }
  | { kind: 'halted'; url: string; code: string; message: string };

/** Progress of an initial sync or catch-up. */
export interface SyncProgress {
  done: number;
  total: number;
  ratePerSecond: number;
  etaSeconds: number | null;
}
