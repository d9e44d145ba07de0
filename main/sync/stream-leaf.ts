/**
 * Pre-validation of stream entries before the replica sees them. The replica compares a re-delivered or held index
 * byte for byte and calls any difference equivocation; a frame damaged in transit must therefore be rejected here
 * (canonical form, schema, pinned log, idx) so that only well-formed leaves can ever become evidence.
 */
import type { LedgerProblem } from '../ledger/replica-types.ts';
import {
  LedgerError,
  acceptLeafFast,
  encodeLogForScan,
  isWellFormedText,
  parseLeafBytes,
} from '../../shared/ledger/index.ts';

/** The result of checking one stream leaf. */
export type StreamLeafCheck = { ok: true; bytes: Buffer } | { ok: false; problem: LedgerProblem };

/** Checks stream leaves of one pinned log. */
export class StreamLeafChecker {
  private readonly origin: string;
  private readonly logJson: Uint8Array;

  constructor(origin: string) {
    this.origin = origin;
    this.logJson = encodeLogForScan(origin);
  }

  /** Checks everything but `prev` (the previous leaf may not be here yet); returns the exact bytes when valid. */
  check(text: string, idx: number): StreamLeafCheck {
    if (!isWellFormedText(text))
      return { ok: false, problem: { code: 'NOT_CANONICAL', idx, detail: 'the leaf text contains a lone surrogate' } };
    const bytes = Buffer.from(text, 'utf8');
    if (acceptLeafFast(bytes, 0, bytes.length, { logJson: this.logJson, idx, prevHash: null }))
      return { ok: true, bytes };
    try {
      parseLeafBytes(bytes, { log: this.origin, idx });
      return { ok: true, bytes };
    } catch (err) {
      if (err instanceof LedgerError) return { ok: false, problem: { code: err.code, idx, detail: err.detail } };
      throw err;
    }
  }
}
