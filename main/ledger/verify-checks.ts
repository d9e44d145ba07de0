/** The non-streaming checks of full re-verification: stored checkpoint notes, the state row and the high-water mark. */
import type { TrustedKey } from '../../shared/ledger/index.ts';
import { LEDGER_ERROR_CODES, LedgerError, bytesEqual, emptyRoot, verifyCheckpoint } from '../../shared/ledger/index.ts';
import type { CheckpointRow, EvidenceRow, StateRow } from './store.ts';
import type { ReportedEvidence } from './verify-types.ts';
import type { HighWaterMarkStore } from './high-water-mark.ts';
import { checkHighWaterMark } from './high-water-mark.ts';
import { ed25519Verify, sha256 } from './node-crypto.ts';

/** A check failure before or after the row walk. */
export interface CheckFailure {
  code: LedgerError['code'];
  idx: number | null;
  detail: string;
}

/** A stored checkpoint and, if its note does not hold up, why. */
export interface CheckedCheckpoint {
  row: CheckpointRow;
  error: CheckFailure | null;
}

function failureOf(err: unknown): CheckFailure {
  if (err instanceof LedgerError) return { code: err.code, idx: err.idx, detail: err.detail };
  throw err;
}

/** Verifies every stored note against the trust store and its row's size and root. */
export function checkNotes(
  rows: readonly CheckpointRow[],
  origin: string,
  trusted: readonly TrustedKey[],
): Map<number, CheckedCheckpoint> {
  const out = new Map<number, CheckedCheckpoint>();
  for (const row of rows) {
    let error: CheckFailure | null = null;
    try {
      const note = verifyCheckpoint(sha256, ed25519Verify, row.note, { origin, trusted });
      if (note.size !== row.size)
        error = {
          code: 'SIZE_MISMATCH',
          idx: null,
          detail: `the checkpoint stored as size ${row.size} is signed for size ${note.size}`,
        };
      else if (!bytesEqual(note.root, row.root))
        error = {
          code: 'ROOT_MISMATCH',
          idx: null,
          detail: `the stored root of checkpoint ${row.size} differs from its signed note`,
        };
      else if (row.size === 0 && !bytesEqual(row.root, emptyRoot(sha256)))
        error = { code: 'ROOT_MISMATCH', idx: null, detail: 'a size-0 checkpoint must have the empty root' };
    } catch (err) {
      error = { ...failureOf(err), detail: `checkpoint ${row.size}: ${failureOf(err).detail}` };
    }
    out.set(row.size, { row, error });
  }
  return out;
}

/** The state row must point at the largest stored checkpoint and carry its note. */
export function checkStateShape(state: StateRow, checkpoints: Map<number, CheckedCheckpoint>): CheckFailure | null {
  const largest = Math.max(0, ...checkpoints.keys());
  if (largest !== state.verifiedSize) {
    return {
      code: 'SIZE_MISMATCH',
      idx: Math.min(largest, state.verifiedSize),
      detail: `the replica claims verified size ${state.verifiedSize} but its largest stored checkpoint is ${largest}`,
    };
  }
  const top = checkpoints.get(state.verifiedSize);
  if (state.verifiedSize > 0 && (top === undefined || top.row.note !== state.latestNote)) {
    return {
      code: 'ROOT_MISMATCH',
      idx: null,
      detail: 'the latest note in the state is not the stored checkpoint at the verified size',
    };
  }
  return null;
}

/** Compares the external high-water mark with the verified state. */
export function checkMark(
  hwm: HighWaterMarkStore | null,
  state: StateRow,
  origin: string,
  rootAt: (n: number) => Uint8Array,
): CheckFailure | 'ok' | 'absent' | 'not-checked' {
  if (hwm === null) return 'not-checked';
  try {
    const mark = hwm.read();
    if (mark === null) return 'absent';
    checkHighWaterMark(mark, { origin, size: state.verifiedSize, root: state.root, rootAt }, hwm.location);
    return 'ok';
  } catch (err) {
    const f = failureOf(err);
    // Rows missing under the mark's size (a damaged file the walk already reports) leave the mark not compared.
    return f.code === 'HIGH_WATER_MARK_ROLLBACK' || f.code === 'ORIGIN_MISMATCH' ? f : 'not-checked';
  }
}

function evidenceCode(kind: string): CheckFailure['code'] {
  return LEDGER_ERROR_CODES.find((c) => c === kind) ?? 'EQUIVOCATION';
}

/**
 * Stored evidence of log misbehaviour (and the halt it caused). A replica holding evidence never verifies clean,
 * whatever its rows say: the log it mirrors showed two histories. A halt with its evidence gone is a failure too.
 */
export function checkEvidence(
  rows: readonly EvidenceRow[],
  halted: string | null,
): { evidence: ReportedEvidence[]; failure: CheckFailure | null } {
  const evidence = rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    idx: r.idx,
    detail: r.detail,
    detectedAt: new Date(r.detectedAt).toISOString(),
  }));
  const first = evidence[0];
  if (first !== undefined) {
    const more = evidence.length > 1 ? ` (and ${evidence.length - 1} more record(s))` : '';
    return {
      evidence,
      failure: {
        code: evidenceCode(first.kind),
        idx: first.idx,
        detail: `the replica holds ${first.kind} evidence #${first.id} stored ${first.detectedAt}${more}: ${first.detail}. Syncing stopped there; the log showed two histories, so nothing here is vouched for until its operators explain it`,
      },
    };
  }
  if (halted === null) return { evidence, failure: null };
  return {
    evidence,
    failure: {
      code: evidenceCode(halted),
      idx: null,
      detail: `the replica is halted by ${halted} but its evidence record is missing (evidence is never deleted: the file was edited)`,
    },
  };
}
