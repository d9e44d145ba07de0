/**
 * The renderer-side bridge for browser mode: implements the same `window.tombstone` API the preload
 * exposes in Electron, over the localhost host's HTTP calls and its SSE event stream.
 */
import {
  eventChannels,
  invokeChannels,
  methodName,
  subscriptionName,
  type EventChannel,
  type EventMap,
  type TombstoneApi,
} from '../../../shared/ipc/contract.ts';
import type { Result } from '../../../shared/ipc/result.ts';

type Listener = (payload: unknown) => void;

/** True when this browser already holds a working session cookie. */
async function sessionHolds(): Promise<boolean> {
  const res = await fetch('/api/ipc/app:info', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    credentials: 'same-origin',
    body: 'null',
  });
  return res.ok;
}

/**
 * Exchanges the per-launch token from the URL fragment for a session cookie, then drops it from the URL. The token is
 * single use: opening the printed URL again in the browser that exchanged it goes on with the cookie it already has.
 */
export async function establishSession(location: Location, history: History): Promise<Result<null>> {
  const match = /(?:^#|&)token=([0-9a-f]{64})/.exec(location.hash);
  if (!match) return { ok: true, value: null }; // a reload: the cookie from the first exchange still holds
  const res = await fetch('/api/session', {
    method: 'POST',
    headers: { 'x-session-token': match[1] ?? '' },
    credentials: 'same-origin',
  });
  history.replaceState(null, '', location.pathname + location.search);
  if (res.ok) return { ok: true, value: null };
  const refused = (await res.json()) as Result<null>;
  if (!refused.ok && refused.error.code === 'E_SESSION_TOKEN_USED' && (await sessionHolds()))
    return { ok: true, value: null };
  return refused;
}

async function invoke(channel: string, args: unknown): Promise<Result<unknown>> {
  try {
    const res = await fetch(`/api/ipc/${channel}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify(args ?? null),
    });
    return (await res.json()) as Result<unknown>;
  } catch {
    return {
      ok: false,
      error: {
        code: 'E_CONSOLE_HOST_GONE',
        message: 'The console host process is not answering. Restart it with `npm start` and open the new URL.',
      },
    };
  }
}

/** Builds the browser-mode API object: one method per channel, subscriptions returning unsubscribe. */
export function createBrowserBridge(
  eventSourceFactory: (url: string) => EventSource = (u) => new EventSource(u),
): TombstoneApi {
  const listeners = new Map<EventChannel, Set<Listener>>();
  let source: EventSource | null = null;
  const ensureStream = (): void => {
    if (source) return;
    source = eventSourceFactory('/api/events');
    source.onmessage = (ev: MessageEvent<string>) => {
      const msg = JSON.parse(ev.data) as { channel: EventChannel; payload: EventMap[EventChannel] };
      for (const l of listeners.get(msg.channel) ?? []) l(msg.payload);
    };
  };
  const api: Record<string, unknown> = {};
  for (const channel of invokeChannels) api[methodName(channel)] = (args: unknown) => invoke(channel, args);
  for (const channel of eventChannels) {
    api[subscriptionName(channel)] = (listener: Listener) => {
      ensureStream();
      const set = listeners.get(channel) ?? new Set<Listener>();
      listeners.set(channel, set.add(listener));
      return () => set.delete(listener);
    };
  }
  return api as TombstoneApi;
}
