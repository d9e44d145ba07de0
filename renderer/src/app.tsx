/** The one screen. */
import { useEffect } from 'react';
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type { AppState } from './store/app-store.ts';
import { EmptyState } from './components/empty-state.tsx';
import { ErrorBanner } from './components/error-banner.tsx';
import { TopBar } from './components/top-bar.tsx';

/** Root component: starts the store and lays out the screen. */
export function App({ store }: { store: StoreApi<AppState> }) {
  const theme = useStore(store, (s) => s.theme);
  useEffect(() => {
    let stop: (() => void) | null = null;
    let cancelled = false;
    void store.getState().start().then((unsubscribe) => {
      if (cancelled) unsubscribe();
      else stop = unsubscribe;
    });
    return () => { cancelled = true; stop?.(); };
  }, [store]);
  useEffect(() => { document.documentElement.dataset['theme'] = theme; }, [theme]);
  return (
    <div className="app">
      <TopBar store={store} />
      <ErrorBanner store={store} />
      <EmptyState store={store} />
    </div>
  );
}
