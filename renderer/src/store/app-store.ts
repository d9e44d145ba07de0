/**
 * The renderer's single store: a cache of main's truth, built from the API it is given so tests
 * pass a fake API without module mocks (HOUSE-STYLE.md).
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AppInfo, ControlPlaneStatus, TombstoneApi } from '../../../shared/ipc/contract.ts';
import type { IpcError } from '../../../shared/ipc/result.ts';

/** Everything the screen renders from. */
export interface AppState {
  info: AppInfo | null;
  connection: ControlPlaneStatus;
  /** The last error a call returned, shown with its code until dismissed. */
  error: IpcError | null;
  theme: 'dark' | 'light';
  /** Loads the initial state and subscribes to main's events; returns the unsubscribe function. */
  start(): Promise<() => void>;
  /** Asks main to probe the control plane now. */
  probe(): Promise<void>;
  toggleTheme(): void;
  dismissError(): void;
}

/** Creates the store over `api` (the preload's or the browser bridge's `window.tombstone`). */
export function createAppStore(api: TombstoneApi): StoreApi<AppState> {
  return createStore<AppState>()((set, get) => ({
    info: null,
    connection: { kind: 'unconfigured' },
    error: null,
    theme: 'dark',
    async start() {
      const unsubscribe = api.onConnectionChanged((connection) => set({ connection }));
      const [info, connection] = await Promise.all([api.appInfo(null), api.connectionStatus(null)]);
      if (info.ok) set({ info: info.value });
      else set({ error: info.error });
      if (connection.ok) set({ connection: connection.value });
      else set({ error: connection.error });
      return unsubscribe;
    },
    async probe() {
      const res = await api.connectionProbe(null);
      if (res.ok) set({ connection: res.value });
      else set({ error: res.error });
    },
    toggleTheme() {
      set({ theme: get().theme === 'dark' ? 'light' : 'dark' });
    },
    dismissError() {
      set({ error: null });
    },
  }));
}
