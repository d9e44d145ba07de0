/**
 * Which exported entries a signed checkpoint covers: the note must verify against a trusted key, and the Merkle root
 * of the export's first `size` exact leaf texts must equal the note's root. Only then are those entries "verified";
 * everything else stays unverified, and the output says so.
 */
import {
  CompactRange,
  bytesEqual,
  isLedgerError,
  leafHash,
  parseVerifierKey,
  utf8Encode,
  verifyCheckpoint,
  type TrustedKey,
} from '../../shared/ledger/index.ts';
import { ed25519Verify, sha256 } from '../ledger/node-crypto.ts';
import { CorrelateInputError } from './errors.ts';
import type { ParsedExport } from './ndjson-entries.ts';

function checkpointError(err: unknown): never {
  if (isLedgerError(err)) throw new CorrelateInputError('E_CHECKPOINT', `${err.code}: ${err.detail}.`);
  throw err;
}

function trustedKeys(vkeys: readonly string[]): TrustedKey[] {
  if (vkeys.length === 0) {
    throw new CorrelateInputError(
      'E_CHECKPOINT',
      'a checkpoint needs at least one --trusted-key <name+keyid+base64> to be checked against.',
    );
  }
  try {
    return vkeys.map((v) => parseVerifierKey(sha256, v));
  } catch (err) {
    return checkpointError(err);
  }
}

function rootOfPrefix(exp: ParsedExport, size: number): Uint8Array {
  const range = new CompactRange(sha256);
  for (let i = 0; i < size; i++) {
    const line = exp.leaves[i];
    if (line === undefined || line.leaf.idx !== i) {
      throw new CorrelateInputError(
        'E_CHECKPOINT',
        `the checkpoint covers ${size} entries but the export does not hold entries 0..${size - 1} contiguously (missing idx ${i}).`,
      );
    }
    range.append(leafHash(sha256, utf8Encode(line.text)));
  }
  return range.root();
}

/**
 * Verifies `noteText` against the trusted keys and the export's own leaves; returns the checkpoint size (entries with
 * idx below it are verified). Throws E_CHECKPOINT with the ledger's error code when anything does not check out.
 */
export function verifiedSizeOf(exp: ParsedExport, noteText: string, vkeys: readonly string[]): number {
  const origin = exp.leaves[0]?.leaf.log;
  if (origin === undefined)
    throw new CorrelateInputError('E_CHECKPOINT', 'the export is empty, so no checkpoint can cover it.');
  const trusted = trustedKeys(vkeys);
  let note;
  try {
    note = verifyCheckpoint(sha256, ed25519Verify, noteText, { origin, trusted });
  } catch (err) {
    return checkpointError(err);
  }
  if (!bytesEqual(rootOfPrefix(exp, note.size), note.root)) {
    throw new CorrelateInputError(
      'E_CHECKPOINT',
      `ROOT_MISMATCH: the export's first ${note.size} leaves do not hash to the checkpoint's root; the export was altered or is from another history.`,
    );
  }
  return note.size;
}
