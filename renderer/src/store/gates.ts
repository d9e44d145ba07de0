/**
 * Why an action is unavailable right now, in words: offline and sync states, missing identity, or a role that
 * lacks the permission. The control plane enforces all of this again; the UI explains it before a click fails.
 */
import type { Identity, Profile, Role, SyncState } from '../../../shared/ipc/contract.ts';
import { explainSyncError } from '../lib/sync-error.ts';
import { clock } from '../lib/time-format.ts';

/** Things a person can do from the console. */
export type Capability = 'kill' | 'rollback' | 'breakGlass' | 'review' | 'propose' | 'incident';

const ROLES_FOR: Record<Capability, readonly Role[]> = {
  kill: ['responder', 'admin'],
  rollback: ['responder', 'admin'],
  breakGlass: ['responder', 'admin'],
  review: ['approver', 'admin'],
  propose: ['responder', 'approver', 'admin'],
  incident: ['responder', 'approver', 'admin'],
};

const VERB: Record<Capability, string> = {
  kill: 'use the kill switch',
  rollback: 'roll back changes',
  breakGlass: 'issue break-glass tokens',
  review: 'approve or reject change requests',
  propose: 'open change requests',
  incident: 'acknowledge or resolve incidents',
};

/** The reason actions are unavailable because of the sync state, or null when the control plane is live. */
export function syncBlock(sync: SyncState): string | null {
  switch (sync.kind) {
    case 'live':
    case 'backfilling':
      return null;
    case 'idle':
      return 'Ledger sync is not running, so the result of an action could not be confirmed. Select or add a profile.';
    case 'connecting':
      return `Connecting to ${sync.url}; actions are available once the ledger stream is live.`;
    case 'reconnecting':
      return `Reconnecting to ${sync.url} (attempt ${sync.attempt}, next retry ${clock(sync.nextRetryAt)}): ${explainSyncError(sync.lastError)}. Actions need a live connection.`;
    case 'offline':
      return `Offline: ${explainSyncError(sync.reason)}. Showing the replica as of ${sync.replicaAsOf ? clock(sync.replicaAsOf) : 'its last entry'}; actions need the control plane.`;
    case 'key-confirmation':
      return "Confirm the control plane's signing key first; until then nothing from it is trusted.";
    case 'halted':
      return `Sync halted (${sync.code}): ${sync.message}`;
  }
}

/** Why the current person cannot do `cap` now, or null when they can. */
export function blockReason(sync: SyncState, identity: Identity | null, cap: Capability): string | null {
  const offline = syncBlock(sync);
  if (offline) return offline;
  if (!identity) return 'Not signed in: the active profile has no valid token. Add the profile again with your token.';
  if (!ROLES_FOR[cap].includes(identity.role)) {
    return `Your role ${identity.role} cannot ${VERB[cap]} (needs ${ROLES_FOR[cap].join(' or ')}); ask an admin.`;
  }
  return null;
}

/**
 * Whether the active profile's source has four-eyes approval at all: a Tombstone control plane does; Unleash's
 * open-source edition has no change requests, so there is no gate to route a BLOCKED-tier action through (its
 * actions go through directly, and the console says so instead of offering approval).
 */
export function hasFourEyes(profiles: readonly Profile[]): boolean {
  return profiles.find((p) => p.active)?.source !== 'unleash';
}
