/** Typed failures of the ledger: every check names what failed, where, and why. */

/** Every reason the ledger can reject data. */
export type LedgerErrorCode =
  | 'LEAF_HASH_MISMATCH'
  | 'ROOT_MISMATCH'
  | 'GAP'
  | 'IDX_MISMATCH'
  | 'SIZE_MISMATCH'
  | 'PREV_MISMATCH'
  | 'NOT_CANONICAL'
  | 'MALFORMED_LEAF'
  | 'LOG_MISMATCH'
  | 'BAD_SIGNATURE'
  | 'NO_TRUSTED_SIGNATURE'
  | 'ORIGIN_MISMATCH'
  | 'MALFORMED_CHECKPOINT'
  | 'EQUIVOCATION'
  | 'FORK'
  | 'STALE_CHECKPOINT'
  | 'BAD_PROOF'
  | 'HIGH_WATER_MARK_ROLLBACK'
  | 'OVERSIZE_ENTRY';

/** Every code, in declaration order (for validation at boundaries and exhaustive tests). */
export const LEDGER_ERROR_CODES: readonly LedgerErrorCode[] = [
  'LEAF_HASH_MISMATCH',
  'ROOT_MISMATCH',
  'GAP',
  'IDX_MISMATCH',
  'SIZE_MISMATCH',
  'PREV_MISMATCH',
  'NOT_CANONICAL',
  'MALFORMED_LEAF',
  'LOG_MISMATCH',
  'BAD_SIGNATURE',
  'NO_TRUSTED_SIGNATURE',
  'ORIGIN_MISMATCH',
  'MALFORMED_CHECKPOINT',
  'EQUIVOCATION',
  'FORK',
  'STALE_CHECKPOINT',
  'BAD_PROOF',
  'HIGH_WATER_MARK_ROLLBACK',
  'OVERSIZE_ENTRY',
];

/** A ledger check failed: `code` says which, `idx` the entry index when one is involved, `detail` a sentence for people. */
export class LedgerError extends Error {
  readonly code: LedgerErrorCode;
  readonly idx: number | null;
  readonly detail: string;

  constructor(code: LedgerErrorCode, detail: string, idx: number | null = null) {
    super(idx === null ? `${code}: ${detail}` : `${code} at idx ${idx}: ${detail}`);
    this.name = 'LedgerError';
    this.code = code;
    this.idx = idx;
    this.detail = detail;
  }
}

/** True when `value` is a LedgerError (optionally with the given code). */
export function isLedgerError(value: unknown, code?: LedgerErrorCode): value is LedgerError {
  return value instanceof LedgerError && (code === undefined || value.code === code);
}

/** True when `value` is one of the ledger error codes (for data read back from disk or IPC). */
export function isLedgerErrorCode(value: unknown): value is LedgerErrorCode {
  return typeof value === 'string' && (LEDGER_ERROR_CODES as readonly string[]).includes(value);
}
