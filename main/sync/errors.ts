/** Why a sync session ended: halt (evidence or a condition retrying cannot fix) or retry (back off, reconnect). */

/** Stops the engine: the replica keeps what it has, nothing more is ingested until restarted. */
export class SyncHalt extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'SyncHalt';
    this.code = code;
  }
}

/** Ends the session; the engine backs off and reconnects. */
export class SyncRetry extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'SyncRetry';
    this.code = code;
  }
}

/** One line of the sync log: a code, a sentence, and the index involved when there is one. */
export interface SyncLogEntry {
  level: 'info' | 'warn' | 'error';
  code: string;
  message: string;
  idx?: number | null;
}

/** Where the engine writes its log (rejected frames, retries, alerts). */
export type SyncLog = (entry: SyncLogEntry) => void;
