/** The one screen: top bar, banners, the triage layout (or the honest empty state), drawer, dialogs and overlays. */
import { useEffect } from 'react';
import { useStore } from 'zustand';
import type { AppStore } from './store/app-store.ts';
import { StoreProvider } from './store-context.tsx';
import { BreakGlassBanner } from './components/banners/break-glass-banner.tsx';
import { FleetAlertBanner } from './components/banners/fleet-alert-banner.tsx';
import { KeyConfirmation } from './components/banners/key-confirmation.tsx';
import { DialogHost } from './components/dialogs/dialog-host.tsx';
import { EmptyState } from './components/empty-state.tsx';
import { ErrorBanner } from './components/error-banner.tsx';
import { QuarantinedBanner } from './components/banners/quarantined-banner.tsx';
import { LedgerDrawer } from './components/ledger/ledger-drawer.tsx';
import { MainScreen } from './components/main-screen.tsx';
import { CommandPalette } from './components/palette/command-palette.tsx';
import { HelpOverlay } from './components/palette/help-overlay.tsx';
import { useShortcuts } from './components/palette/shortcuts.ts';
import { TopBar } from './components/top-bar/top-bar.tsx';
import { IncidentAnnouncer, IncidentJumpBar } from './components/incidents/incident-alert.tsx';

/** Root component: starts the store unless `autoStart` is false (tests; main.tsx starts it before the first render). */
export function App({ store, autoStart = true }: { store: AppStore; autoStart?: boolean }) {
  const theme = useStore(store, (s) => s.theme);
  const replica = useStore(store, (s) => s.replica);
  useShortcuts(store);
  useEffect(() => {
    if (!autoStart) return;
    let stop: (() => void) | null = null;
    let cancelled = false;
    void store
      .getState()
      .start()
      .then((unsubscribe) => {
        if (cancelled) unsubscribe();
        else stop = unsubscribe;
      });
    return () => {
      cancelled = true;
      stop?.();
    };
  }, [store, autoStart]);
  useEffect(() => {
    document.documentElement.dataset['theme'] = theme;
  }, [theme]);
  useEffect(() => {
    // Typing into any field counts as being in the middle of something: a new incident then waits behind the jump bar.
    const onInput = (): void => store.getState().noteInput();
    document.addEventListener('input', onInput, true);
    return () => document.removeEventListener('input', onInput, true);
  }, [store]);
  return (
    <StoreProvider store={store}>
      <div className="app">
        <TopBar />
        <IncidentJumpBar />
        <BreakGlassBanner />
        <FleetAlertBanner />
        <KeyConfirmation />
        <ErrorBanner />
        <QuarantinedBanner />
        {replica === 'present' ? <MainScreen /> : <EmptyState />}
        <LedgerDrawer />
        <DialogHost />
        <CommandPalette />
        <HelpOverlay />
        <IncidentAnnouncer />
      </div>
    </StoreProvider>
  );
}
