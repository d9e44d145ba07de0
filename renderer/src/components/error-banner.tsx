/** Shows the last error with its code, what happened and what to do, until dismissed. */
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type { AppState } from '../store/app-store.ts';

/** Renders nothing when there is no error. */
export function ErrorBanner({ store }: { store: StoreApi<AppState> }) {
  const error = useStore(store, (s) => s.error);
  const dismiss = useStore(store, (s) => s.dismissError);
  if (!error) return null;
  return (
    <div className="error-banner" role="alert">
      <code>{error.code}</code> <span>{error.message}</span>
      <button type="button" onClick={dismiss} aria-label="Dismiss error">Dismiss</button>
    </div>
  );
}
