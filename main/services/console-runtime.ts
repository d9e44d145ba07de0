/**
 * The console runtime: the profile store and the one active session. Handlers ask it for the
 * session or replica they need and get a coded error when there is none.
 */
import type { Evidence, SyncState } from '../../shared/ipc/contract.ts';
import type { Replica } from '../ledger/replica.ts';
import { AppError } from '../ipc/app-error.ts';
import type { ProfileStore } from '../profiles/profile-store.ts';
import { openSession, type ActiveSession, type SessionDeps } from '../session/active-session.ts';

/** Owns the active session and switches it when the user picks another profile. */
export class ConsoleRuntime {
  readonly store: ProfileStore;
  private readonly deps: SessionDeps;
  private active: ActiveSession | null = null;
  private switching: Promise<ActiveSession | null> = Promise.resolve(null);

  constructor(deps: SessionDeps) {
    this.deps = deps;
    this.store = deps.store;
  }

  /** Stops the current session (if any) and opens `profileId`'s. */
  activate(profileId: string): Promise<ActiveSession | null> {
    // A failed switch must not block the next one: chain on its settlement, not its success.
    this.switching = this.switching
      .catch(() => null)
      .then(async () => {
        await this.active?.stop();
        this.active = null;
        return this.open(profileId);
      });
    return this.switching;
  }

  private async open(profileId: string, carried?: { receipts: ActiveSession['receipts'] }): Promise<ActiveSession> {
    this.active = await openSession(this.deps, profileId, carried);
    this.deps.events.emit('sync:changed', this.active.state());
    // A replica opened offline (or synced by an older console) may lag its read models: index it in the background.
    const opened = this.active.replica();
    if (opened) this.deps.onAppended(opened);
    return this.active;
  }

  /**
   * Closes the active session, runs `between` with its profile id while nothing holds the replica open, and opens
   * the session again (also when `between` throws, so a refused step leaves the console as it was). The round trips
   * of actions still in flight carry over: the same control plane's entries complete them in the reopened replica.
   */
  reopen<T>(between: (profileId: string) => T): Promise<T> {
    const { profileId, receipts } = this.session();
    let out: { ok: true; value: T } | { ok: false; error: unknown } = { ok: false, error: new Error('not run') };
    this.switching = this.switching
      .catch(() => null)
      .then(async () => {
        await this.active?.stop();
        this.active = null;
        try {
          out = { ok: true, value: between(profileId) };
        } catch (error) {
          out = { ok: false, error };
        }
        return this.open(profileId, { receipts });
      });
    return this.switching.then(() => {
      if (!out.ok) throw out.error;
      return out.value;
    });
  }

  /** Stops everything (app quit). */
  async stop(): Promise<void> {
    await this.switching.catch(() => null);
    await this.active?.stop();
    this.active = null;
  }

  /** The active session, or null (no error: for background work such as the connection probe). */
  activeSession(): ActiveSession | null {
    return this.active;
  }

  /** The active session, or E_NO_PROFILE. */
  session(): ActiveSession {
    if (!this.active) {
      throw new AppError(
        'E_NO_PROFILE',
        'No control plane profile is active, so there is no ledger replica to read or act on. Start with `npm start`, or add a profile with its URL and token.',
      );
    }
    return this.active;
  }

  /** The active session's replica, or E_REPLICA_EMPTY while nothing has been received. */
  replica(): Replica {
    const r = this.session().replica();
    if (!r) {
      throw new AppError(
        'E_REPLICA_EMPTY',
        'The ledger replica is still empty: the console has not received the first entries from the control plane yet. Wait for the sync to connect, or check the connection state.',
      );
    }
    return r;
  }

  /** The state to show in the top bar. */
  syncState(): SyncState {
    return this.active?.state() ?? { kind: 'idle' };
  }

  /** Launch-check evidence of the active replica, if it failed. */
  launchAlert(): Evidence | null {
    return this.active?.launchAlert ?? null;
  }
}
