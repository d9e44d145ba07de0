/** What the screen shows while no verified ledger replica exists: the honest state, no fake data. */
import { useApp } from '../store-context.tsx';

/** Explains what is and is not available yet, and offers the actions that make sense. */
export function EmptyState() {
  const connection = useApp((s) => s.connection);
  const probe = useApp((s) => s.probe);
  const openDialog = useApp((s) => s.openDialog);
  const replica = useApp((s) => s.replica);
  const note = useApp((s) => s.replicaNote);
  const sync = useApp((s) => s.sync);
  return (
    <main className="empty-state" aria-labelledby="empty-title">
      <h1 id="empty-title">{replica === 'unknown' ? 'Opening the replica…' : 'No ledger replica yet'}</h1>
      <p data-testid="empty-explanation">
        This console has no verified copy of a control plane's ledger, so it shows no incidents, flags or changes.
        {connection.kind === 'unconfigured' &&
          ' Start it with `npm start` (bundled demo control plane) or `npm start -- --connect <url>`.'}
        {connection.kind === 'unreachable' && ` ${connection.error.message}`}
        {connection.kind === 'reachable' &&
          ' The control plane answers; the replica fills once ledger sync is running.'}
      </p>
      {note && note.code !== 'E_NO_PROFILE' && (
        <p data-testid="empty-note">
          <code>{note.code}</code> {note.message}
        </p>
      )}
      {sync.kind !== 'idle' && (
        <p className="muted">
          Ledger sync: {sync.kind}
          {sync.kind === 'backfilling'
            ? ` ${sync.done.toLocaleString('en-US')} / ${sync.total.toLocaleString('en-US')}`
            : ''}
          .
        </p>
      )}
      <div className="row">
        <button type="button" onClick={() => void probe()}>
          Check connection now
        </button>
        <button type="button" onClick={() => openDialog({ kind: 'profile' })}>
          Add a profile…
        </button>
      </div>
    </main>
  );
}
