/** Test fixtures shaped like what main returns for a small replica; used only by tests. */
import type {
  ActionReceipt,
  ChangeRequest,
  CorrelationResult,
  EntryRow,
  EnvState,
  FlagDetail,
  Incident,
  IncidentList,
  VerificationStatus,
} from '../../../shared/ipc/contract.ts';
import type { ApiMethods } from './fake-api.ts';

/** An EnvState with the given exposure. */
export function envState(enabled: boolean, rollout = 100): EnvState {
  return { enabled, rollout_pct: rollout, variation: enabled ? 'on' : 'off', rules: [], prerequisites: [] };
}

/** A verified replica of 120 entries, 2 pending. */
export const status: VerificationStatus = {
  origin: 'tombstone.example/ledger',
  receivedSize: 122,
  verifiedSize: 120,
  rootHex: 'ab'.repeat(32),
  checkpointAt: '2026-11-25T03:11:00.000Z',
  pending: 2,
  alert: null,
};

/** The demo incident. */
export const incident: Incident = {
  id: 'inc-1',
  service: 'checkout',
  title: 'Checkout 5xx',
  severity: 'critical',
  source: 'pagerduty',
  status: 'triggered',
  triggeredAt: '2026-11-25T03:12:45.123Z',
  idx: 118,
};

/** A resolved older incident. */
export const oldIncident: Incident = {
  ...incident,
  id: 'inc-0',
  title: 'Old',
  status: 'resolved',
  triggeredAt: '2026-11-24T01:00:00.000Z',
  idx: 40,
};

/** A ranking with one candidate. */
export const correlation: CorrelationResult = {
  incident: { id: 'inc-1', service: 'checkout', environment: 'production', at: incident.triggeredAt },
  window: {
    from: '2026-11-25T02:40:45.123Z',
    to: '2026-11-25T03:14:45.123Z',
    window_seconds: 1800,
    skew_seconds: 120,
    half_life_seconds: 600,
  },
  candidates: [
    {
      candidate_rank: 1,
      flag_key: 'payments.checkout.new-tax',
      environment: 'production',
      actor: 'bob',
      previous_value: { enabled: false, rollout_pct: 0 },
      new_value: { enabled: true, rollout_pct: 100 },
      delta_seconds_before_alert: 95,
      score: 0.82,
      confidence: 'HIGH',
      explanation: [
        { factor: 'recency', multiplier: 0.9, text: '95 s before the alert' },
        { factor: 'service', multiplier: 3, text: 'evaluated by checkout' },
      ],
      scheduled: false,
      pre_approved: false,
      after_alert: false,
      ledger_idx: 117,
      verified: true,
    },
  ],
  considered: 4,
  context: [],
  notes: ['No telemetry was supplied.'],
};

/** A flag with BLOCKED tier. */
export const blockedFlag: FlagDetail = {
  key: 'core.ledger.writes',
  type: 'kill-switch',
  owner: 'core',
  services: ['ledger'],
  tier: 'BLOCKED',
  stage: 'ACTIVE',
  tombstoned: false,
  environments: { production: envState(true) },
  description: 'Ledger writes',
  safe_default: { enabled: false, rollout_pct: 0 },
  dependents: ['core.ledger.audit'],
  lastChangeIdx: 90,
};

/** A flag with LOW tier. */
export const lowFlag: FlagDetail = {
  ...blockedFlag,
  key: 'payments.checkout.new-tax',
  type: 'release',
  owner: 'payments',
  services: ['checkout'],
  tier: 'LOW',
  dependents: [],
  environments: { production: envState(true), staging: envState(true, 50) },
  lastChangeIdx: 117,
};

/** A pending HIGH change request by `requester`. */
export function changeRequest(requester: string, id = 'cr-1'): ChangeRequest {
  return {
    id,
    flag: 'payments.checkout.new-tax',
    operation: 'state',
    env: 'production',
    tier: 'HIGH',
    requester,
    status: 'PENDING',
    approvals: [],
    required: 1,
    before: envState(false, 0),
    after: envState(true, 25),
    payloadHash: 'c0ffee'.padEnd(64, '0'),
    scheduledAt: null,
    reason: 'Ramp the new tax engine to 25 %',
    createdIdx: 110,
  };
}

/** A pending request by `requester` to archive (tombstone) the HIGH flag, as the control plane writes it. */
export function archiveRequest(requester: string, id = 'cr-2'): ChangeRequest {
  return {
    ...changeRequest(requester, id),
    operation: 'archive',
    env: null,
    before: { stage: 'CLEANUP' },
    after: { stage: 'TOMBSTONED' },
    reason: 'Legacy tax engine removed from every service',
  };
}

/** A pending request by `requester` to change the HIGH flag's safe default and lower its tier. */
export function definitionRequest(requester: string, id = 'cr-3'): ChangeRequest {
  return {
    ...changeRequest(requester, id),
    operation: 'definition',
    env: null,
    before: { safe_default: { enabled: false, rollout_pct: 0 }, tier: 'HIGH' },
    after: { safe_default: { enabled: true, rollout_pct: 100 }, tier: 'MEDIUM' },
    reason: 'Tax engine is the default path now',
  };
}

/** An applied receipt. */
export function receipt(key: string, status: ActionReceipt['status'] = 'applied'): ActionReceipt {
  return {
    action: 'kill',
    idempotencyKey: key,
    sentAt: '2026-11-25T03:13:00.000Z',
    appliedIdx: 123,
    appliedMs: 41,
    verifiedMs: status === 'verified' ? 212 : null,
    status,
    error: null,
  };
}

/** A ledger row at `idx`. */
export function row(idx: number): EntryRow {
  return {
    idx,
    ts: new Date(Date.UTC(2026, 10, 25, 3, 0, 0) + idx * 1000).toISOString(),
    actor: 'alice',
    actorType: 'user',
    action: 'flag.updated',
    flag: 'payments.checkout.new-tax',
    env: 'production',
    reason: 'ramp',
    services: ['checkout'],
    team: 'payments',
    tier: 'LOW',
    summary: `change ${idx}`,
    verified: true,
  };
}

/** Overrides that make the fake API look like a live console with a replica, signed in as `name` with `role`. */
export function liveReplica(
  name = 'alice',
  role: 'responder' | 'approver' | 'admin' | 'viewer' = 'admin',
): Partial<ApiMethods> {
  return {
    connectionStatus: async () => ({
      ok: true,
      value: {
        kind: 'reachable',
        url: 'http://127.0.0.1:4000',
        checkedAt: '2026-11-25T03:13:00.000Z',
        roundTripMs: 4,
        identity: { name, role },
      },
    }),
    profilesList: async () => ({
      ok: true,
      value: [
        {
          id: 'p1',
          name: 'demo',
          url: 'http://127.0.0.1:4000',
          environment: 'production',
          origin: status.origin,
          active: true,
          hasToken: true,
        },
      ],
    }),
    syncState: async () => ({
      ok: true,
      value: { kind: 'live', url: 'http://127.0.0.1:4000', roundTripMs: 12, since: '2026-11-25T03:00:00.000Z' },
    }),
    identityGet: async () => ({ ok: true, value: { name, role } }),
    verifyStatus: async () => ({ ok: true, value: status }),
    verifyEvidence: async () => ({ ok: true, value: [] }),
    breakGlassPending: async () => ({ ok: true, value: [] }),
    breakGlassRecent: async () => ({ ok: true, value: [] }),
    incidentsList: async (a) => ({ ok: true, value: incidentPage([oldIncident, incident], a) }),
    correlationRank: async () => ({ ok: true, value: correlation }),
    changeRequestsList: async () => ({ ok: true, value: [] }),
    metricsSeries: async (a) => ({ ok: true, value: { service: a.service, stepSeconds: a.stepSeconds, points: [] } }),
    ledgerQuery: async (q) => ({ ok: true, value: { rows: [row(117)].slice(q.offset, q.offset + q.limit), total: 1 } }),
    flagsList: async () => ({ ok: true, value: [lowFlag, blockedFlag] }),
    flagsGet: async ({ key }) =>
      key === blockedFlag.key ? { ok: true, value: blockedFlag } : { ok: true, value: lowFlag },
  };
}

/** What the console host answers for `incidents:list` over `all`: every active one, the newest resolved up to the limit. */
export function incidentPage(all: readonly Incident[], args: { resolvedLimit: number }): IncidentList {
  const resolved = all
    .filter((i) => i.status === 'resolved')
    .sort((a, b) => b.triggeredAt.localeCompare(a.triggeredAt) || b.idx - a.idx);
  return {
    incidents: [...all.filter((i) => i.status !== 'resolved'), ...resolved.slice(0, args.resolvedLimit)],
    resolvedTotal: resolved.length,
  };
}
