/** HTTP errors: the status of every error code, and the response body of any failure. */
import type { ErrorBody } from '../../shared/protocol/errors.ts';
import { DomainError, toDomainError, type ErrorCode, type ErrorDetails } from '../domain/errors.ts';

/**
 * The HTTP status of every error code — the one table (docs/protocol.md "Error codes" lists the same). Domain and ledger
 * code throw DomainError with a code; only this layer knows statuses.
 */
export const HTTP_STATUS: { readonly [C in ErrorCode]: number } = {
  MALFORMED_JSON: 400,
  INVALID_BODY: 400,
  UNKNOWN_FIELD: 400,
  INVALID_QUERY: 400,
  INVALID_RANGE: 400,
  INVALID_FLAG_KEY: 400,
  INVALID_LAST_EVENT_ID: 400,
  INVALID_IDEMPOTENCY_KEY: 400,
  UNAUTHENTICATED: 401,
  INVALID_TOKEN: 401,
  INVALID_SDK_KEY: 401,
  SDK_KEY_REQUIRED: 401,
  BAD_SIGNATURE: 401,
  FORBIDDEN: 403,
  SELF_APPROVAL: 403,
  APPROVAL_REQUIRED: 403,
  TIER_CHANGE_REQUIRES_ADMIN: 403,
  BREAK_GLASS_INVALID: 403,
  SDK_KEY_FORBIDDEN: 403,
  BREAK_GLASS_SCOPE: 403,
  ROLLBACK_LINK_INVALID: 403,
  NOT_FOUND: 404,
  FLAG_NOT_FOUND: 404,
  CHANGE_REQUEST_NOT_FOUND: 404,
  ENTRY_NOT_FOUND: 404,
  INCIDENT_NOT_FOUND: 404,
  UNKNOWN_ENVIRONMENT: 404,
  SDK_KEY_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  FLAG_EXISTS: 409,
  KEY_TOMBSTONED: 409,
  PREREQUISITE_CYCLE: 409,
  DUPLICATE_APPROVAL: 409,
  STALE_PAYLOAD_HASH: 409,
  CHANGE_REQUEST_NOT_PENDING: 409,
  ROLLBACK_CONFLICT: 409,
  VERSION_CONFLICT: 409,
  FLAG_IN_USE: 409,
  INCIDENT_STATE: 409,
  RESUME_BEYOND_END: 409,
  NO_CHANGE: 409,
  FLAG_TOMBSTONED: 410,
  BREAK_GLASS_USED: 410,
  BREAK_GLASS_EXPIRED: 410,
  ROLLBACK_LINK_EXPIRED: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RANGE_NOT_SATISFIABLE: 416,
  IDEMPOTENCY_KEY_REUSED: 422,
  NOT_ROLLBACKABLE: 422,
  UNKNOWN_PREREQUISITE: 422,
  UNKNOWN_VARIANT: 422,
  ENTRY_TOO_LARGE: 422,
  TOO_MANY_STREAMS: 503,
  NOT_READY: 503,
  PAGERDUTY_NOT_CONFIGURED: 503,
  DATABASE_UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** A failure of the HTTP layer itself (routing, auth, body, query): a DomainError whose status the table gives. */
export class HttpError extends DomainError {
  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(code, message, details);
    this.name = 'HttpError';
  }
}

/** The status and JSON body of any thrown value (see toDomainError for what becomes which code). */
export function errorResponse(err: unknown): { status: number; code: ErrorCode; body: ErrorBody } {
  const e = toDomainError(err);
  return {
    status: HTTP_STATUS[e.code],
    code: e.code,
    body: { error: { code: e.code, message: e.message, ...e.details } },
  };
}
