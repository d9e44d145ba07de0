/**
 * Validation of ledger-stream frames before anything reaches the replica. A frame that fails here is transit damage
 * or garbage, not evidence: it is rejected with a code (logged by the engine) and the stream goes on; the entry it
 * should have carried is refetched as a gap. Only well-formed frames can ever become replay/equivocation verdicts.
 */
import { MAX_LEAF_BYTES, MAX_NOTE_CHARS } from '../../shared/ledger/index.ts';

/** A validated frame of `/api/v1/ledger/stream`. */
export type StreamFrame =
  | { kind: 'entry'; idx: number; text: string }
  | { kind: 'checkpoint'; note: string }
  | { kind: 'heartbeat'; size: number | null };

/** Why a frame was rejected. */
export type FrameRejectCode =
  | 'OVERSIZE_ENTRY'
  | 'E_FRAME_BAD_ID'
  | 'E_FRAME_ID_MISMATCH'
  | 'E_FRAME_BAD_JSON'
  | 'E_FRAME_OVERSIZE'
  | 'E_FRAME_UNKNOWN_EVENT';

/** A rejected frame: code, a sentence, and the idx it claimed (when it had one). */
export interface FrameRejection {
  kind: 'rejected';
  code: FrameRejectCode;
  detail: string;
  idx: number | null;
}

const ID_RE = /^(0|[1-9][0-9]*)$/;
/** Largest checkpoint/heartbeat frame parsed (a note is at most MAX_NOTE_CHARS; JSON escaping can double it). */
const MAX_CONTROL_FRAME_CHARS = 2 * MAX_NOTE_CHARS + 64;

function reject(code: FrameRejectCode, detail: string, idx: number | null = null): FrameRejection {
  return { kind: 'rejected', code, detail, idx };
}

/** UTF-8 byte length above MAX_LEAF_BYTES, computed only when the UTF-16 length cannot decide it. */
export function exceedsLeafLimit(text: string): boolean {
  if (text.length > MAX_LEAF_BYTES) return true; // UTF-8 is never shorter than UTF-16 code units
  if (text.length * 3 <= MAX_LEAF_BYTES) return false; // at most 3 bytes per code unit
  return Buffer.byteLength(text, 'utf8') > MAX_LEAF_BYTES;
}

/**
 * Classifies an `entry` event. The idx comes from the frame's `id:`, and the leaf must agree: canonical JSON puts the
 * top-level `"idx":N,"log":` between `flag` and `log`, so a frame whose id went missing (the client then reports the
 * previous id) cannot pose as a replay of another entry. The replica does the full leaf check on append.
 */
export function classifyEntry(id: string, data: string): StreamFrame | FrameRejection {
  if (!ID_RE.test(id))
    return reject('E_FRAME_BAD_ID', `the entry frame's id "${id.slice(0, 32)}" is not a decimal index`);
  const idx = Number(id);
  if (!Number.isSafeInteger(idx)) return reject('E_FRAME_BAD_ID', 'the entry frame id exceeds 2^53 - 1');
  if (exceedsLeafLimit(data))
    return reject(
      'OVERSIZE_ENTRY',
      `the entry is larger than ${MAX_LEAF_BYTES} bytes; skipped, it will be refetched`,
      idx,
    );
  if (!data.includes(`"idx":${idx},"log":`)) {
    return reject('E_FRAME_ID_MISMATCH', `the entry frame id ${idx} does not match the leaf inside it`, idx);
  }
  return { kind: 'entry', idx, text: data };
}

function parseControl(data: string): Record<string, unknown> | null {
  if (data.length > MAX_CONTROL_FRAME_CHARS) return null;
  try {
    const value: unknown = JSON.parse(data);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** Classifies a `checkpoint` event: `{"note": "<signed note>"}` (the note itself is verified by the replica). */
export function classifyCheckpoint(data: string): StreamFrame | FrameRejection {
  if (data.length > MAX_CONTROL_FRAME_CHARS)
    return reject('E_FRAME_OVERSIZE', 'the checkpoint frame is larger than any valid note');
  const obj = parseControl(data);
  const note = obj?.['note'];
  if (typeof note !== 'string' || note.length === 0 || note.length > MAX_NOTE_CHARS) {
    return reject('E_FRAME_BAD_JSON', 'the checkpoint frame is not {"note": "<signed note>"}');
  }
  return { kind: 'checkpoint', note };
}

/** Classifies a `heartbeat` event; `size` is the server's ledger size when it says so. */
export function classifyHeartbeat(data: string): StreamFrame | FrameRejection {
  const obj = parseControl(data);
  if (obj === null) return reject('E_FRAME_BAD_JSON', 'the heartbeat frame is not a JSON object');
  const size = obj['size'];
  return { kind: 'heartbeat', size: typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 ? size : null };
}

/** Classifies one SSE event by its type. */
export function classifyFrame(type: string, data: string, lastEventId: string): StreamFrame | FrameRejection {
  switch (type) {
    case 'entry':
      return classifyEntry(lastEventId, data);
    case 'checkpoint':
      return classifyCheckpoint(data);
    case 'heartbeat':
      return classifyHeartbeat(data);
    default:
      return reject(
        'E_FRAME_UNKNOWN_EVENT',
        `the stream sent an event of unknown type "${type.slice(0, 32)}"; ignored`,
      );
  }
}
