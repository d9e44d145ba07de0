/**
 * Test support: small ledgers written the way the control plane writes them (control-plane/domain/*.ts), as real
 * canonical leaves with a real prev chain (main/ledger/test-support/fixtures.ts TestLog), mirrored into a real Replica, so the
 * read models read exactly what the sync engine would have stored.
 */
import type { JsonValue, LeafActor, LedgerLeaf } from '../../../shared/ledger/index.ts';
import { payloadHashHex } from '../../../shared/protocol/change-requests.ts';
import { AppError } from '../../ipc/app-error.ts';
import { TestLog, trustedKeyOf } from '../../ledger/test-support/fixtures.ts';
import { sha256 } from '../../ledger/node-crypto.ts';
import { Replica } from '../../ledger/replica.ts';

/** Start of test ledgers: entry i is at T0 + i minutes. */
export const T0 = Date.UTC(2026, 10, 25, 3, 0, 0);

/** The AppError code `fn` throws, null when it returns; anything else thrown is named so a test fails legibly. */
export function codeOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    return err instanceof AppError ? err.code : `not an AppError: ${String(err)}`;
  }
}

/** RFC 3339 of T0 + `minutes`. */
export function at(minutes: number): string {
  return new Date(T0 + minutes * 60_000).toISOString();
}

/** An EnvState as the control plane writes it. */
export function st(enabled: boolean, pct: number, extra: { [k: string]: JsonValue } = {}): { [k: string]: JsonValue } {
  return { enabled, rollout_pct: pct, variation: 'on', rules: [], prerequisites: [], ...extra };
}

/** The leaf fields a test sets; idx, log, prev and v come from the log. */
export type LeafFields = Partial<Omit<LedgerLeaf, 'idx' | 'log' | 'prev' | 'v'>>;

/** A definition as flag.created / flag.updated (env null) carry it. */
export function definition(
  key: string,
  o: { owner?: string; services?: string[]; tier?: string; stage?: string } = {},
): { [k: string]: JsonValue } {
  return {
    key,
    type: 'release',
    owner: o.owner ?? 'payments',
    services: o.services ?? ['checkout-api'],
    tier: o.tier ?? 'LOW',
    safe_default: { enabled: false, rollout_pct: 0 },
    description: `${key} flag`,
    stage: o.stage ?? 'DRAFT',
    expires_at: null,
  };
}

/** Builds a ledger entry by entry; `ts` defaults to T0 + idx minutes. */
export class LedgerScript {
  readonly log = new TestLog('tombstone.test/views');

  /** Appends one entry; returns its idx. */
  add(f: LeafFields): number {
    const idx = this.log.texts.length;
    this.log.add((l) => ({
      ...l,
      ts: at(idx),
      actor: { type: 'user', id: 'alice' },
      action: 'flag.updated',
      flag: null,
      env: null,
      before: null,
      after: null,
      reason: 'test',
      refs: {},
      ...f,
    }));
    return idx;
  }

  /** flag.created with every environment's initial state. */
  created(
    key: string,
    o: { owner?: string; services?: string[]; tier?: string; envs?: Record<string, JsonValue> } = {},
  ): number {
    const envs = o.envs ?? { production: st(false, 0), staging: st(false, 0) };
    return this.add({
      action: 'flag.created',
      flag: key,
      after: { ...definition(key, o), environments: envs },
      reason: `created ${key}`,
    });
  }

  /** A state change (flag.updated by default) in one environment. */
  change(key: string, env: string, before: JsonValue, after: JsonValue, o: LeafFields = {}): number {
    return this.add({ action: 'flag.updated', flag: key, env, before, after, ...o });
  }

  /** A change request's `created` entry (payload hash as the control plane computes it). */
  request(
    id: string,
    key: string,
    before: JsonValue,
    after: { [k: string]: JsonValue },
    actor: LeafActor,
    scheduledAt: string | null = null,
  ): number {
    const hash = payloadHashHex(sha256, key, 'production', after, scheduledAt);
    const payload = scheduledAt === null ? after : { ...after, scheduled_at: scheduledAt };
    return this.add({
      action: 'change_request.created',
      actor,
      flag: key,
      env: 'production',
      before,
      after: payload,
      refs: { change_request: id, payload_hash: hash },
    });
  }

  /** The refs of request `id` (from its created entry). */
  refsOf(id: string): Record<string, string> {
    const text = this.log.texts.find(
      (t) => t.includes(`"change_request":"${id}"`) && t.includes('"action":"change_request.created"'),
    );
    if (text === undefined) throw new Error(`no request ${id}`);
    return (JSON.parse(text) as LedgerLeaf).refs;
  }

  /** An incident entry as control-plane/domain/incidents.ts writes it. */
  incident(action: string, id: string, service: string): number {
    const facts = {
      id,
      service,
      title: `${service} errors`,
      severity: 'critical',
      source: 'pagerduty',
      triggered_at: at(0),
    };
    return this.add({
      action,
      actor: { type: 'service', id: 'pagerduty' },
      env: 'production',
      after: facts,
      refs: { incident: id },
      reason: `PagerDuty ${action}`,
    });
  }
}

/** An in-memory replica holding the first `upTo` entries of `log`, the first `verified` of them verified by a signed checkpoint. */
export async function replicaOf(log: TestLog, verified = log.texts.length, upTo = log.texts.length): Promise<Replica> {
  const replica = Replica.open({
    path: ':memory:',
    origin: log.origin,
    trustedKeys: log.signers.map((s) => trustedKeyOf(s)),
    highWaterMark: null,
  });
  await replica.appendEntries(log.entries(0, upTo));
  if (verified > 0) {
    const out = await replica.applyCheckpoint(log.checkpoint(verified));
    if (out.kind !== 'promoted') throw new Error(`test checkpoint not promoted: ${out.kind}`);
  }
  return replica;
}

const BOB: LeafActor = { type: 'user', id: 'bob' };
const CAROL: LeafActor = { type: 'user', id: 'carol' };
const EVALUATOR: LeafActor = { type: 'system', id: 'system:evaluator' };

/** The shared test ledger: three live flags on three services, a tombstoned one, four-eyes flows, incidents. */
export function scenario(): LedgerScript {
  const s = new LedgerScript();
  s.created('pay.checkout.v2', { owner: 'payments', services: ['checkout-api', 'web'], tier: 'HIGH' }); // 0
  s.created('pay.fraud.rules', {
    owner: 'risk',
    services: ['checkout-api'],
    tier: 'BLOCKED',
    envs: { production: st(false, 0, { prerequisites: ['pay.checkout.v2'] }), staging: st(false, 0) },
  }); // 1
  s.created('search.rank.v3', {
    owner: 'search',
    services: ['search-api'],
    tier: 'LOW',
    envs: { production: st(true, 10), staging: st(false, 0) },
  }); // 2
  s.change('search.rank.v3', 'production', st(true, 10), st(true, 50), { actor: BOB }); // 3
  s.incident('incident.triggered', 'PD-1', 'checkout-api'); // 4
  s.request('cr-5', 'pay.checkout.v2', st(false, 0), st(true, 25), { type: 'user', id: 'alice' }); // 5
  s.add({
    action: 'change_request.approved',
    actor: BOB,
    flag: 'pay.checkout.v2',
    env: 'production',
    after: { approvals: 1, required: 1 },
    refs: s.refsOf('cr-5'),
  }); // 6
  s.add({
    action: 'change_request.applied',
    actor: BOB,
    flag: 'pay.checkout.v2',
    env: 'production',
    before: st(false, 0),
    after: st(true, 25),
    refs: s.refsOf('cr-5'),
  }); // 7
  s.change('search.rank.v3', 'production', st(true, 50), st(false, 0), {
    action: 'flag.killed',
    actor: CAROL,
    reason: 'errors on search',
  }); // 8
  s.add({
    action: 'flag.updated',
    flag: 'search.rank.v3',
    before: definition('search.rank.v3', { owner: 'search', services: ['search-api'] }),
    after: definition('search.rank.v3', { owner: 'discovery', services: ['search-api', 'web'] }),
    reason: 'team rename',
  }); // 9
  s.incident('incident.acknowledged', 'PD-1', 'checkout-api'); // 10
  s.request(
    'cr-11',
    'pay.fraud.rules',
    st(false, 0, { prerequisites: ['pay.checkout.v2'] }),
    st(true, 5, { prerequisites: ['pay.checkout.v2'] }),
    { type: 'user', id: 'dave' },
  ); // 11
  s.add({
    action: 'change_request.approved',
    actor: BOB,
    flag: 'pay.fraud.rules',
    env: 'production',
    after: { approvals: 1, required: 2 },
    refs: s.refsOf('cr-11'),
  }); // 12
  s.change('pay.checkout.v2', 'production', st(true, 25), st(false, 0), {
    action: 'flag.auto_rolled_back',
    actor: EVALUATOR,
    reason: 'circuit_breaker: error rate 9.0%',
  }); // 13
  s.change('search.rank.v3', 'production', st(false, 0), st(true, 50), {
    action: 'flag.rolled_back',
    actor: CAROL,
    refs: { rollback_of: '8' },
  }); // 14
  s.created('old.legacy.router', { owner: 'payments', services: ['router'], tier: 'MEDIUM' }); // 15
  s.add({
    action: 'flag.tombstoned',
    flag: 'old.legacy.router',
    before: definition('old.legacy.router'),
    reason: 'retired',
  }); // 16
  s.incident('incident.triggered', 'PD-2', 'search-api'); // 17
  s.change('pay.checkout.v2', 'staging', st(false, 0), st(true, 100)); // 18
  return s;
}
