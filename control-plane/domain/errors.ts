/**
 * Domain errors: what went wrong, as a protocol error code (shared/protocol/errors.ts), a sentence for people and
 * machine-readable details. Domain and ledger code throw these and know nothing of HTTP; the HTTP pipeline maps each
 * code to a status in one table (control-plane/http/errors.ts).
 */
import { LedgerError } from '../../shared/ledger/index.ts';
import type { ErrorCode } from '../../shared/protocol/errors.ts';
import { SchemaError } from '../../shared/validation/schema.ts';

export type { ErrorCode } from '../../shared/protocol/errors.ts';

/** Extra machine-readable fields carried inside the error object (e.g. cycle_path, current). */
export type ErrorDetails = Record<string, unknown>;

/** A refused or failed operation with a stable code. */
export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.details = details;
  }
}

const TRIGGER_ERRORS: Partial<Record<ErrorCode, string>> = {
  KEY_TOMBSTONED: 'this flag key was archived (tombstoned) and can never be created again; choose a new key',
  SELF_APPROVAL: 'you requested this change, so you cannot approve it; ask another approver',
  BREAK_GLASS_USED: 'this break-glass token was already used; tokens are single use, issue a new one',
};

/**
 * Codes of a database that did not answer in time or could not be reached (db/pg-sync.ts), and PostgreSQL's
 * lock_not_available (a lock held elsewhere for longer than lock_timeout).
 */
const UNAVAILABLE = new Set(['E_DATABASE_TIMEOUT', 'E_DATABASE_UNREACHABLE', '55P03']);

/**
 * Any thrown value as a DomainError: schema refusals become INVALID_BODY / UNKNOWN_FIELD with `field`, an oversize
 * leaf ENTRY_TOO_LARGE, the database triggers' `CODE: …` messages their code, a database that cannot answer
 * DATABASE_UNAVAILABLE, anything else INTERNAL.
 */
export function toDomainError(err: unknown): DomainError {
  if (err instanceof DomainError) return err;
  if (err instanceof SchemaError) {
    return err.kind === 'unknown_field'
      ? new DomainError('UNKNOWN_FIELD', err.message, { field: err.field })
      : new DomainError('INVALID_BODY', `${err.field}: ${err.reason}`, { field: err.field });
  }
  if (err instanceof LedgerError && err.code === 'OVERSIZE_ENTRY') {
    return new DomainError('ENTRY_TOO_LARGE', 'the resulting ledger entry exceeds 64 KiB; shorten rules or text');
  }
  if (err instanceof Error && UNAVAILABLE.has(String((err as { code?: unknown }).code))) {
    return new DomainError(
      'DATABASE_UNAVAILABLE',
      'the control plane could not reach its database in time, so nothing was changed; retry, or use another instance',
    );
  }
  if (err instanceof Error) {
    const code = /^([A-Z_]+):/.exec(err.message)?.[1];
    const message = code === undefined ? undefined : TRIGGER_ERRORS[code as ErrorCode];
    if (message !== undefined) return new DomainError(code as ErrorCode, message);
  }
  return new DomainError(
    'INTERNAL',
    'the control plane failed unexpectedly; the change was not applied (see server log)',
  );
}
