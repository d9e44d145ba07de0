/** Deterministic, realistic leaf payloads for bench-read-models.ts (everything but v, log, idx and prev). */
import type { JsonValue, LedgerLeaf } from '../shared/ledger/index.ts';
import { TIERS } from '../shared/protocol/tier.ts';

const FLAGS = 1000;
const BASE = Date.UTC(2026, 0, 1);

/** The leaf fields a bench entry varies. */
export type BenchLeaf = Omit<LedgerLeaf, 'v' | 'log' | 'idx' | 'prev'>;

/** Key of bench flag i. */
export function benchFlag(i: number): string {
  return `team${i % 20}.dom.f${i}`;
}

function state(enabled: boolean, pct: number): JsonValue {
  return { enabled, rollout_pct: pct, variation: 'on', rules: [], prerequisites: [] };
}

function definition(i: number, owner: string): JsonValue {
  return {
    key: benchFlag(i),
    type: 'release',
    owner,
    services: [...new Set([`svc${i % 50}`, `svc${(i * 7) % 50}`])].sort(),
    tier: TIERS[i % 4] ?? 'LOW',
    safe_default: { enabled: false, rollout_pct: 0 },
    description: `bench flag ${i}`,
    stage: 'ACTIVE',
    expires_at: null,
  };
}

function base(idx: number, action: string, flag: string | null, env: string | null): BenchLeaf {
  return {
    ts: new Date(BASE + idx * 1000).toISOString(),
    actor: { type: 'user', id: `user${idx % 40}` },
    action,
    flag,
    env,
    before: null,
    after: null,
    reason: 'bench',
    refs: {},
  };
}

function envChange(idx: number, action: string): BenchLeaf {
  const f = (idx * 31) % FLAGS;
  const pct = (idx * 7) % 101;
  return {
    ...base(idx, action, benchFlag(f), idx % 2 === 0 ? 'production' : 'staging'),
    before: state(true, Math.max(0, pct - 5)),
    after: state(true, pct),
  };
}

function changeRequest(idx: number, step: number): BenchLeaf {
  const created = idx - step;
  const l = envChange(
    created,
    ['change_request.created', 'change_request.approved', 'change_request.applied', 'change_request.created'][step] ??
      '',
  );
  const refs = { change_request: `cr-${created}`, payload_hash: 'ab'.repeat(32) };
  if (step === 1)
    return { ...l, before: null, after: { approvals: 1, required: 1 }, actor: { type: 'user', id: 'approver' }, refs };
  return { ...l, ts: new Date(BASE + idx * 1000).toISOString(), refs };
}

/** The payload of bench entry idx: 1000 definitions first, then a realistic mix. */
export function benchLeaf(idx: number): BenchLeaf {
  if (idx < FLAGS) {
    const envs = { production: state(false, 0), staging: state(false, 0) };
    return {
      ...base(idx, 'flag.created', benchFlag(idx), null),
      after: { ...(definition(idx, `team${idx % 20}`) as Record<string, JsonValue>), environments: envs },
    };
  }
  const r = idx % 100;
  if (r >= 70 && r < 75) return envChange(idx, 'flag.killed');
  if (r >= 75 && r < 80) return { ...envChange(idx, 'flag.rolled_back'), refs: { rollback_of: String(idx - 10) } };
  if (r === 80)
    return { ...envChange(idx, 'flag.auto_rolled_back'), actor: { type: 'system', id: 'system:evaluator' } };
  if (r >= 81 && r <= 84) return changeRequest(idx, r - 81);
  if (r === 85 || r === 86) {
    const id = `inc-${idx - (r - 85)}`;
    const after = {
      id,
      service: `svc${idx % 50}`,
      title: 'errors up',
      severity: 'critical',
      source: 'manual',
      triggered_at: new Date(BASE + idx * 1000).toISOString(),
    };
    return {
      ...base(idx, r === 85 ? 'incident.triggered' : 'incident.resolved', null, 'production'),
      after,
      refs: { incident: id },
    };
  }
  if (idx % 1000 === 87) {
    const f = (idx * 31) % FLAGS;
    return {
      ...base(idx, 'flag.updated', benchFlag(f), null),
      before: definition(f, `team${f % 20}`),
      after: definition(f, `team${(f + 1) % 20}`),
    };
  }
  return envChange(idx, 'flag.updated');
}
