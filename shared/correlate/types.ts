/**
 * Data shapes of local correlation. Inputs are plain data (ledger entries, derived flag metadata, the incident,
 * optional telemetry); the output is the ranked-candidates contract (snake_case, as the UI and the CLI show it).
 */
import type { JsonValue, LedgerLeaf } from '../ledger/leaf.ts';
import type { Tier } from '../protocol/tier.ts';

/** A ledger entry as correlation reads it: the exact leaf plus whether a trusted checkpoint covers it. */
export interface CorrelationEntry extends LedgerLeaf {
  verified: boolean;
}

/** Blast-radius tier declared on a flag (shared/protocol/tier.ts). */
export type { Tier } from '../protocol/tier.ts';

/** The part of a flag's per-environment state that decides who gets what. */
export interface ExposureState {
  enabled: boolean;
  rollout_pct: number;
}

/** A flag's current definition, folded from its `flag.created` / `flag.updated` (env null) / `flag.tombstoned` entries. */
export interface FlagInfo {
  key: string;
  type: string | null;
  owner: string | null;
  /** Services that evaluate the flag; null when the ledger never said. */
  services: readonly string[] | null;
  tier: Tier | null;
  stage: string | null;
  safe_default: ExposureState | null;
  description: string | null;
  expires_at: string | null;
  /** Prerequisite flag keys per environment, from the latest state that carried them. */
  prerequisites: Readonly<Record<string, readonly string[]>>;
  tombstoned: boolean;
  /** Index of the last entry that changed this record. */
  updated_idx: number;
}

/** Every flag the ledger defined, by key. */
export type FlagCatalog = ReadonlyMap<string, FlagInfo>;

/** The incident being explained: when it fired, where, and its id when it came from the ledger. */
export interface IncidentInput {
  id: string | null;
  service: string | null;
  environment: string | null;
  /** Alert time, RFC 3339 (the monitoring system's clock, which may disagree with the ledger's by the skew). */
  at: string;
  title?: string | null;
}

/** One error-rate measurement (fraction 0..1) over a short interval ending at `at`. */
export interface ErrorRateSample {
  at: string;
  error_rate: number;
  requests?: number;
}

/** Optional error-rate telemetry, per flag key and per service. Absent means "no telemetry", never "no errors". */
export interface Telemetry {
  flags?: Readonly<Record<string, readonly ErrorRateSample[]>>;
  services?: Readonly<Record<string, readonly ErrorRateSample[]>>;
}

/** Tunables of one ranking; every default is documented in docs/correlation.md. */
export interface CorrelateOptions {
  windowSeconds?: number;
  skewSeconds?: number;
  halfLifeSeconds?: number;
  limit?: number;
}

/** Everything one ranking needs. `entries` must hold at least the window's entries; it may be the whole ledger. */
export interface CorrelateInput {
  entries: readonly CorrelationEntry[];
  incident: IncidentInput;
  /** Flag metadata as of the incident; derived from `entries` when omitted. */
  catalog?: FlagCatalog;
  /** Ids of approved change requests; derived from `entries` when omitted. */
  approvedChangeRequests?: ReadonlySet<string>;
  telemetry?: Telemetry | null;
  options?: CorrelateOptions;
  /**
   * Time of the ledger's first entry, when `entries` is only a slice (a replica query): lets the notes tell "before
   * the ledger starts" from "nothing changed". null means the ledger is empty; omitted means "look at `entries`".
   */
  firstEntryAt?: string | null;
}

/** Names of the scoring factors, in the order explanations list them. */
export type FactorName =
  'recency' | 'service' | 'environment' | 'tier' | 'exposure' | 'telemetry' | 'plan' | 'after_alert';

/** One factor's contribution: the multiplier it applied and why, in a few words. */
export interface Factor {
  factor: FactorName;
  multiplier: number;
  text: string;
}

/** How much a candidate stands out: HIGH = ≥ 3× any other with positive evidence, MEDIUM = within 3× of the top. */
export type Confidence = 'HIGH' | 'MEDIUM' | 'LOW';

/** One ranked candidate cause (the output contract). */
export interface Candidate {
  candidate_rank: number;
  flag_key: string;
  environment: string | null;
  actor: string;
  previous_value: JsonValue;
  new_value: JsonValue;
  /** Seconds from the change to the alert; negative when the ledger logged it after the alert. */
  delta_seconds_before_alert: number;
  score: number;
  confidence: Confidence;
  explanation: readonly Factor[];
  scheduled: boolean;
  pre_approved: boolean;
  after_alert: boolean;
  ledger_idx: number;
  verified: boolean;
}

/** An automatic rollback by the circuit breaker in the window: a response, shown as context, never a candidate. */
export interface ContextEntry {
  ledger_idx: number;
  flag_key: string;
  environment: string | null;
  actor: string;
  ts: string;
  delta_seconds_before_alert: number;
  previous_value: JsonValue;
  new_value: JsonValue;
  reason: string;
  verified: boolean;
}

/** The result of one ranking. */
export interface CorrelationResult {
  incident: { id: string | null; service: string | null; environment: string | null; at: string };
  window: { from: string; to: string; window_seconds: number; skew_seconds: number; half_life_seconds: number };
  candidates: Candidate[];
  /** How many changes were scored (the candidates are the top `limit` of them). */
  considered: number;
  context: ContextEntry[];
  /** Plain sentences about the input: missing telemetry, unverified entries, empty window. */
  notes: string[];
}
