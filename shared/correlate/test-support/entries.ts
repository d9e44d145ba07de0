/** Builders for correlation tests and fixtures: a valid entry with sensible defaults, flag states, definitions. */
import type { JsonValue } from '../../ledger/leaf.ts';
import type { CorrelationEntry } from '../types.ts';

/** Base time of test ledgers: 2026-11-25T03:00:00.000Z. */
export const T0 = Date.UTC(2026, 10, 25, 3, 0, 0);

/** RFC 3339 (ms, UTC) of T0 + `seconds`. */
export function at(seconds: number): string {
  return new Date(T0 + seconds * 1000).toISOString();
}

/** An EnvState value. */
export function state(enabled: boolean, rolloutPct: number, extra: { [key: string]: JsonValue } = {}): JsonValue {
  return { enabled, rollout_pct: rolloutPct, variation: 'on', rules: [], prerequisites: [], ...extra };
}

/** A FlagDefinition value (owner, services, tier…), optionally with environments (for `flag.created`). */
export function definition(
  key: string,
  o: { owner?: string; services?: string[]; tier?: string; environments?: JsonValue } = {},
): JsonValue {
  const def: { [key: string]: JsonValue } = {
    key,
    type: 'release',
    owner: o.owner ?? key.split('.')[0] ?? 'team',
    services: o.services ?? [],
    tier: o.tier ?? 'MEDIUM',
    safe_default: { enabled: false, rollout_pct: 0 },
    description: key,
    stage: 'ACTIVE',
    expires_at: null,
  };
  if (o.environments !== undefined) def['environments'] = o.environments;
  return def;
}

/** A ledger entry with defaults (a flag update in production by alice at T0); override any field. */
export function entry(idx: number, o: Partial<CorrelationEntry> = {}): CorrelationEntry {
  return {
    v: 1,
    log: 'tombstone.test/log',
    idx,
    ts: at(0),
    actor: { type: 'user', id: 'alice' },
    action: 'flag.updated',
    flag: 'team.domain.flag',
    env: 'production',
    before: state(false, 0),
    after: state(true, 50),
    reason: 'test',
    refs: {},
    prev: idx === 0 ? '' : 'a'.repeat(64),
    verified: true,
    ...o,
  };
}

/** A `flag.created` entry defining `key` for `services`. */
export function created(
  idx: number,
  key: string,
  services: string[],
  o: { tier?: string; owner?: string; seconds?: number; prerequisites?: string[] } = {},
): CorrelationEntry {
  const env = state(false, 0, { prerequisites: o.prerequisites ?? [] });
  const def = definition(key, { services, tier: o.tier, owner: o.owner, environments: { production: env } });
  return entry(idx, {
    action: 'flag.created',
    flag: key,
    env: null,
    before: null,
    after: def,
    ts: at(o.seconds ?? -86_400),
  });
}

/** An `incident.triggered` entry for `service`, alert time T0 + `seconds`. */
export function incidentEntry(
  idx: number,
  id: string,
  service: string,
  seconds: number,
  env: string | null = 'production',
): CorrelationEntry {
  return entry(idx, {
    action: 'incident.triggered',
    flag: null,
    env,
    before: null,
    ts: at(seconds + 20),
    actor: { type: 'service', id: 'pagerduty' },
    after: { id, service, title: 'errors', severity: 'critical', source: 'pagerduty', triggered_at: at(seconds) },
    refs: { incident: id },
  });
}
