/**
 * The one IPC contract between renderer and main: an invoke map (renderer → main calls) and an
 * event map (main → renderer pushes). Channel names are `domain:verb`; events are past tense.
 * Electron (ipcMain/ipcRenderer) and browser mode (HTTP + SSE) both carry exactly these channels.
 */
import type { CorrelationResult } from '../correlate/types.ts';
import type { Result } from './result.ts';
import type { Identity, Profile, ProfileInput, SyncProgress, SyncState } from './types/connection.ts';
import type {
  ActionReceipt,
  ChangeRequest,
  EnvState,
  FlagDetail,
  FlagSummary,
  IncidentList,
  MetricsSeries,
} from './types/domain.ts';
import type { FleetView } from './types/fleet.ts';
import type {
  EntryDetail,
  Evidence,
  InclusionCheck,
  LedgerPage,
  LedgerQuery,
  VerificationStatus,
  VerifyOutcome,
  VerifyProgress,
} from './types/ledger.ts';

export type * from './types/connection.ts';
export type * from './types/domain.ts';
export type * from './types/fleet.ts';
export type * from './types/ledger.ts';
export type { CorrelationResult } from '../correlate/types.ts';

/** Where the console runs: the Electron window or the localhost browser host. */
export type ShellMode = 'electron' | 'browser';

/** Static facts about this console build and process. */
export interface AppInfo {
  name: string;
  version: string;
  mode: ShellMode;
}

/** Reachability of the configured control plane, as last probed by main. */
export type ControlPlaneStatus =
  | { kind: 'unconfigured' }
  | { kind: 'reachable'; url: string; checkedAt: string; roundTripMs: number; identity: Identity | null }
  | { kind: 'unreachable'; url: string; checkedAt: string; error: { code: string; message: string } };

/** What to rank: a ledger incident, or a manually entered time (optionally scoped to a service). */
export type CorrelationRequest =
  | { incidentId: string; windowMinutes?: number; limit?: number }
  | { at: string; service?: string; windowMinutes?: number; limit?: number };

/** A proposed change for four-eyes review, optionally scheduled. */
export interface ChangeRequestInput {
  flag: string;
  env: string;
  after: EnvState;
  reason: string;
  scheduledAt?: string;
}

/** Scope and lifetime of a break-glass token. */
export interface BreakGlassInput {
  justification: string;
  flags: string[];
  envs: string[];
  ttlMinutes: number;
}

/** An issued break-glass token; the secret is shown once. */
export interface BreakGlassToken {
  tokenId: string;
  token: string;
  expiresAt: string;
}

/** One use of a break-glass token, announced until acknowledged. */
export interface BreakGlassUse {
  idx: number;
  actor: string;
  flag: string | null;
  env: string | null;
  reason: string;
  at: string;
}

/** A break-glass use of the last 24 hours with the acknowledgement of the person at this console (null: not yet). */
export interface BreakGlassRecord extends BreakGlassUse {
  acknowledgedBy: string | null;
  /** When they acknowledged it (null for an acknowledgement kept from before the time was recorded). */
  acknowledgedAt: string | null;
}

/** Renderer → main calls: channel → argument and result types. */
export interface InvokeMap {
  'app:info': { args: null; result: AppInfo };
  'connection:status': { args: null; result: ControlPlaneStatus };
  'connection:probe': { args: null; result: ControlPlaneStatus };
  'profiles:list': { args: null; result: Profile[] };
  'profiles:add': { args: ProfileInput; result: Profile };
  'profiles:select': { args: { id: string }; result: Profile };
  'profiles:remove': { args: { id: string }; result: null };
  'sync:state': { args: null; result: SyncState };
  'sync:confirmKey': { args: { vkey: string; accept: boolean }; result: SyncState };
  'identity:get': { args: null; result: Identity | null };
  'ledger:query': { args: LedgerQuery; result: LedgerPage };
  'ledger:entry': { args: { idx: number }; result: EntryDetail };
  'ledger:inclusion': { args: { idx: number }; result: InclusionCheck };
  'verify:status': { args: null; result: VerificationStatus };
  'verify:run': { args: { mode: 'deep' | 'quick' }; result: { runId: string } };
  'verify:cancel': { args: { runId: string }; result: null };
  'verify:evidence': { args: null; result: Evidence[] };
  'verify:report': { args: null; result: { fileName: string; json: string } };
  /** After an alert: set the replica aside (kept with its evidence) and start over with an empty one, synced again. */
  'replica:quarantine': { args: { reason: string }; result: { archivedAs: string } };
  'correlation:rank': { args: CorrelationRequest; result: CorrelationResult };
  /** Every active incident and the newest `resolvedLimit` resolved ones (active first, then newest first). */
  'incidents:list': { args: { resolvedLimit: number }; result: IncidentList };
  /** Acknowledges an incident through the control plane (a ledger entry `incident.acknowledged`). */
  'incidents:acknowledge': { args: { id: string; note?: string }; result: ActionReceipt };
  /** Resolves an incident through the control plane (a ledger entry `incident.resolved`). */
  'incidents:resolve': { args: { id: string; note?: string }; result: ActionReceipt };
  'flags:list': { args: { query: string; limit: number }; result: FlagSummary[] };
  'flags:get': { args: { key: string }; result: FlagDetail };
  'changeRequests:list': { args: { status: ChangeRequest['status'] | 'ALL' }; result: ChangeRequest[] };
  'changeRequests:create': { args: ChangeRequestInput; result: ActionReceipt };
  'changeRequests:approve': { args: { id: string; payloadHash: string }; result: ActionReceipt };
  'changeRequests:reject': { args: { id: string; reason: string }; result: ActionReceipt };
  'actions:kill': {
    args: { flag: string; env: string; reason: string; breakGlassToken?: string };
    result: ActionReceipt;
  };
  'actions:rollback': { args: { idx: number; reason: string; breakGlassToken?: string }; result: ActionReceipt };
  'breakGlass:issue': { args: BreakGlassInput; result: BreakGlassToken };
  'breakGlass:acknowledge': { args: { idx: number }; result: null };
  /** Break-glass uses of the last 24 hours not yet acknowledged in this console (the persistent banner). */
  'breakGlass:pending': { args: null; result: BreakGlassUse[] };
  /** Break-glass uses of the last 24 hours, newest first, with the signed-in person's acknowledgements. */
  'breakGlass:recent': { args: null; result: BreakGlassRecord[] };
  'metrics:series': { args: { service: string; from: string; to: string; stepSeconds: number }; result: MetricsSeries };
  /** The SDK fleet of the active profile's environment as last received (kept offline, dated). */
  'fleet:get': { args: null; result: FleetView };
}

/** Main → renderer pushes: channel → payload type. */
export interface EventMap {
  'connection:changed': ControlPlaneStatus;
  'sync:changed': SyncState;
  'sync:progressed': SyncProgress;
  'ledger:appended': { receivedSize: number };
  'ledger:verified': { verifiedSize: number; rootHex: string };
  /**
   * The read models (lists, incidents, flags, change requests) hold every entry received: a run of the background
   * indexer ended. Lists read while it ran may have missed the newest entries, so the renderer reads them again.
   */
  'ledger:indexed': { indexedSize: number };
  'ledger:alerted': Evidence;
  'verify:progressed': VerifyProgress;
  'verify:finished': VerifyOutcome;
  'actions:updated': ActionReceipt;
  'breakGlass:used': BreakGlassUse;
  'incidents:changed': { count: number };
  /** The fleet changed (a fleet event of the metrics stream), or its stream went live or stopped. */
  'fleet:changed': FleetView;
}

/**
 * The run id of the deep re-verification the console starts itself after the cheap launch check: its progress and
 * outcome arrive on `verify:progressed` / `verify:finished` with this id (a user's run has a random UUID).
 */
export const LAUNCH_CHECK_RUN_ID = 'launch-check';

/** Every invoke channel, for registries and bridges that must enumerate them. */
export const invokeChannels = [
  'app:info',
  'connection:status',
  'connection:probe',
  'profiles:list',
  'profiles:add',
  'profiles:select',
  'profiles:remove',
  'sync:state',
  'sync:confirmKey',
  'identity:get',
  'ledger:query',
  'ledger:entry',
  'ledger:inclusion',
  'verify:status',
  'verify:run',
  'verify:cancel',
  'verify:evidence',
  'verify:report',
  'replica:quarantine',
  'correlation:rank',
  'incidents:list',
  'incidents:acknowledge',
  'incidents:resolve',
  'flags:list',
  'flags:get',
  'changeRequests:list',
  'changeRequests:create',
  'changeRequests:approve',
  'changeRequests:reject',
  'actions:kill',
  'actions:rollback',
  'breakGlass:issue',
  'breakGlass:acknowledge',
  'breakGlass:pending',
  'breakGlass:recent',
  'metrics:series',
  'fleet:get',
] as const satisfies readonly (keyof InvokeMap)[];

/** Every event channel. */
export const eventChannels = [
  'connection:changed',
  'sync:changed',
  'sync:progressed',
  'ledger:appended',
  'ledger:verified',
  'ledger:indexed',
  'ledger:alerted',
  'verify:progressed',
  'verify:finished',
  'actions:updated',
  'breakGlass:used',
  'incidents:changed',
  'fleet:changed',
] as const satisfies readonly (keyof EventMap)[];

/** An invoke channel name. */
export type InvokeChannel = keyof InvokeMap;
/** An event channel name. */
export type EventChannel = keyof EventMap;
/** The argument type of an invoke channel. */
export type ArgsOf<C extends InvokeChannel> = InvokeMap[C]['args'];
/** The result value type of an invoke channel. */
export type ValueOf<C extends InvokeChannel> = InvokeMap[C]['result'];

type Camel<S extends string> = S extends `${infer A}:${infer B}` ? `${A}${Capitalize<B>}` : S;

/** The API the preload (Electron) or the browser bridge exposes as `window.tombstone`: one method per channel. */
export type TombstoneApi = {
  [C in InvokeChannel as Camel<C>]: (args: ArgsOf<C>) => Promise<Result<ValueOf<C>>>;
} & {
  [E in EventChannel as `on${Capitalize<Camel<E>>}`]: (listener: (payload: EventMap[E]) => void) => () => void;
};

/** The method name of an invoke channel on TombstoneApi (`app:info` → `appInfo`). */
export function methodName(channel: string): string {
  const [domain = '', verb = ''] = channel.split(':');
  return domain + verb.charAt(0).toUpperCase() + verb.slice(1);
}

/** The subscription name of an event channel on TombstoneApi (`connection:changed` → `onConnectionChanged`). */
export function subscriptionName(channel: string): string {
  const name = methodName(channel);
  return 'on' + name.charAt(0).toUpperCase() + name.slice(1);
}

/** Narrows an arbitrary string to a known invoke channel. */
export function isInvokeChannel(value: unknown): value is InvokeChannel {
  return typeof value === 'string' && (invokeChannels as readonly string[]).includes(value);
}
