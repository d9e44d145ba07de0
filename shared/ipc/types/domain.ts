/** Flags, incidents, change requests, actions and metrics as the UI consumes them. */
import type { Tier } from '../../correlate/types.ts';

/** Per-environment state of a flag (leaf payload convention). */
export interface EnvState {
  enabled: boolean;
  rollout_pct: number;
  variation: string;
  rules: { attribute: string; op: string; values: string[]; variation: string }[];
  prerequisites: string[];
}

/** Risk tier (one definition, shared with the correlation model). */
export type { Tier } from '../../correlate/types.ts';

/** A flag as derived from the replica. */
export interface FlagSummary {
  key: string;
  type: string;
  owner: string;
  services: string[];
  tier: Tier;
  stage: string;
  tombstoned: boolean;
  environments: Record<string, EnvState>;
}

/** A flag with what a destructive action would affect. */
export interface FlagDetail extends FlagSummary {
  description: string;
  safe_default: { enabled: boolean; rollout_pct: number };
  dependents: string[];
  lastChangeIdx: number | null;
}

/** An incident from the ledger. */
export interface Incident {
  id: string;
  service: string;
  title: string;
  severity: string;
  source: 'pagerduty' | 'manual';
  status: 'triggered' | 'acknowledged' | 'resolved';
  triggeredAt: string;
  idx: number;
}

/**
 * What a change request does when it applies: `state` sets one environment's state; `definition` changes the flag's
 * safe default and/or tier (every environment); `archive` tombstones the flag for ever (every environment).
 */
export type ChangeRequestOperation = 'state' | 'definition' | 'archive';

/** A change request derived from the ledger. */
export interface ChangeRequest {
  id: string;
  flag: string;
  operation: ChangeRequestOperation;
  /** The environment of a `state` request; null for `definition` and `archive` (they concern every environment). */
  env: string | null;
  tier: Tier;
  requester: string;
  status: 'PENDING' | 'APPROVED' | 'APPLIED' | 'REJECTED' | 'VOIDED';
  approvals: string[];
  required: number;
  before: unknown;
  after: unknown;
  payloadHash: string;
  scheduledAt: string | null;
  reason: string;
  createdIdx: number;
}

/** The round trip of an action: sent → applied (ledger idx) → arrived verified in the replica. */
export interface ActionReceipt {
  action: string;
  idempotencyKey: string;
  sentAt: string;
  appliedIdx: number | null;
  appliedMs: number | null;
  verifiedMs: number | null;
  status: 'sent' | 'applied' | 'verified' | 'failed';
  error: { code: string; message: string } | null;
}

/** A metrics series for the timeline chart. */
export interface MetricsSeries {
  service: string;
  stepSeconds: number;
  /** errorRate is a fraction 0..1 of requests; p95Ms in milliseconds; rps in requests per second. */
  points: { t: string; errorRate: number; p95Ms: number; rps: number }[];
}
