/** Flags, incidents, change requests, actions and metrics as the UI consumes them. */
import type { ChangeRequestOperation, EnvState as ProtocolEnvState, Tier } from '../../protocol/index.ts';
import type { FleetRoundTrip } from './fleet.ts';

/** The protocol's risk tier and change request operation (shared/protocol/). */
export type { ChangeRequestOperation, Tier } from '../../protocol/index.ts';

/** The protocol's per-environment state as read from any ledger (rule operators are not limited to RULE_OPS). */
export type EnvState = ProtocolEnvState<string>;

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
 * The incidents a screen needs: every active one, and the newest resolved ones up to the limit asked for (a year of
 * history holds thousands; the screen renders fifty at a time), with how many resolved ones the replica holds.
 */
export interface IncidentList {
  incidents: Incident[];
  resolvedTotal: number;
}

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
  /** Kills and rollbacks: which SDK instances applied the entry (absent for other actions and other sources). */
  fleet?: FleetRoundTrip | null;
}

/** A metrics series for the timeline chart. */
export interface MetricsSeries {
  service: string;
  stepSeconds: number;
  /** errorRate is a fraction 0..1 of requests; p95Ms in milliseconds; rps in requests per second. */
  points: { t: string; errorRate: number; p95Ms: number; rps: number }[];
}
