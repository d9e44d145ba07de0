/** Types shared by the mapping's handlers (one handler per Unleash event type, see mapping.ts). */
import type { JsonValue } from '../../../shared/ledger/leaf.ts';
import type { UnleashEvent } from './events.ts';
import type { FlagMirror } from './state.ts';

/** What a handler gets: the event, the flag's record so far (if any) and the projects' environments. */
export interface MapInput {
  event: UnleashEvent;
  flag: FlagMirror | undefined;
  projectEnvironments: Readonly<Record<string, readonly string[]>>;
}

/** What a handler decides: the leaf's action, env, before/after, a few words for the reason, the flag's new record. */
export interface Mapped {
  action: string;
  env: string | null;
  before: JsonValue;
  after: JsonValue;
  /** Completes "Unleash: …" in the leaf's reason. */
  what: string;
  /** The flag's record after the event; undefined leaves the state as it was. */
  flag?: FlagMirror;
  /** Extra refs (e.g. the strategy id). */
  refs?: Record<string, string>;
}

/** Maps one event, or returns null when the event is not what the handler can read (it is then kept raw). */
export type Handler = (input: MapInput) => Mapped | null;

/** The before/after of an environment whose configuration the mirror was never told (see docs/unleash.md). */
export const UNKNOWN_STATE: JsonValue = { state: 'unknown' };
