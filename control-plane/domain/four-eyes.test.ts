/**
 * Every path by which one person could change what a later action does, or lower protection, and so expose a HIGH or
 * BLOCKED flag without a second person (docs/protocol.md, "Four-eyes gates"). Each test is the attack, then the way
 * the same change still goes through with four-eyes or break-glass.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness, Res } from '../test-support/harness.ts';
import { T0, code, entries, lastEntry, makeFlag, obj, startHarness, waitFor } from '../test-support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.close());

const OFF = { enabled: false, rollout_pct: 0, variation: 'on', rules: [], prerequisites: [] };
const WIDE = { enabled: true, rollout_pct: 100 };

function err(res: Res): Record<string, unknown> {
  return obj(res)['error'] as Record<string, unknown>;
}

async function flag(key: string): Promise<Record<string, unknown>> {
  return obj(await h.req('vera', 'GET', `/api/v1/flags/${key}`));
}

async function prod(key: string): Promise<unknown> {
  return ((await flag(key))['environments'] as Record<string, unknown>)['production'];
}

async function openRequest(who: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await h.req(who, 'POST', '/api/v1/change-requests', { reason: 'planned change', ...body });
  if (res.status !== 201) throw new Error(`${res.status} ${res.text}`);
  return obj(res);
}

function approve(who: string, cr: Record<string, unknown>): Promise<Res> {
  return h.req(who, 'POST', `/api/v1/change-requests/${String(cr['id'])}/approve`, {
    payload_hash: cr['payload_hash'],
  });
}

/** Sets a gated flag's production state through a request approved by amy. */
async function approvedState(key: string, state: Record<string, unknown>): Promise<number> {
  const cr = await openRequest('rita', { flag_key: key, environment: 'production', ...state });
  const res = await approve('amy', cr);
  expect(obj(res)['status']).toBe('APPLIED');
  return obj(res)['applied_idx'] as number;
}

async function token(who: string, key: string, envs: string[]): Promise<string> {
  const res = await h.req(who, 'POST', '/api/v1/break-glass/tokens', {
    justification: 'payments down for every EU customer, approvers unreachable',
    scope: { flags: [key], envs },
  });
  return obj(res)['token'] as string;
}

async function rollbackPath(idx: number): Promise<string> {
  const link = await h.req('rita', 'GET', `/api/v1/ledger/entries/${idx}/rollback-link`);
  return String(obj(link)['url']).slice(h.url.length);
}

describe('the safe default of a HIGH or BLOCKED flag is a gated change', () => {
  it('refuses the reported bypass: a responder widens the safe default, then kills production open', async () => {
    const key = await makeFlag(h, 'payments.gate.safe-high', 'HIGH');
    const size = h.cp.app.ledger.size;
    const patch = await h.req('rita', 'PATCH', `/api/v1/flags/${key}`, { safe_default: WIDE, reason: 'make it so' });
    expect([patch.status, code(patch), err(patch)['tier']]).toEqual([403, 'APPROVAL_REQUIRED', 'HIGH']);
    expect(h.cp.app.ledger.size).toBe(size);
    const kill = await h.req('rita', 'POST', `/api/v1/flags/${key}/kill`, {
      environment: 'production',
      reason: 'kill it now, really',
    });
    expect([kill.status, code(kill)]).toEqual([409, 'NO_CHANGE']);
    expect(await prod(key)).toEqual(OFF);
    const blocked = await makeFlag(h, 'payments.gate.safe-blocked', 'BLOCKED');
    const b = await h.req('alice', 'PATCH', `/api/v1/flags/${blocked}`, { safe_default: WIDE });
    expect([b.status, code(b)]).toEqual([403, 'APPROVAL_REQUIRED']);
    const low = await makeFlag(h, 'payments.gate.safe-low', 'LOW');
    expect((await h.req('rita', 'PATCH', `/api/v1/flags/${low}`, { safe_default: WIDE })).status).toBe(200);
  });

  it('goes through as a definition change request, applied when approved (env null entries)', async () => {
    const key = await makeFlag(h, 'payments.gate.safe-request', 'HIGH');
    const cr = await openRequest('rita', { flag_key: key, operation: 'definition', safe_default: WIDE });
    expect(cr).toMatchObject({
      operation: 'definition',
      environment: null,
      status: 'PENDING',
      required_approvals: 1,
      before: { safe_default: { enabled: false, rollout_pct: 0 } },
      after: { safe_default: WIDE },
    });
    expect(await lastEntry(h)).toMatchObject({
      action: 'change_request.created',
      env: null,
      refs: { change_request: cr['id'], operation: 'definition' },
    });
    const ok = await approve('amy', cr);
    expect(obj(ok)).toMatchObject({ status: 'APPLIED' });
    const applied = await lastEntry(h);
    expect(applied).toMatchObject({
      action: 'change_request.applied',
      env: null,
      actor: { id: 'amy' },
      before: { key, safe_default: { enabled: false, rollout_pct: 0 } },
      after: { key, safe_default: WIDE, tier: 'HIGH' },
      refs: { change_request: cr['id'], payload_hash: cr['payload_hash'], operation: 'definition' },
    });
    expect((await flag(key))['safe_default']).toEqual(WIDE);
  });

  it('goes through with a break-glass token that covers the flag in every environment', async () => {
    const key = await makeFlag(h, 'payments.gate.safe-glass', 'BLOCKED');
    const narrow = await token('rita', key, ['production']);
    const scoped = await h.req(
      'rita',
      'PATCH',
      `/api/v1/flags/${key}`,
      { safe_default: WIDE },
      {
        'X-Break-Glass-Token': narrow,
      },
    );
    expect([scoped.status, code(scoped)]).toEqual([403, 'BREAK_GLASS_SCOPE']);
    const all = await token('rita', key, ['production', 'staging']);
    const res = await h.req(
      'rita',
      'PATCH',
      `/api/v1/flags/${key}`,
      { safe_default: WIDE, reason: 'under glass' },
      {
        'X-Break-Glass-Token': all,
      },
    );
    expect(res.status).toBe(200);
    expect(await lastEntry(h)).toMatchObject({
      action: 'break_glass.used',
      env: null,
      after: { safe_default: WIDE },
      reason: 'under glass',
      refs: { operation: 'flag.updated' },
    });
  });
});

describe('a kill never moves a flag away from what serves fewer users without the gate', () => {
  it('refuses to kill a HIGH flag into a safe default that serves more users (set when it was created)', async () => {
    const key = await makeFlag(h, 'payments.gate.born-wide', 'HIGH', { safe_default: WIDE });
    const kill = await h.req('rita', 'POST', `/api/v1/flags/${key}/kill`, {
      environment: 'production',
      reason: 'kill it now, really',
    });
    expect([kill.status, code(kill), err(kill)['tier']]).toEqual([403, 'APPROVAL_REQUIRED', 'HIGH']);
    expect(await prod(key)).toEqual(OFF);
    const glass = await token('rita', key, ['production']);
    const ok = await h.req(
      'rita',
      'POST',
      `/api/v1/flags/${key}/kill`,
      { environment: 'production', reason: 'kill it now, really' },
      { 'X-Break-Glass-Token': glass },
    );
    expect(obj(ok)).toMatchObject({ action: 'break_glass.used', after: { enabled: true, rollout_pct: 100 } });
    expect((await lastEntry(h))['refs']).toMatchObject({ operation: 'flag.killed' });
  });

  it('still lets one responder kill a HIGH flag to a safe default that serves fewer users', async () => {
    const key = await makeFlag(h, 'payments.gate.narrow-kill', 'HIGH', {
      safe_default: { enabled: true, rollout_pct: 5 },
    });
    await approvedState(key, { enabled: true, rollout_pct: 50 });
    const kill = await h.req('rita', 'POST', `/api/v1/flags/${key}/kill`, {
      environment: 'production',
      reason: 'errors after the ramp',
    });
    expect(obj(kill)).toMatchObject({ action: 'flag.killed', after: { enabled: true, rollout_pct: 5 } });
  });
});

describe('a rollback is gated unless it narrows', () => {
  it('refuses to re-expose a killed HIGH flag by rolling back the kill', async () => {
    const key = await makeFlag(h, 'payments.gate.unkill', 'HIGH');
    await approvedState(key, { enabled: true, rollout_pct: 50 });
    const kill = await h.req('rita', 'POST', `/api/v1/flags/${key}/kill`, {
      environment: 'production',
      reason: 'errors after the ramp',
    });
    const res = await h.req('rita', 'POST', await rollbackPath(obj(kill)['idx'] as number), {
      reason: 'it was fine, turn it back on',
    });
    expect([res.status, code(res)]).toEqual([403, 'APPROVAL_REQUIRED']);
    expect(await prod(key)).toEqual(OFF);
  });

  it('lets one responder roll back an approved ramp-up of a HIGH flag (that narrows)', async () => {
    const key = await makeFlag(h, 'payments.gate.unramp', 'HIGH');
    await approvedState(key, { enabled: true, rollout_pct: 50 });
    const up = await approvedState(key, { rollout_pct: 100 });
    const res = await h.req('rita', 'POST', await rollbackPath(up), { reason: 'errors after the ramp' });
    expect(obj(res)).toMatchObject({ action: 'flag.rolled_back', after: { enabled: true, rollout_pct: 50 } });
  });
});

describe('lowering a HIGH or BLOCKED tier takes an admin and four-eyes', () => {
  it('refuses an admin alone, even with a break-glass token, and does it through an approved request', async () => {
    const key = await makeFlag(h, 'payments.gate.lower-me', 'HIGH');
    const alone = await h.req('alice', 'PATCH', `/api/v1/flags/${key}`, { tier: 'LOW', reason: 'no more gates' });
    expect([alone.status, code(alone)]).toEqual([403, 'APPROVAL_REQUIRED']);
    const glass = await token('alice', key, ['production', 'staging']);
    const withGlass = await h.req(
      'alice',
      'PATCH',
      `/api/v1/flags/${key}`,
      { tier: 'LOW' },
      {
        'X-Break-Glass-Token': glass,
      },
    );
    expect([withGlass.status, code(withGlass)]).toEqual([403, 'APPROVAL_REQUIRED']);
    const tokens = obj(await h.req('vera', 'GET', '/api/v1/break-glass/tokens'))['tokens'] as { used_at: unknown }[];
    expect(tokens[0]?.used_at).toBeNull();
    const direct = await h.req('alice', 'PATCH', `/api/v1/flags/${key}/environments/production`, {
      enabled: true,
      reason: 'now direct',
    });
    expect([direct.status, code(direct)]).toEqual([403, 'APPROVAL_REQUIRED']);
    const responder = await h.req('rita', 'POST', '/api/v1/change-requests', {
      flag_key: key,
      operation: 'definition',
      tier: 'LOW',
      reason: 'retire the gate',
    });
    expect([responder.status, code(responder)]).toEqual([403, 'TIER_CHANGE_REQUIRES_ADMIN']);
    const cr = await openRequest('alice', { flag_key: key, operation: 'definition', tier: 'LOW' });
    expect(cr).toMatchObject({ required_approvals: 1, before: { tier: 'HIGH' }, after: { tier: 'LOW' } });
    expect(code(await approve('alice', cr))).toBe('SELF_APPROVAL');
    expect(obj(await approve('amy', cr))['status']).toBe('APPLIED');
    expect((await flag(key))['tier']).toBe('LOW');
  });
});

describe('the circuit breaker does not do what one person may not', () => {
  it('opens a request instead of rolling a HIGH flag back to a safe default that serves more users', async () => {
    const key = await makeFlag(h, 'payments.gate.breaker-wide', 'HIGH', { safe_default: WIDE });
    await approvedState(key, { enabled: true, rollout_pct: 10 });
    const samples = Array.from({ length: 100 }, (_, i) => ({
      service: 'payments',
      environment: 'production',
      flag_key: key,
      error: i < 10,
      latency_ms: 20,
    }));
    const res = await h.req('rita', 'POST', '/api/v1/telemetry', { samples });
    expect((obj(res)['trips'] as unknown[])[0]).toMatchObject({ action: 'change_request_opened', idx: null });
    expect(await prod(key)).toMatchObject({ enabled: true, rollout_pct: 10 });
    const open = obj(await h.req('vera', 'GET', `/api/v1/change-requests?flag_key=${key}&status=PENDING`));
    expect((open['change_requests'] as unknown[])[0]).toMatchObject({
      requested_by: 'system:evaluator',
      required_approvals: 1,
      after: { enabled: true, rollout_pct: 100 },
    });
  });
});

describe('a prerequisite of a stricter flag follows the stricter tier', () => {
  it('refuses to switch on, alone, the LOW prerequisite that a HIGH flag waits for', async () => {
    const pre = await makeFlag(h, 'payments.gate.pre-low', 'LOW');
    const key = await makeFlag(h, 'payments.gate.needs-pre', 'HIGH', {
      environments: { production: { rollout_pct: 100, prerequisites: [pre] } },
    });
    await approvedState(key, { enabled: true });
    const res = await h.req('rita', 'PATCH', `/api/v1/flags/${pre}/environments/production`, {
      enabled: true,
      rollout_pct: 100,
      reason: 'just the LOW one',
    });
    expect([res.status, code(res), err(res)['tier'], err(res)['gated_by']]).toEqual([
      403,
      'APPROVAL_REQUIRED',
      'HIGH',
      key,
    ]);
    const staging = await h.req('rita', 'PATCH', `/api/v1/flags/${pre}/environments/staging`, {
      enabled: true,
      reason: 'nothing depends on it here',
    });
    expect(staging.status).toBe(200);
    const cr = await openRequest('rita', { flag_key: pre, environment: 'production', enabled: true });
    expect(cr['required_approvals']).toBe(1);
    expect(await lastEntry(h)).toMatchObject({
      action: 'change_request.created',
      refs: { required_approvals: '1', gated_by: key },
    });
  });
});

describe('approvals are counted against the flag as it is when they apply', () => {
  it('needs the stricter quorum when the tier rose after the request was opened', async () => {
    const key = await makeFlag(h, 'payments.gate.rising', 'HIGH');
    const cr = await openRequest('rita', { flag_key: key, environment: 'production', enabled: true });
    expect((await h.req('alice', 'PATCH', `/api/v1/flags/${key}`, { tier: 'BLOCKED' })).status).toBe(200);
    const first = await approve('amy', cr);
    expect(obj(first)).toMatchObject({ status: 'PENDING', valid_approvals: 1, required_approvals: 2 });
    expect(await lastEntry(h)).toMatchObject({
      action: 'change_request.approved',
      after: { approvals: 1, required: 2 },
    });
    expect(obj(await approve('bob', cr))['status']).toBe('APPLIED');
  });

  it('blocks a schedule approved by fewer people than the flag now needs', async () => {
    const key = await makeFlag(h, 'payments.gate.scheduled', 'MEDIUM');
    const at = new Date(h.clock.now + 60_000).toISOString();
    const cr = await openRequest('rita', { flag_key: key, environment: 'production', enabled: true, scheduled_at: at });
    expect(cr['status']).toBe('SCHEDULED');
    expect((await h.req('alice', 'PATCH', `/api/v1/flags/${key}`, { tier: 'HIGH' })).status).toBe(200);
    h.clock.now += 61_000;
    await waitFor(
      async () =>
        obj(await h.req('vera', 'GET', `/api/v1/change-requests/${String(cr['id'])}`))['status'] === 'BLOCKED',
    );
    expect(await lastEntry(h)).toMatchObject({
      action: 'schedule.blocked',
      reason: `${key} now needs 1 approvals and this schedule has 0`,
    });
    expect(await prod(key)).toEqual(OFF);
  });

  it('voids approvals of a definition request when its payload is edited', async () => {
    const key = await makeFlag(h, 'payments.gate.edit-def', 'BLOCKED');
    const cr = await openRequest('rita', { flag_key: key, operation: 'definition', safe_default: WIDE });
    await approve('amy', cr);
    const edit = await h.req('rita', 'PATCH', `/api/v1/change-requests/${String(cr['id'])}`, {
      safe_default: { enabled: true, rollout_pct: 1 },
    });
    expect(obj(edit)).toMatchObject({ valid_approvals: 0, after: { safe_default: { enabled: true, rollout_pct: 1 } } });
    const stale = await approve('bob', cr);
    expect([stale.status, code(stale)]).toEqual([409, 'STALE_PAYLOAD_HASH']);
    const bad = await h.req('rita', 'PATCH', `/api/v1/change-requests/${String(cr['id'])}`, { enabled: true });
    expect([bad.status, code(bad)]).toEqual([400, 'UNKNOWN_FIELD']);
    const list = await entries(h, h.cp.app.ledger.size - 1);
    expect(list[0]).toMatchObject({ action: 'change_request.updated', env: null, refs: { operation: 'definition' } });
  });
});

describe('change request bodies', () => {
  it('validates the operation and what each operation carries', async () => {
    const key = await makeFlag(h, 'payments.gate.bodies', 'HIGH');
    const unknown = await h.req('rita', 'POST', '/api/v1/change-requests', {
      flag_key: key,
      operation: 'rename',
      reason: 'why not',
    });
    expect([unknown.status, code(unknown), err(unknown)['field']]).toEqual([400, 'INVALID_BODY', 'body.operation']);
    const empty = await h.req('rita', 'POST', '/api/v1/change-requests', {
      flag_key: key,
      operation: 'definition',
      reason: 'nothing',
    });
    expect([empty.status, code(empty), err(empty)['field']]).toEqual([400, 'INVALID_BODY', 'body.safe_default']);
    const withEnv = await h.req('rita', 'POST', '/api/v1/change-requests', {
      flag_key: key,
      operation: 'archive',
      environment: 'production',
      reason: 'one env?',
    });
    expect([withEnv.status, code(withEnv), err(withEnv)['field']]).toEqual([400, 'UNKNOWN_FIELD', 'body.environment']);
    const same = await h.req('rita', 'POST', '/api/v1/change-requests', {
      flag_key: key,
      operation: 'definition',
      tier: 'HIGH',
      reason: 'same tier',
    });
    expect([same.status, code(same)]).toEqual([409, 'NO_CHANGE']);
    expect(h.clock.now).toBeGreaterThanOrEqual(T0);
  });
});
