/** A fake `TombstoneApi` for tests: every channel answers from overridable handlers, calls are recorded, events can be emitted. */
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

/** The invoke half of the API (one method per channel). */
export type ApiMethods = { [K in keyof TombstoneApi as K extends `on${string}` ? never : K]: TombstoneApi[K] };

/** A recorded call. */
export interface FakeCall {
  method: string;
  args: unknown;
}

/** The fake and its controls. */
export interface FakeApi {
  api: TombstoneApi;
  calls: FakeCall[];
  /** Calls of one method, arguments only. */
  argsOf(method: keyof ApiMethods): unknown[];
  emit<E extends EventChannel>(channel: E, payload: EventMap[E]): void;
  /** Number of live subscriptions (to check unsubscribe). */
  listenerCount(): number;
}

const notStubbed = async (): Promise<Result<never>> => ({
  ok: false,
  error: { code: 'E_NOT_STUBBED', message: 'This fake channel has no answer in the test.' },
});

const defaults: Partial<ApiMethods> = {
  appInfo: async () => ({ ok: true, value: { name: 'Tombstone Console', version: '1.2.3', mode: 'browser' } }),
  connectionStatus: async () => ({ ok: true, value: { kind: 'unconfigured' } }),
  profilesList: async () => ({ ok: true, value: [] }),
  syncState: async () => ({ ok: true, value: { kind: 'idle' } }),
  identityGet: async () => ({ ok: true, value: null }),
  verifyStatus: async () => ({
    ok: false,
    error: { code: 'E_NO_PROFILE', message: 'No control plane profile is active.' },
  }),
};

/** Builds a fake API; `overrides` replace the default answers per method. */
export function createFakeApi(overrides: Partial<ApiMethods> = {}): FakeApi {
  const calls: FakeCall[] = [];
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const handlers: Record<string, unknown> = { ...defaults, ...overrides };
  const api: Record<string, unknown> = {};
  for (const channel of invokeChannels) {
    const name = methodName(channel);
    api[name] = (args: unknown) => {
      calls.push({ method: name, args });
      const h = (handlers[name] ?? notStubbed) as (a: unknown) => Promise<Result<unknown>>;
      return h(args);
    };
  }
  for (const channel of eventChannels) {
    api[subscriptionName(channel)] = (l: (p: unknown) => void) => {
      const set = listeners.get(channel) ?? new Set();
      listeners.set(channel, set.add(l));
      return () => set.delete(l);
    };
  }
  return {
    api: api as TombstoneApi,
    calls,
    argsOf: (method) => calls.filter((c) => c.method === method).map((c) => c.args),
    emit: (channel, payload) => listeners.get(channel)?.forEach((l) => l(payload)),
    listenerCount: () => [...listeners.values()].reduce((n, s) => n + s.size, 0),
  };
}

/** Resolves after pending promise callbacks and zero-delay timers have run. */
export async function flush(times = 3): Promise<void> {
  for (let i = 0; i < times; i += 1) await new Promise((r) => setTimeout(r, 0));
}
