/** Failures of the correlation query side and the `correlate` command: a code, and a sentence saying what to do. */

/** What went wrong reading correlation input. */
export type CorrelateInputCode = 'E_INPUT' | 'E_IO' | 'E_CHECKPOINT' | 'E_REPLICA';

/** Bad or unreadable input (a ledger export, a checkpoint, a telemetry file, a replica). */
export class CorrelateInputError extends Error {
  readonly code: CorrelateInputCode;

  constructor(code: CorrelateInputCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'CorrelateInputError';
    this.code = code;
  }
}
