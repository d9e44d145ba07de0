/** Types of full re-verification. */
import type { LedgerErrorCode, TrustedKey } from '../../shared/ledger/index.ts';
import type { HighWaterMarkStore } from './high-water-mark.ts';

/** deep: re-hash every leaf and check its canonical form, log, idx and prev; quick: trust stored leaf hashes. */
export type VerifyMode = 'deep' | 'quick';

/** Progress of a running verification. */
export interface VerifyProgress {
  done: number;
  total: number;
}

/** How to run a full re-verification. */
export interface VerifyOptions {
  mode?: VerifyMode;
  /** Worker threads (default: available cores, at most 4, inline for a single chunk; 0 runs inline on the calling thread). */
  threads?: number;
  /**
   * Background work (the console's launch check): on Linux its worker threads run at a lower priority (nice
   * BACKGROUND_NICE), so the screen and the sync that share the cores with it are served first; idle cores still
   * run it at full speed. A verification someone waits for (the CLI, "verify now") keeps the normal priority.
   */
  background?: boolean;
  /** Entries per work unit, a power of two (default 4096). */
  chunkSize?: number;
  onProgress?: (p: VerifyProgress) => void;
  signal?: AbortSignal;
  /** Trust anchors from outside the database (recommended); default: the replica's own trust store. */
  trustedKeys?: readonly TrustedKey[];
  /** Pin the origin (default: the one recorded in the replica). */
  origin?: string;
  /** High-water mark to compare with (null: none). */
  highWaterMark?: HighWaterMarkStore | null;
}

/** How the external high-water mark compared: `failed` means it was read and contradicts the replica (see `code`). */
export type MarkCheck = 'ok' | 'absent' | 'not-checked' | 'failed';

/** Which check decided a failed report: the file's own integrity, the external mark, or stored evidence. */
export type FailedCheck = 'integrity' | 'high-water-mark' | 'evidence';

/** One stored evidence record, as a report names it. */
export interface ReportedEvidence {
  id: number;
  kind: string;
  /** The entry index involved (two different leaves for one index), or null for checkpoint evidence. */
  idx: number | null;
  detail: string;
  /** RFC 3339 time of detection. */
  detectedAt: string;
}

/** The result of a full re-verification; on failure `code` and `idx` name the first failing check. */
export interface VerifyReport {
  ok: boolean;
  code: LedgerErrorCode | null;
  idx: number | null;
  detail: string;
  mode: VerifyMode;
  origin: string;
  /** The replica's claimed verified size and hex root (what was checked). */
  verifiedSize: number;
  root: string;
  entriesChecked: number;
  checkpointsChecked: number;
  /** Entries held beyond the verified size (not covered by a checkpoint, so not verified). */
  pendingCount: number;
  highWaterMark: MarkCheck;
  trust: 'external' | 'replica';
  /** Evidence of log misbehaviour stored in the replica (a replica with any never verifies clean). */
  evidence: ReportedEvidence[];
  /** What decided a failure (null when ok). */
  failedCheck: FailedCheck | null;
  elapsedMs: number;
}

/** One unit of work: entries [start, end), with the checkpoint sizes in (start, end] to snapshot. */
export interface ChunkTask {
  start: number;
  end: number;
  snapshotSizes: number[];
}

/** Peaks of a range relative to its start, at one absolute size. */
export interface Snapshot {
  size: number;
  peaks: Uint8Array[];
}

/** The outcome of one chunk. */
export interface ChunkResult {
  start: number;
  end: number;
  /** Peaks of [start, end) relative to start (or up to the failure). */
  peaks: Uint8Array[];
  snapshots: Snapshot[];
  failure: { code: LedgerErrorCode; idx: number; detail: string } | null;
}
