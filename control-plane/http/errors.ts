/** HTTP errors with a stable code, the status that goes with it, and a sentence for people. */

/** Every error code the control plane returns (documented in docs/protocol.md). */
export type ErrorCode =
  | 'MALFORMED_JSON'
  | 'INVALID_BODY'
  | 'UNKNOWN_FIELD'
  | 'INVALID_QUERY'
  | 'INVALID_RANGE'
  | 'INVALID_FLAG_KEY'
  | 'INVALID_LAST_EVENT_ID'
  | 'INVALID_IDEMPOTENCY_KEY'
  | 'UNAUTHENTICATED'
  | 'INVALID_TOKEN'
  | 'INVALID_SDK_KEY'
  | 'SDK_KEY_REQUIRED'
  | 'SDK_KEY_FORBIDDEN'
  | 'SDK_KEY_NOT_FOUND'
  | 'BAD_SIGNATURE'
  | 'FORBIDDEN'
  | 'SELF_APPROVAL'
  | 'APPROVAL_REQUIRED'
  | 'TIER_CHANGE_REQUIRES_ADMIN'
  | 'BREAK_GLASS_INVALID'
  | 'BREAK_GLASS_SCOPE'
  | 'ROLLBACK_LINK_INVALID'
  | 'NOT_FOUND'
  | 'FLAG_NOT_FOUND'
  | 'CHANGE_REQUEST_NOT_FOUND'
  | 'ENTRY_NOT_FOUND'
  | 'INCIDENT_NOT_FOUND'
  | 'UNKNOWN_ENVIRONMENT'
  | 'METHOD_NOT_ALLOWED'
  | 'FLAG_EXISTS'
  | 'KEY_TOMBSTONED'
  | 'PREREQUISITE_CYCLE'
  | 'DUPLICATE_APPROVAL'
  | 'STALE_PAYLOAD_HASH'
  | 'CHANGE_REQUEST_NOT_PENDING'
  | 'ROLLBACK_CONFLICT'
  | 'VERSION_CONFLICT'
  | 'FLAG_IN_USE'
  | 'INCIDENT_STATE'
  | 'RESUME_BEYOND_END'
  | 'NO_CHANGE'
  | 'FLAG_TOMBSTONED'
  | 'BREAK_GLASS_USED'
  | 'BREAK_GLASS_EXPIRED'
  | 'ROLLBACK_LINK_EXPIRED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RANGE_NOT_SATISFIABLE'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'NOT_ROLLBACKABLE'
  | 'UNKNOWN_PREREQUISITE'
  | 'UNKNOWN_VARIANT'
  | 'ENTRY_TOO_LARGE'
  | 'TOO_MANY_STREAMS'
  | 'NOT_READY'
  | 'PAGERDUTY_NOT_CONFIGURED'
  | 'INTERNAL';

/** Extra machine-readable fields carried inside the error object (e.g. cycle_path, current). */
export type ErrorDetails = Record<string, unknown>;

/** A request failure: thrown by handlers, rendered by the router as `{"error": {code, message, ...details}}`. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(status: number, code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** The JSON body of an error response. */
export function errorBody(err: HttpError): { error: Record<string, unknown> } {
  return { error: { code: err.code, message: err.message, ...err.details } };
}

/** 400 INVALID_BODY naming the offending field. */
export function invalid(field: string, message: string): HttpError {
  return new HttpError(400, 'INVALID_BODY', `${field}: ${message}`, { field });
}

/** 404 for a missing resource of the given kind. */
export function notFound(code: ErrorCode, message: string): HttpError {
  return new HttpError(404, code, message);
}
