/** The error half of every IPC result: a stable code and a sentence saying what happened and what to do. */
export interface IpcError {
  code: string;
  message: string;
  /** Structured facts from the control plane, e.g. the flag's current state on ROLLBACK_CONFLICT. */
  details?: Record<string, unknown>;
}

/** Every IPC call resolves to this; handlers never throw across the boundary. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: IpcError };

/** Wraps a value as a successful result. */
export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

/** Wraps a code and message as a failed result. */
export function fail<T = never>(code: string, message: string): Result<T> {
  return { ok: false, error: { code, message } };
}
