/** Session slice: shell info, control-plane reachability, sync state, identity, profiles, theme and the global error. */
import type {
  AppInfo,
  ControlPlaneStatus,
  Identity,
  Profile,
  ProfileInput,
  SyncProgress,
  SyncState,
} from '../../../shared/ipc/contract.ts';
import type { IpcError } from '../../../shared/ipc/result.ts';
import type { SliceDeps } from './types.ts';

/** Whether a verified replica exists for the active profile ('unknown' until the first status call answers). */
export type ReplicaPresence = 'unknown' | 'none' | 'present';

/** Session state and its actions. */
export interface SessionSlice {
  info: AppInfo | null;
  connection: ControlPlaneStatus;
  sync: SyncState;
  syncProgress: SyncProgress | null;
  identity: Identity | null;
  profiles: Profile[];
  replica: ReplicaPresence;
  /** Why there is no replica (e.g. E_NO_PROFILE, E_REPLICA_EMPTY), explained by the empty state. */
  replicaNote: IpcError | null;
  /** The last error of a background call, shown with its code until dismissed. */
  error: IpcError | null;
  /** Where the last replica set aside after an alert was kept (shown until dismissed). */
  quarantinedAs: string | null;
  theme: 'dark' | 'light';
  /** Loads the initial state and subscribes to main's events; returns the unsubscribe function. */
  start(): Promise<() => void>;
  /** Asks main to probe the control plane now. */
  probe(): Promise<void>;
  /** Reloads profiles, sync state and identity. */
  loadSession(): Promise<void>;
  /** Switches the active profile, then reloads everything derived from its replica. */
  selectProfile(id: string): Promise<IpcError | null>;
  /** Adds a profile (the token goes to main's encrypted storage) and makes it active. */
  addProfile(input: ProfileInput): Promise<IpcError | null>;
  /** Removes a profile and its replica from this console. */
  removeProfile(id: string): Promise<IpcError | null>;
  /** Answers the trust-on-first-use question for the control plane's signing key. */
  confirmKey(vkey: string, accept: boolean): Promise<IpcError | null>;
  /**
   * After a verification alert: sets the replica aside with its evidence (main keeps it under quarantine/ with
   * `reason`) and starts over with an empty replica synced again; reloads everything derived from the replica.
   */
  quarantineReplica(reason: string): Promise<IpcError | null>;
  dismissQuarantined(): void;
  toggleTheme(): void;
  dismissError(): void;
}

/** Codes meaning "there is no replica to read", which the empty state explains instead of an error banner. */
export const NO_REPLICA_CODES: readonly string[] = ['E_NO_PROFILE', 'E_REPLICA_EMPTY'];

/** Builds the session slice; `start` and `reloadReplica` are wired by the store factory. */
export function createSessionSlice(
  d: SliceDeps,
  hooks: {
    start(): Promise<() => void>;
    reloadReplica(): Promise<void>;
    resetReplica(sameControlPlane?: boolean): void;
  },
): SessionSlice {
  const { api, set, get } = d;
  return {
    info: null,
    connection: { kind: 'unconfigured' },
    sync: { kind: 'idle' },
    syncProgress: null,
    identity: null,
    profiles: [],
    replica: 'unknown',
    replicaNote: null,
    error: null,
    quarantinedAs: null,
    theme: 'dark',
    start: hooks.start,
    async probe() {
      const res = await api.connectionProbe(null);
      if (res.ok) set({ connection: res.value });
      else set({ error: res.error });
    },
    async loadSession() {
      const [profiles, sync, identity] = await Promise.all([
        api.profilesList(null),
        api.syncState(null),
        api.identityGet(null),
      ]);
      if (profiles.ok) set({ profiles: profiles.value });
      if (sync.ok) set({ sync: sync.value });
      if (identity.ok) set({ identity: identity.value });
      const failed = [profiles, sync, identity].find((r) => !r.ok);
      if (failed && !failed.ok && !NO_REPLICA_CODES.includes(failed.error.code)) set({ error: failed.error });
    },
    async quarantineReplica(reason) {
      const res = await api.replicaQuarantine({ reason });
      if (!res.ok) return res.error;
      hooks.resetReplica(true);
      set({ quarantinedAs: res.value.archivedAs });
      await get().loadSession();
      await hooks.reloadReplica();
      return null;
    },
    dismissQuarantined() {
      set({ quarantinedAs: null });
    },
    async selectProfile(id) {
      const res = await api.profilesSelect({ id });
      if (!res.ok) return res.error;
      set({ profiles: get().profiles.map((p) => ({ ...p, active: p.id === res.value.id })) });
      hooks.resetReplica();
      await get().loadSession();
      await hooks.reloadReplica();
      return null;
    },
    async addProfile(input) {
      const res = await api.profilesAdd(input);
      if (!res.ok) return res.error;
      return get().selectProfile(res.value.id);
    },
    async removeProfile(id) {
      const res = await api.profilesRemove({ id });
      if (!res.ok) return res.error;
      hooks.resetReplica();
      await get().loadSession();
      await hooks.reloadReplica();
      return null;
    },
    async confirmKey(vkey, accept) {
      const res = await api.syncConfirmKey({ vkey, accept });
      if (!res.ok) return res.error;
      set({ sync: res.value });
      return null;
    },
    toggleTheme() {
      set({ theme: get().theme === 'dark' ? 'light' : 'dark' });
    },
    dismissError() {
      set({ error: null });
    },
  };
}
