/** UI slice: which dialog, drawer and overlay are open, and the single-use break-glass grant in memory. */
import type { BreakGlassToken } from '../../../shared/ipc/contract.ts';
import type { SliceDeps } from './types.ts';

/** The open dialog, if any (one at a time; each knows what it acts on). */
export type DialogState =
  | { kind: 'kill'; flag: string | null; env: string | null; reason?: string }
  | { kind: 'rollback'; idx: number }
  | {
      kind: 'breakGlass';
      flags: string[];
      envs: string[];
      returnTo: { flag: string; env: string; reason: string } | null;
    }
  | { kind: 'flag'; key: string }
  | { kind: 'profile' }
  | { kind: 'manualIncident' }
  /** The SDK fleet; `service` (e.g. the paging service) is shown first. */
  | { kind: 'fleet'; service: string | null };

/** The open overlay: the command palette or the shortcut help. */
export type OverlayState = 'palette' | 'help' | null;

/** The ledger drawer's tab when open. */
export type DrawerTab = 'audit' | 'verification';

/** A break-glass token just issued, kept only in memory until used (it is single use). */
export interface BreakGlassGrant extends BreakGlassToken {
  flags: string[];
  envs: string[];
}

/** UI state and its actions. */
export interface UiSlice {
  dialog: DialogState | null;
  overlay: OverlayState;
  drawer: DrawerTab | null;
  grant: BreakGlassGrant | null;
  openDialog(dialog: DialogState): void;
  closeDialog(): void;
  setOverlay(overlay: OverlayState): void;
  openDrawer(tab: DrawerTab): void;
  closeDrawer(): void;
  setGrant(grant: BreakGlassGrant | null): void;
}

/** True when `grant` covers a change of `flag` in `env` and has not expired at `nowMs`. */
export function grantCovers(grant: BreakGlassGrant | null, flag: string, env: string, nowMs: number): boolean {
  return !!grant && grant.flags.includes(flag) && grant.envs.includes(env) && Date.parse(grant.expiresAt) > nowMs;
}

/** Builds the UI slice. */
export function createUiSlice({ set, get }: SliceDeps): UiSlice {
  return {
    dialog: null,
    overlay: null,
    drawer: null,
    grant: null,
    openDialog: (dialog) => set({ dialog, overlay: null, selectionByDefault: false }),
    closeDialog: () => set({ dialog: null }),
    setOverlay: (overlay) => set({ overlay }),
    openDrawer(tab) {
      const wasClosed = get().drawer === null;
      set({ drawer: tab, overlay: null });
      if (wasClosed) void get().refreshLedgerTotal();
    },
    closeDrawer: () => set({ drawer: null }),
    setGrant: (grant) => set({ grant }),
  };
}
