/** What the screen shows while no verified ledger replica exists: the honest state, no fake data. */
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type { AppState } from '../store/app-store.ts';

/** Explains what is and is not available yet, and offers the one action that makes sense. */
export function EmptyState({ store }: { store: StoreApi<AppState> }) {
  const connection = useStore(store, (s) => s.connection);
  const probe = useStore(store, (s) => s.probe);
  return (
    <main className="empty-state" aria-labelledby="empty-title">
      <h1 id="empty-title">No ledger replica yet</h1>
      <p data-testid="empty-explanation">
        This console has no verified copy of a control plane's ledger, so it shows no incidents, flags or changes.
        {connection.kind === 'unconfigured' && ' Start it with `npm start` (bundled demo control plane) or `npm start -- --connect <url>`.'}
        {connection.kind === 'unreachable' && ` ${connection.error.message}`}
        {connection.kind === 'reachable' && ' The control plane answers; the replica fills once ledger sync is running.'}
      </p>
      <button type="button" onClick={() => void probe()}>Check connection now</button>
    </main>
  );
}
