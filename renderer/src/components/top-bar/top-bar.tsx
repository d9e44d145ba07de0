/** The top bar: profile and environment, connection, verification, who you are, and the global tools. */
import type { ControlPlaneStatus } from '../../../../shared/ipc/contract.ts';
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

/** The control plane's host:port to show next to the profile, or null when there is none or the profile is named after it. */
export function targetOf(connection: ControlPlaneStatus, profileName: string | undefined): string | null {
  if (connection.kind === 'unconfigured') return null;
  const host = hostOf(connection.url);
  return host === profileName ? null : host;
}

/**
 * Renders the bar from narrow store selections. It stays on one line (layout.css): long texts end in an ellipsis and
 * carry their full text in a tooltip; narrower windows hide secondary details (host, checkpoint age, sync rate).
 */
export function TopBar() {
  const connection = useApp((s) => s.connection);
  const profileName = useApp((s) => s.profiles.find((p) => p.active)?.name);
  const identity = useApp((s) => s.identity);
  const info = useApp((s) => s.info);
  const theme = useApp((s) => s.theme);
  const toggleTheme = useApp((s) => s.toggleTheme);
  const setOverlay = useApp((s) => s.setOverlay);
  const replica = useApp((s) => s.replica);
  const drawer = useApp((s) => s.drawer);
  const openDrawer = useApp((s) => s.openDrawer);
  const closeDrawer = useApp((s) => s.closeDrawer);
  const target = targetOf(connection, profileName);
  const who = identity ? `${identity.name} · ${identity.role}` : 'not signed in';
  return (
    <header className="top-bar" role="banner">
      <span className="brand" title={info ? `${info.name} ${info.version} · ${info.mode} mode` : undefined}>
        Tombstone<span className="brand-rest"> Console</span>
      </span>
      <ProfileSwitcher />
      {target && connection.kind !== 'unconfigured' && (
        <span className="target" title={`Control plane ${connection.url}`} data-testid="target">
          {target}
        </span>
      )}
      <ConnectionState />
      <VerificationBadge />
      <span className="spacer" />
      <span className="identity" data-testid="identity" title={who}>
        {who}
      </span>
      {replica === 'present' && (
        <button
          type="button"
          aria-pressed={drawer !== null}
          onClick={() => (drawer ? closeDrawer() : openDrawer('audit'))}
        >
          Ledger
        </button>
      )}
      <button
        type="button"
        onClick={() => setOverlay('palette')}
        aria-keyshortcuts="Control+K Meta+K"
        title="Command palette (Ctrl/Cmd+K)"
      >
        ⌘K
      </button>
      <button
        type="button"
        className="help-button"
        onClick={() => setOverlay('help')}
        aria-keyshortcuts="?"
        aria-label="Keyboard shortcuts"
      >
        ?
      </button>
      <button
        type="button"
        className="theme-button"
        onClick={toggleTheme}
        aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
      >
        {theme === 'dark' ? 'Light' : 'Dark'}
      </button>
    </header>
  );
}
