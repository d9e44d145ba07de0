/** Typed failures of correlation: every error a user can meet has a code and a sentence saying what to do. */

/** Every reason correlation can refuse its input. */
export type CorrelateErrorCode = 'BAD_TIME' | 'BAD_DURATION' | 'BAD_OPTION' | 'INCIDENT_NOT_FOUND' | 'BAD_TELEMETRY';

/** A correlation input was unusable: `code` says which kind, the message says what happened and what to do. */
export class CorrelateError extends Error {
  readonly code: CorrelateErrorCode;

  constructor(code: CorrelateErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'CorrelateError';
    this.code = code;
  }
}

/** True when `value` is a CorrelateError (optionally with the given code). */
export function isCorrelateError(value: unknown, code?: CorrelateErrorCode): value is CorrelateError {
  return value instanceof CorrelateError && (code === undefined || value.code === code);
}
