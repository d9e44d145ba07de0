import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness, Res } from '../test-support/harness.ts';
import { T0, code, entries, lastEntry, makeFlag, obj, startHarness, waitFor } from '../test-support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await makeFlag(h, 'payments.card.high-flag', 'HIGH');
  await makeFlag(h, 'payments.card.blocked-flag', 'BLOCKED');
  await makeFlag(h, 'search.rank.low-flag', 'LOW');
});
afterAll(async () => h.close());

const OFF = { enabled: false, rollout_pct: 0, variation: 'on', rules: [], prerequisites: [] };

async function request(who: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await h.req(who, 'POST', '/api/v1/change-requests', {
    environment: 'production',
    reason: 'planned change',
    ...body,
  });
  if (res.status !== 201) throw new Error(`${res.status} ${res.text}`);
  return obj(res);
}

function approve(who: string, id: unknown, hash: unknown): Promise<Res> {
  return h.req(who, 'POST', `/api/v1/change-requests/${String(id)}/approve`, {
    payload_hash: hash,
    comment: 'reviewed',
  });
}

describe('four-eyes on a HIGH flag', () => {
  it('opens a request with a payload hash and records change_request.created', async () => {
    const cr = await request('rita', { flag_key: 'payments.card.high-flag', enabled: true, rollout_pct: 10 });
    expect(cr).toMatchObject({
      status: 'PENDING',
      required_approvals: 1,
      requested_by: 'rita',
      before: OFF,
      after: { ...OFF, enabled: true, rollout_pct: 10 },
    });
    expect(cr['payload_hash']).toMatch(/^[0-9a-f]{64}$/);
    expect(await lastEntry(h)).toMatchObject({
      action: 'change_request.created',
      env: 'production',
      refs: { change_request: cr['id'], payload_hash: cr['payload_hash'] },
    });
  });

  it('refuses self-approval (403), a stale hash (409), then applies on a valid approval', async () => {
    const cr = await request('amy', { flag_key: 'payments.card.high-flag', enabled: true, rollout_pct: 20 });
    const self = await approve('amy', cr['id'], cr['payload_hash']);
    expect([self.status, code(self)]).toEqual([403, 'SELF_APPROVAL']);
    const stale = await approve('bob', cr['id'], 'f'.repeat(64));
    expect([stale.status, code(stale)]).toEqual([409, 'STALE_PAYLOAD_HASH']);
    expect(obj(stale)['error']).toMatchObject({ current_payload_hash: cr['payload_hash'] });
    const ok = await approve('bob', cr['id'], cr['payload_hash']);
    expect(ok.status).toBe(200);
    expect(obj(ok)).toMatchObject({ status: 'APPLIED', valid_approvals: 1 });
    const [approved, applied] = await entries(h, h.cp.app.ledger.size - 2);
    expect(approved).toMatchObject({
      action: 'change_request.approved',
      before: null,
      after: { approvals: 1, required: 1 },
      actor: { id: 'bob' },
    });
    expect(applied).toMatchObject({
      action: 'change_request.applied',
      env: 'production',
      after: { ...OFF, enabled: true, rollout_pct: 20 },
      refs: { change_request: cr['id'] },
    });
    const again = await approve('carl', cr['id'], cr['payload_hash']);
    expect([again.status, code(again)]).toEqual([409, 'CHANGE_REQUEST_NOT_PENDING']);
  });

  it('the database itself refuses a self-approval row', () => {
    const raw = h.rawDb();
    const id = raw
      .prepare("SELECT id FROM change_requests WHERE requested_by = 'rita' LIMIT 1")
      .pluck()
      .get() as string;
    expect(() => raw.prepare("INSERT INTO approvals VALUES (?, 'rita', 'x', '', 0)").run(id)).toThrow(/^SELF_APPROVAL/);
  });
});

describe('four-eyes on a BLOCKED flag', () => {
  it('needs two distinct approvers; a duplicate approval is 409', async () => {
    const cr = await request('rita', { flag_key: 'payments.card.blocked-flag', enabled: true, rollout_pct: 5 });
    expect(cr['required_approvals']).toBe(2);
    expect(obj(await approve('amy', cr['id'], cr['payload_hash']))).toMatchObject({
      status: 'PENDING',
      valid_approvals: 1,
    });
    const dup = await approve('amy', cr['id'], cr['payload_hash']);
    expect([dup.status, code(dup)]).toEqual([409, 'DUPLICATE_APPROVAL']);
    expect(obj(await approve('bob', cr['id'], cr['payload_hash']))).toMatchObject({
      status: 'APPLIED',
      valid_approvals: 2,
    });
    const flag = await h.req('vera', 'GET', '/api/v1/flags/payments.card.blocked-flag');
    expect((obj(flag)['environments'] as Record<string, unknown>)['production']).toEqual({
      ...OFF,
      enabled: true,
      rollout_pct: 5,
    });
  });

  it('voids approvals when the requester edits the payload', async () => {
    const cr = await request('rita', { flag_key: 'payments.card.blocked-flag', rollout_pct: 50 });
    await approve('amy', cr['id'], cr['payload_hash']);
    const edit = await h.req('rita', 'PATCH', `/api/v1/change-requests/${String(cr['id'])}`, { rollout_pct: 100 });
    expect(edit.status).toBe(200);
    expect(obj(edit)).toMatchObject({ valid_approvals: 0, status: 'PENDING' });
    expect(obj(edit)['payload_hash']).not.toBe(cr['payload_hash']);
    expect(await lastEntry(h)).toMatchObject({
      action: 'change_request.updated',
      refs: { payload_hash: obj(edit)['payload_hash'] },
    });
    const old = await approve('bob', cr['id'], cr['payload_hash']);
    expect([old.status, code(old)]).toEqual([409, 'STALE_PAYLOAD_HASH']);
    const other = await h.req('amy', 'PATCH', `/api/v1/change-requests/${String(cr['id'])}`, { rollout_pct: 1 });
    expect([other.status, code(other)]).toEqual([403, 'FORBIDDEN']);
  });

  it('records a rejection', async () => {
    const cr = await request('rita', { flag_key: 'payments.card.blocked-flag', rollout_pct: 75 });
    const res = await h.req('carl', 'POST', `/api/v1/change-requests/${String(cr['id'])}/reject`, {
      reason: 'too risky today',
    });
    expect(obj(res)).toMatchObject({ status: 'REJECTED' });
    expect(await lastEntry(h)).toMatchObject({
      action: 'change_request.rejected',
      before: null,
      after: { reason: 'too risky today' },
    });
  });
});

describe('LOW flags and scheduled changes', () => {
  it('applies a LOW request at once', async () => {
    const cr = await request('rita', { flag_key: 'search.rank.low-flag', enabled: true, rollout_pct: 100 });
    expect(cr['status']).toBe('APPLIED');
    expect(await lastEntry(h)).toMatchObject({ action: 'change_request.applied' });
  });

  it('executes an approved schedule when due (schedule.created then schedule.executed)', async () => {
    const at = new Date(T0 + 60_000).toISOString();
    const res = await h.req('rita', 'POST', '/api/v1/flags/payments.card.high-flag/schedule', {
      environment: 'staging',
      enabled: true,
      rollout_pct: 100,
      reason: 'night rollout',
      scheduled_at: at,
    });
    const cr = obj(res);
    expect(cr).toMatchObject({ status: 'PENDING', scheduled_at: at });
    expect(await lastEntry(h)).toMatchObject({ action: 'change_request.created', after: { scheduled_at: at } });
    const ok = await approve('amy', cr['id'], cr['payload_hash']);
    expect(obj(ok)).toMatchObject({ status: 'SCHEDULED', schedule: { run_at: at, status: 'PENDING' } });
    expect(await lastEntry(h)).toMatchObject({ action: 'schedule.created' });
    h.clock.now = T0 + 61_000;
    await waitFor(
      async () =>
        obj(await h.req('vera', 'GET', `/api/v1/change-requests/${String(cr['id'])}`))['status'] === 'APPLIED',
    );
    expect(await lastEntry(h)).toMatchObject({
      action: 'schedule.executed',
      actor: { type: 'system', id: 'system:scheduler' },
      env: 'staging',
      after: { enabled: true, rollout_pct: 100 },
      refs: { change_request: cr['id'] },
    });
  });

  it('blocks a scheduled change edited after approval, as a ledger entry', async () => {
    const at = new Date(h.clock.now + 60_000).toISOString();
    const cr = await request('rita', { flag_key: 'payments.card.high-flag', rollout_pct: 30, scheduled_at: at });
    await approve('amy', cr['id'], cr['payload_hash']);
    const edit = await h.req('rita', 'PATCH', `/api/v1/change-requests/${String(cr['id'])}`, { rollout_pct: 90 });
    expect(obj(edit)).toMatchObject({ status: 'SCHEDULED', valid_approvals: 0 });
    h.clock.now += 61_000;
    await waitFor(
      async () =>
        obj(await h.req('vera', 'GET', `/api/v1/change-requests/${String(cr['id'])}`))['status'] === 'BLOCKED',
    );
    expect(await lastEntry(h)).toMatchObject({
      action: 'schedule.blocked',
      actor: { id: 'system:scheduler' },
      after: { approved_payload_hash: cr['payload_hash'] },
      refs: { change_request: cr['id'] },
    });
  });

  it('blocks a scheduled change whose stored payload was altered behind the API', async () => {
    const at = new Date(h.clock.now + 60_000).toISOString();
    const cr = await request('rita', { flag_key: 'payments.card.high-flag', rollout_pct: 40, scheduled_at: at });
    await approve('bob', cr['id'], cr['payload_hash']);
    const raw = h.rawDb();
    const after = JSON.stringify({ ...OFF, enabled: true, rollout_pct: 100 });
    raw.prepare('UPDATE change_requests SET after = ? WHERE id = ?').run(after, cr['id']);
    h.clock.now += 61_000;
    await waitFor(
      async () =>
        obj(await h.req('vera', 'GET', `/api/v1/change-requests/${String(cr['id'])}`))['status'] === 'BLOCKED',
    );
    expect(await lastEntry(h)).toMatchObject({ action: 'schedule.blocked', refs: { change_request: cr['id'] } });
    const flag = obj(await h.req('vera', 'GET', '/api/v1/flags/payments.card.high-flag'));
    expect((flag['environments'] as Record<string, { rollout_pct: number }>)['production']?.rollout_pct).toBe(20);
  });

  it('rejects a schedule in the past', async () => {
    const res = await h.req('rita', 'POST', '/api/v1/change-requests', {
      flag_key: 'search.rank.low-flag',
      environment: 'staging',
      enabled: true,
      reason: 'past',
      scheduled_at: '2020-01-01T00:00:00Z',
    });
    expect([res.status, code(res)]).toEqual([400, 'INVALID_BODY']);
  });

  it('lists pending requests by status', async () => {
    const res = await h.req('vera', 'GET', '/api/v1/change-requests?status=PENDING');
    const list = obj(res)['change_requests'] as { status: string }[];
    expect(list.length).toBeGreaterThan(0);
    expect(list.every((c) => c.status === 'PENDING')).toBe(true);
    const bad = await h.req('vera', 'GET', '/api/v1/change-requests?status=WHATEVER');
    expect([bad.status, code(bad)]).toEqual([400, 'INVALID_QUERY']);
  });
});
