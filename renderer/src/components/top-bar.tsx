/** The top bar: product, connection state and who you are. */
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type { ControlPlaneStatus } from '../../../shared/ipc/contract.ts';
import type { AppState } from '../store/app-store.ts';

function describeConnection(c: ControlPlaneStatus): { label: string; tone: 'ok' | 'warn' | 'idle' } {
  switch (c.kind) {
    case 'unconfigured':
      return { label: 'No control plane configured', tone: 'idle' };
    case 'reachable':
      return { label: `Control plane reachable · ${c.roundTripMs} ms`, tone: 'ok' };
    case 'unreachable':
      return { label: `Control plane unreachable · checked ${c.checkedAt.slice(11, 19)} UTC`, tone: 'warn' };
  }
}

/** Renders the bar from narrow store selections. */
export function TopBar({ store }: { store: StoreApi<AppState> }) {
  const connection = useStore(store, (s) => s.connection);
  const info = useStore(store, (s) => s.info);
  const theme = useStore(store, (s) => s.theme);
  const toggleTheme = useStore(store, (s) => s.toggleTheme);
  const { label, tone } = describeConnection(connection);
  const identity = connection.kind === 'reachable' ? connection.identity : null;
  return (
    <header className="top-bar" role="banner">
      <span className="brand">Tombstone Console</span>
      {connection.kind !== 'unconfigured' && <span className="target" title="Control plane">{connection.url}</span>}
      <span className={`status status-${tone}`} role="status" aria-live="polite" data-testid="connection-state">{label}</span>
      <span className="spacer" />
      <span className="identity" data-testid="identity">{identity ? `${identity.name} · ${identity.role}` : 'not signed in'}</span>
      <span className="mode" title="Shell mode">{info ? `${info.mode} · v${info.version}` : ''}</span>
      <button type="button" onClick={toggleTheme} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}>
        {theme === 'dark' ? 'Light' : 'Dark'}
      </button>
    </header>
  );
}
