import { describe, expect, it } from 'vitest';
import type { ControlPlaneStatus, TombstoneApi } from '../../../shared/ipc/contract.ts';
import { createAppStore } from './app-store.ts';

function fakeApi(overrides: Partial<TombstoneApi> = {}): TombstoneApi & { emit(s: ControlPlaneStatus): void } {
  let listener: ((s: ControlPlaneStatus) => void) | null = null;
  return {
    appInfo: async () => ({ ok: true, value: { name: 'Tombstone Console', version: '1.2.3', mode: 'browser' } }),
    connectionStatus: async () => ({ ok: true, value: { kind: 'unconfigured' } }),
    connectionProbe: async () => ({ ok: false, error: { code: 'E_CONTROL_PLANE_UNREACHABLE', message: 'down' } }),
    onConnectionChanged: (l) => { listener = l; return () => { listener = null; }; },
    emit: (s) => listener?.(s),
    ...overrides,
  };
}

describe('createAppStore', () => {
  it('loads info and connection state from the API', async () => {
    const store = createAppStore(fakeApi());
    await store.getState().start();
    expect(store.getState().info).toEqual({ name: 'Tombstone Console', version: '1.2.3', mode: 'browser' });
    expect(store.getState().connection).toEqual({ kind: 'unconfigured' });
  });

  it('follows connection events and stops after unsubscribe', async () => {
    const api = fakeApi();
    const store = createAppStore(api);
    const stop = await store.getState().start();
    const reachable: ControlPlaneStatus = { kind: 'reachable', url: 'http://127.0.0.1:1', checkedAt: '2026-11-25T03:00:00.000Z', roundTripMs: 4, identity: null };
    api.emit(reachable);
    expect(store.getState().connection).toEqual(reachable);
    stop();
    api.emit({ kind: 'unconfigured' });
    expect(store.getState().connection).toEqual(reachable);
  });

  it('keeps the error code of a failed call', async () => {
    const store = createAppStore(fakeApi());
    await store.getState().probe();
    expect(store.getState().error?.code).toBe('E_CONTROL_PLANE_UNREACHABLE');
    store.getState().dismissError();
    expect(store.getState().error).toBeNull();
  });
});
