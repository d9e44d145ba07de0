/** Types of the replica's public API (ingestion results, checkpoint outcomes, read models). */
import type { LedgerErrorCode, TrustedKey } from '../../shared/ledger/index.ts';
import type { HighWaterMarkStore } from './high-water-mark.ts';

/** One entry as received from SSE (`id` + data) or `/entries` (NDJSON line): its index and exact leaf text or bytes. */
export interface IncomingEntry {
  idx: number;
  leaf: string | Uint8Array;
}

/** A rejected input, with the same fields as every ledger error. */
export interface LedgerProblem {
  code: LedgerErrorCode;
  idx: number | null;
  detail: string;
}

/** What happened to a checkpoint note. */
export type CheckpointOutcome =
  /** Entries [from, to) are now verified. */
  | { kind: 'promoted'; from: number; to: number; root: string }
  /** Same size and root as the verified state (a replay). */
  | { kind: 'duplicate'; size: number }
  /** Smaller than the verified size and consistent with our history (STALE_CHECKPOINT; benign, ignored). */
  | { kind: 'stale'; code: 'STALE_CHECKPOINT'; size: number }
  /** Larger than what we hold: kept until entries up to `size` arrive (backfill from `receivedSize`). */
  | { kind: 'awaiting_entries'; size: number; receivedSize: number }
  /** A consistency proof showed the log is consistent, so our unverified entries were corrupt: they were dropped; refetch [from, to). */
  | { kind: 'refetch'; from: number; to: number }
  /** Our leaves do not reproduce the root and no proof could be obtained; supply a fetcher or retry later. */
  | { kind: 'needs_consistency_proof'; oldSize: number; newSize: number; detail: string }
  /** The note itself is not acceptable (malformed, wrong origin, bad or no trusted signature). */
  | { kind: 'rejected'; code: LedgerErrorCode; detail: string }
  /** Two validly signed, different views of the same size: evidence stored, ingestion halted. */
  | { kind: 'equivocation'; code: 'EQUIVOCATION'; size: number; evidenceId: number }
  /** A validly signed note inconsistent with verified history: evidence stored, ingestion halted. */
  | { kind: 'fork'; code: 'FORK'; size: number; evidenceId: number }
  /** Ingestion was already halted by earlier evidence. */
  | { kind: 'halted'; code: string };

/** Summary of one appendEntries call. */
export interface AppendResult {
  /** Entries appended at the tip (validated, not yet verified). */
  appended: number;
  /** Entries already held with identical bytes (benign replays). */
  replayed: number;
  /** Entries received beyond a gap and held until the gap is filled. */
  held: number;
  receivedSize: number;
  verifiedSize: number;
  /** Missing indexes [from, to) to backfill from `/entries`, if any. */
  gap: { from: number; to: number } | null;
  /** The first invalid entry; it and the rest of the batch were not applied. */
  rejected: LedgerProblem | null;
  /** Set when an entry contradicted one we hold: evidence stored, ingestion halted. */
  equivocation: { idx: number; evidenceId: number } | null;
  /** A checkpoint that was waiting for these entries, applied now. */
  checkpoint: CheckpointOutcome | null;
}

/** Fetches `GET /api/v1/ledger/proof/consistency?old=&new=` (the sync engine supplies it). */
export type ConsistencyProofFetcher = (oldSize: number, newSize: number) => Promise<readonly Uint8Array[]>;

/** Test hooks (crash-consistency tests kill the process inside them). */
export interface ReplicaHooks {
  /** Inside the opening transaction, after the schema is migrated and before the state row is read or written. */
  afterSchema?: () => void;
  /** Inside the promotion transaction, after the checkpoint row is written and before the state row is. */
  beforeStateUpdate?: () => void;
}

/** How to open a replica. */
export interface ReplicaOptions {
  /** SQLite file path, or ':memory:'. */
  path: string;
  /** The pinned log origin: every checkpoint's origin and every leaf's `log`. */
  origin: string;
  /** Keys to add to the trust store on open (e.g. the app's pinned keys). */
  trustedKeys?: readonly TrustedKey[];
  /** External high-water mark; default `<path>.hwm` (plain JSON, mode 0600); null disables it. */
  highWaterMark?: HighWaterMarkStore | null;
  /** Asked for a consistency proof when a larger checkpoint's root is not reproduced by our leaves. */
  fetchConsistencyProof?: ConsistencyProofFetcher;
  hooks?: ReplicaHooks;
  /** Milliseconds since the epoch (tests pin it). */
  now?: () => number;
}

/** One stored entry for readers. */
export interface StoredEntry {
  idx: number;
  /** The exact canonical leaf text. */
  text: string;
  /** Hex RFC 6962 leaf hash. */
  leafHash: string;
  /** True when covered by a verified checkpoint. */
  verified: boolean;
}

/**
 * A piece of evidence of log misbehaviour as the replica stores it. The UI sees it as `Evidence`
 * (shared/ipc/types/ledger.ts), converted by `alertOf` (main/sync/alerts.ts).
 */
export interface StoredEvidence {
  id: number;
  kind: string;
  idx: number | null;
  noteA: string | null;
  noteB: string | null;
  leafA: string | null;
  leafB: string | null;
  /** Hex proof hashes, if a proof was involved. */
  proof: string[];
  detail: string;
  detectedAt: number;
}

/**
 * The replica's own verification state. The UI's `VerificationStatus` (shared/ipc/types/ledger.ts, the badge in the
 * top bar) is built from it by main/services/verification.ts.
 */
export interface ReplicaStatus {
  origin: string;
  verifiedSize: number;
  /** Hex root at verifiedSize. */
  root: string;
  /** The signed note that verified the current size (null before the first checkpoint). */
  latestNote: string | null;
  /** When the verified size last changed (ms since the epoch). */
  updatedAt: number;
  receivedSize: number;
  /** Received entries not yet covered by a checkpoint. */
  pendingCount: number;
  /** Out-of-order entries held beyond a gap. */
  heldCount: number;
  /** Size of a checkpoint waiting for its entries, if any. */
  awaitingCheckpointSize: number | null;
  /** Set when evidence halted ingestion (EQUIVOCATION or FORK). */
  halted: string | null;
  evidence: StoredEvidence[];
}
