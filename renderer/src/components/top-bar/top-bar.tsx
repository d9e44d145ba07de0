/** The top bar: profile and environment, connection, verification, who you are, and the global tools. */
import { useApp } from '../../store-context.tsx';
import { ConnectionState } from './connection-state.tsx';
import { ProfileSwitcher } from './profile-switcher.tsx';
import { VerificationBadge } from './verification-badge.tsx';

/** The host:port of a URL, or the text itself when it does not parse. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** Renders the bar from narrow store selections. */
export function TopBar() {
  const connection = useApp((s) => s.connection);
  const identity = useApp((s) => s.identity);
  const info = useApp((s) => s.info);
  const theme = useApp((s) => s.theme);
  const toggleTheme = useApp((s) => s.toggleTheme);
  const setOverlay = useApp((s) => s.setOverlay);
  const replica = useApp((s) => s.replica);
  const drawer = useApp((s) => s.drawer);
  const openDrawer = useApp((s) => s.openDrawer);
  const closeDrawer = useApp((s) => s.closeDrawer);
  return (
    <header className="top-bar" role="banner">
      <span className="brand" title={info ? `${info.name} ${info.version} · ${info.mode} mode` : undefined}>Tombstone Console</span>
      <ProfileSwitcher />
      {connection.kind !== 'unconfigured' && <span className="target" title="Control plane">{hostOf(connection.url)}</span>}
      <ConnectionState />
      <VerificationBadge />
      <span className="spacer" />
      <span className="identity" data-testid="identity">{identity ? `${identity.name} · ${identity.role}` : 'not signed in'}</span>
      {replica === 'present' && (
        <button type="button" aria-pressed={drawer !== null} onClick={() => (drawer ? closeDrawer() : openDrawer('audit'))}>Ledger</button>
      )}
      <button type="button" onClick={() => setOverlay('palette')} aria-keyshortcuts="Control+K Meta+K" title="Command palette (Ctrl/Cmd+K)">⌘K</button>
      <button type="button" onClick={() => setOverlay('help')} aria-keyshortcuts="?" aria-label="Keyboard shortcuts">?</button>
      <button type="button" onClick={toggleTheme} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}>
        {theme === 'dark' ? 'Light' : 'Dark'}
      </button>
    </header>
  );
}
