/**
 * Auditor mode: verifies an exported ledger (entries.ndjson: exact leaf bytes, one per line) against one signed
 * checkpoint and verifier keys, with no database. Lines beyond the checkpoint's size are counted, not verified.
 */
import type { TrustedKey } from '../../shared/ledger/index.ts';
import {
  CompactRange,
  LedgerError,
  acceptLeafFast,
  bytesEqual,
  encodeLogForScan,
  parseCheckpoint,
  parseLeafBytes,
  toHex,
  verifyCheckpoint,
} from '../../shared/ledger/index.ts';
import type { VerifyReport } from './verify-types.ts';
import { LeafHasher } from './fast-hash.ts';
import { ed25519Verify, sha256 } from './node-crypto.ts';

/** Inputs of an export verification. */
export interface ExportInput {
  entries: Buffer;
  note: string;
  trusted: readonly TrustedKey[];
  /** Pinned origin (default: the checkpoint's own origin line). */
  origin?: string;
}

/** Offsets of the lines of `buf` (a final newline ends the last line; it does not start another). */
function lineOffsets(buf: Buffer): number[] {
  const offsets = [0];
  for (let at = buf.indexOf(0x0a); at >= 0; at = buf.indexOf(0x0a, at + 1)) offsets.push(at + 1);
  if (offsets[offsets.length - 1] !== buf.length) offsets.push(buf.length + 1);
  return offsets;
}

function walk(input: ExportInput, origin: string, size: number): { range: CompactRange; lines: number } {
  const offsets = lineOffsets(input.entries);
  const lines = offsets.length - 1;
  if (lines < size)
    throw new LedgerError(
      'SIZE_MISMATCH',
      `the export holds ${lines} entries but the checkpoint covers ${size}`,
      lines,
    );
  const hasher = new LeafHasher();
  const range = new CompactRange(sha256);
  const expect = { logJson: encodeLogForScan(origin), idx: 0, prevHash: null as Uint8Array | null };
  for (let idx = 0; idx < size; idx++) {
    const [s, e] = [offsets[idx] ?? 0, (offsets[idx + 1] ?? 0) - 1];
    expect.idx = idx;
    if (!acceptLeafFast(input.entries, s, e, expect)) {
      parseLeafBytes(input.entries.subarray(s, e), {
        log: origin,
        idx,
        prev: expect.prevHash === null ? '' : toHex(expect.prevHash),
      });
    }
    const h = Buffer.from(hasher.hashRange(input.entries, s, e), 'latin1');
    range.append(h);
    expect.prevHash = h;
  }
  return { range, lines };
}

/** Verifies an export; resolves to a report (failures are reports, not throws). */
export function verifyExport(input: ExportInput): VerifyReport {
  const started = performance.now();
  let origin = input.origin ?? '';
  let size = 0;
  let root = '';
  const base = (): Omit<VerifyReport, 'ok' | 'code' | 'idx' | 'detail' | 'failedCheck'> => ({
    mode: 'deep',
    origin,
    verifiedSize: size,
    root,
    entriesChecked: size,
    checkpointsChecked: 1,
    pendingCount: 0,
    highWaterMark: 'not-checked',
    trust: 'external',
    evidence: [],
    elapsedMs: Math.round(performance.now() - started),
  });
  try {
    origin = input.origin ?? parseCheckpoint(input.note).origin;
    const note = verifyCheckpoint(sha256, ed25519Verify, input.note, { origin, trusted: input.trusted });
    [size, root] = [note.size, toHex(note.root)];
    const { range, lines } = walk(input, origin, note.size);
    if (!bytesEqual(range.root(), note.root)) {
      throw new LedgerError('ROOT_MISMATCH', `the ${size} exported entries do not reproduce the signed root`, 0);
    }
    return {
      ok: true,
      code: null,
      idx: null,
      detail: `verified ${size} entries against the checkpoint`,
      failedCheck: null,
      ...base(),
      pendingCount: lines - size,
    };
  } catch (err) {
    if (!(err instanceof LedgerError)) throw err;
    const checked = err.idx ?? 0;
    return {
      ok: false,
      code: err.code,
      idx: err.idx,
      detail: err.detail,
      failedCheck: 'integrity',
      ...base(),
      entriesChecked: checked,
      checkpointsChecked: 0,
    };
  }
}
