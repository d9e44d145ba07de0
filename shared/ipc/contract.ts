/**
 * The one IPC contract between renderer and main: an invoke map (renderer → main calls) and an
 * event map (main → renderer pushes). Channel names are `domain:verb`; events are past tense.
 * Electron (ipcMain/ipcRenderer) and browser mode (HTTP + SSE) both carry exactly these channels.
 */
import type { Result } from './result.ts';

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

/** Who the configured token belongs to, as the control plane reports it. */
export interface Identity {
  name: string;
  role: 'viewer' | 'responder' | 'approver' | 'admin';
}

/** Renderer → main calls: channel → argument and result types. */
export interface InvokeMap {
  'app:info': { args: null; result: AppInfo };
  'connection:status': { args: null; result: ControlPlaneStatus };
  'connection:probe': { args: null; result: ControlPlaneStatus };
}

/** Main → renderer pushes: channel → payload type. */
export interface EventMap {
  'connection:changed': ControlPlaneStatus;
}

/** Every invoke channel, for registries and bridges that must enumerate them. */
export const invokeChannels = ['app:info', 'connection:status', 'connection:probe'] as const satisfies readonly (keyof InvokeMap)[];

/** Every event channel. */
export const eventChannels = ['connection:changed'] as const satisfies readonly (keyof EventMap)[];

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
