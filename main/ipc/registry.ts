/**
 * The transport-agnostic handler registry. Electron's ipcMain bridge and the browser-mode HTTP host
 * both call `invoke`; it rejects unknown channels, validates arguments (the renderer is untrusted),
 * and turns every outcome into a Result so nothing throws across the boundary.
 */
import type { ArgsOf, EventChannel, EventMap, InvokeChannel, ValueOf } from '../../shared/ipc/contract.ts';
import { isInvokeChannel } from '../../shared/ipc/contract.ts';
import { fail, ok, type Result } from '../../shared/ipc/result.ts';
import { validators } from '../../shared/ipc/validate.ts';
import { AppError } from './app-error.ts';

/** A handler: a thin adapter over a service. */
export type Handler<C extends InvokeChannel> = (args: ArgsOf<C>) => Promise<ValueOf<C>> | ValueOf<C>;

/** One handler per invoke channel. */
export type Handlers = { [C in InvokeChannel]: Handler<C> };

/** The registry's single entry point. */
export interface Registry {
  invoke(channel: unknown, rawArgs: unknown): Promise<Result<unknown>>;
}

/** Receives internal failures for the log; never shown raw to the user. */
export type ErrorSink = (channel: string, err: unknown) => void;

async function call<C extends InvokeChannel>(
  handlers: Handlers,
  channel: C,
  rawArgs: unknown,
): Promise<Result<unknown>> {
  const checked = validators[channel](rawArgs);
  if (!checked.ok) return { ok: false, error: checked.error };
  const handler = handlers[channel] as Handler<C>;
  return ok(await handler(checked.args));
}

/** Builds the registry over `handlers`; `onError` sees unexpected exceptions. */
export function createRegistry(handlers: Handlers, onError: ErrorSink = () => {}): Registry {
  return {
    async invoke(channel, rawArgs) {
      if (!isInvokeChannel(channel)) {
        return fail('E_UNKNOWN_CHANNEL', `There is no call named "${String(channel)}"; the request was refused.`);
      }
      try {
        return await call(handlers, channel, rawArgs);
      } catch (err) {
        if (err instanceof AppError)
          return err.details
            ? { ok: false, error: { code: err.code, message: err.message, details: err.details } }
            : fail(err.code, err.message);
        onError(channel, err);
        return fail(
          'E_INTERNAL',
          'The console hit an unexpected error; nothing was changed. The details are in the log file.',
        );
      }
    },
  };
}

/** A listener for every event the services emit. */
export type EventListener = <E extends EventChannel>(channel: E, payload: EventMap[E]) => void;

/** Fan-out of main → renderer events to every connected transport. */
export class EventHub {
  private readonly listeners = new Set<EventListener>();

  /** Sends `payload` on `channel` to every subscriber. */
  emit<E extends EventChannel>(channel: E, payload: EventMap[E]): void {
    for (const listener of this.listeners) listener(channel, payload);
  }

  /** Adds a subscriber; returns the function that removes it. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
