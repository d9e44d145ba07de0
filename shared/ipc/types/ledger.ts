/** Ledger rows, filters, verification status and evidence as the UI consumes them. */
import type { Tier } from '../../protocol/tier.ts';

/** One ledger entry, flattened for tables (the exact leaf text is in EntryDetail). */
export interface EntryRow {
  idx: number;
  ts: string;
  actor: string;
  actorType: 'user' | 'service' | 'system';
  action: string;
  flag: string | null;
  env: string | null;
  reason: string;
  /** Service(s) evaluating the flag, from its definition in the ledger. */
  services: string[];
  team: string | null;
  tier: Tier | null;
  summary: string;
  verified: boolean;
}

/** Filters of ledger queries; every field optional, combined with AND. */
export interface LedgerFilter {
  from?: string;
  to?: string;
  flag?: string;
  service?: string;
  team?: string;
  actor?: string;
  action?: string;
  tier?: Tier;
  env?: string;
  /** Only entries that change what users get. */
  changesOnly?: boolean;
}

/** A page request: rows [offset, offset+limit) of the filtered, idx-ordered list. */
export interface LedgerQuery {
  filter: LedgerFilter;
  offset: number;
  limit: number;
  order: 'asc' | 'desc';
}

/** One page of rows with the total number matching the filter. */
export interface LedgerPage {
  rows: EntryRow[];
  total: number;
}

/** Everything about one entry: its exact bytes, hash and proof status. */
export interface EntryDetail {
  row: EntryRow;
  leafText: string;
  leafHashHex: string;
  prevHex: string;
  before: unknown;
  after: unknown;
  refs: Record<string, string>;
}

/** Result of checking an entry's inclusion proof against the verified root. */
export interface InclusionCheck {
  idx: number;
  treeSize: number;
  rootHex: string;
  proofHex: string[];
  ok: boolean;
  code: string | null;
}

/** Verification state of the active replica. */
export interface VerificationStatus {
  origin: string | null;
  receivedSize: number;
  verifiedSize: number;
  rootHex: string | null;
  /** When the latest trusted checkpoint was applied. */
  checkpointAt: string | null;
  pending: number;
  alert: Evidence | null;
  /**
   * The deep re-verification that follows the cheap launch check, while it runs (entries checked of the verified
   * size); absent or null once it ended. Until then nothing in the replica is shown as verified.
   */
  deepCheck?: { done: number; total: number } | null;
  /**
   * Set when the replica's checkpoints are signed by the console's own key (an Unleash mirror): what is proved starts
   * at `since`, and `notice` says so in one sentence for the badge.
   */
  sealedLocally?: { since: string | null; notice: string };
}

/** A piece of evidence: what failed, where, and the signed notes that prove it. */
export interface Evidence {
  id: number;
  kind: string;
  code: string;
  idx: number | null;
  detail: string;
  notes: string[];
  at: string;
}

/** Progress of a full re-verification. */
export interface VerifyProgress {
  runId: string;
  done: number;
  total: number;
}

/** The outcome of a full re-verification. */
export type VerifyOutcome =
  | { runId: string; kind: 'verified'; size: number; rootHex: string; seconds: number; mode: 'deep' | 'quick' }
  | { runId: string; kind: 'failed'; code: string; idx: number | null; detail: string; mode: 'deep' | 'quick' }
  | { runId: string; kind: 'cancelled' };
