/** What the screen shows while no verified ledger replica exists: the honest state, no fake data. */
import type { SyncProgress, SyncState } from '../../../shared/ipc/contract.ts';
import { explainSyncError } from '../lib/sync-error.ts';
import { seconds } from '../lib/time-format.ts';
import { useApp } from '../store-context.tsx';

/** What the first sync is doing, in words, or null when it is not under way. */
export function syncingText(sync: SyncState, progress: SyncProgress | null): string | null {
  switch (sync.kind) {
    case 'connecting':
      return `Connecting to ${sync.url} to copy its ledger…`;
    case 'backfilling': {
      const rate = progress ? ` · ${Math.round(progress.ratePerSecond).toLocaleString('en-US')} entries/s` : '';
      const eta = progress?.etaSeconds != null ? ` · about ${seconds(progress.etaSeconds)} left` : '';
      return `Copying and verifying the ledger: ${sync.done.toLocaleString('en-US')} of ${sync.total.toLocaleString('en-US')} entries${rate}${eta}.`;
    }
    case 'key-confirmation':
      return "Waiting for you to confirm the control plane's signing key (above); syncing starts right after.";
    case 'reconnecting':
      return `Reconnecting to ${sync.url} (attempt ${sync.attempt}): ${explainSyncError(sync.lastError)}.`;
    default:
      return null;
  }
}

/** Explains what is and is not available yet, and offers the actions that make sense. */
export function EmptyState() {
  const connection = useApp((s) => s.connection);
  const probe = useApp((s) => s.probe);
  const openDialog = useApp((s) => s.openDialog);
  const replica = useApp((s) => s.replica);
  const note = useApp((s) => s.replicaNote);
  const sync = useApp((s) => s.sync);
  const progress = useApp((s) => s.syncProgress);
  const syncing = syncingText(sync, progress);
  if (syncing && replica !== 'present')
    // The first sync is under way: say so, with progress, instead of an error code that asks to wait.
    return (
      <main className="empty-state" aria-labelledby="empty-title">
        <h1 id="empty-title">Syncing the ledger…</h1>
        <p role="status" data-testid="empty-syncing">
          {syncing}
        </p>
        {sync.kind === 'backfilling' && (
          <progress
            max={Math.max(1, sync.total)}
            value={sync.done}
            aria-label="Ledger entries copied and verified"
            data-testid="empty-sync-progress"
          />
        )}
        <p className="muted">Incidents, candidates and the timeline appear as soon as the copy is verified.</p>
      </main>
    );
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
