/** Turns replica evidence (and engine-detected trust problems) into the `ledger:alert` payload the UI shows. */
import type { Evidence } from '../../shared/ipc/contract.ts';
import type { StoredEvidence } from '../ledger/replica-types.ts';

/** The IPC shape of one stored evidence record. */
export function alertOf(e: StoredEvidence): Evidence {
  return {
    id: e.id,
    kind: e.kind,
    code: e.kind,
    idx: e.idx,
    detail: e.detail,
    notes: [e.noteA, e.noteB].filter((n): n is string => n !== null),
    at: new Date(e.detectedAt).toISOString(),
  };
}

let transientIds = 0;

/**
 * An alert the engine raises itself (e.g. a checkpoint signed only by an unknown key). The replica has no API to
 * store such records, so they carry negative ids: shown and logged, not persisted as evidence.
 */
export function engineAlert(kind: string, code: string, detail: string, notes: string[], now: number): Evidence {
  transientIds -= 1;
  return { id: transientIds, kind, code, idx: null, detail, notes, at: new Date(now).toISOString() };
}
