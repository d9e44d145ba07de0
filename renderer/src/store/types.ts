/** The shape of the single store and what every slice receives to build itself. */
import type { StoreApi } from 'zustand/vanilla';
import type { TombstoneApi } from '../../../shared/ipc/contract.ts';
import type { ActionsSlice } from './actions-slice.ts';
import type { ApprovalsSlice } from './approvals-slice.ts';
import type { BreakGlassSlice } from './break-glass-slice.ts';
import type { FlagsSlice } from './flags-slice.ts';
import type { FleetSlice } from './fleet-slice.ts';
import type { IncidentsSlice } from './incidents-slice.ts';
import type { LedgerSlice } from './ledger-slice.ts';
import type { SessionSlice } from './session-slice.ts';
import type { TimelineSlice } from './timeline-slice.ts';
import type { UiSlice } from './ui-slice.ts';
import type { VerificationSlice } from './verification-slice.ts';

/** Everything the screen renders from: the union of the feature slices. */
export type AppState = SessionSlice &
  VerificationSlice &
  IncidentsSlice &
  TimelineSlice &
  ApprovalsSlice &
  ActionsSlice &
  FlagsSlice &
  LedgerSlice &
  BreakGlassSlice &
  FleetSlice &
  UiSlice;

/** The store handle components and tests hold. */
export type AppStore = StoreApi<AppState>;

/** Tunables of the store; tests pin the clock and make refreshes immediate. */
export interface StoreOptions {
  /** Wall clock in ms (ages, default windows). */
  now?: () => number;
  /** Delay that coalesces refreshes triggered by bursts of ledger events; 0 runs them on the next tick. */
  refreshDelayMs?: number;
}

/** What a slice factory receives: the API, the store's setter/getter, the clock and a coalescing scheduler. */
export interface SliceDeps {
  api: TombstoneApi;
  set: StoreApi<AppState>['setState'];
  get: () => AppState;
  now: () => number;
  /** Runs `fn` once after the refresh delay, however often `key` is requested meanwhile. */
  later: (key: string, fn: () => void) => void;
}
