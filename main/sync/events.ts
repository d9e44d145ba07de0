/**
 * The sync engine's typed events to the rest of main. They are the renderer's events of the same names
 * (shared/ipc/contract.ts `EventMap`): the session passes them on unrenamed.
 */
import type { EventMap } from '../../shared/ipc/contract.ts';

/** Every event the engine emits, with its payload: a part of the contract's event map. */
export type SyncEventMap = Pick<
  EventMap,
  'ledger:appended' | 'ledger:verified' | 'ledger:alerted' | 'sync:changed' | 'sync:progressed'
>;

/** One event name. */
export type SyncEventName = keyof SyncEventMap;

/** A listener of one event. */
export type SyncListener<E extends SyncEventName> = (payload: SyncEventMap[E]) => void;

type AnyListener = (payload: never) => void;

/** A small typed emitter; a throwing listener is reported to `onListenerError` and never breaks the engine. */
export class SyncEmitter {
  private readonly listeners = new Map<SyncEventName, Set<AnyListener>>();
  private readonly onListenerError: (err: unknown) => void;

  constructor(onListenerError: (err: unknown) => void = () => {}) {
    this.onListenerError = onListenerError;
  }

  /** Subscribes to `event`; returns the unsubscribe function. */
  on<E extends SyncEventName>(event: E, listener: SyncListener<E>): () => void {
    let set = this.listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as AnyListener);
    return () => {
      set.delete(listener as AnyListener);
    };
  }

  /** Delivers `payload` to every listener of `event`, synchronously, in subscription order. */
  emit<E extends SyncEventName>(event: E, payload: SyncEventMap[E]): void {
    const set = this.listeners.get(event);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        (listener as SyncListener<E>)(payload);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }
}
