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
 * Any thrown value as a DomainError: schema refusals become INVALID_BODY / UNKNOWN_FIELD with `field`, an oversize
 * leaf ENTRY_TOO_LARGE, the database triggers' `CODE: …` messages their code, anything else INTERNAL.
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
