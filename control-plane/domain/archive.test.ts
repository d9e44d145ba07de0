/**
 * Archiving a HIGH or BLOCKED flag follows the tier's four-eyes rule: an `archive` change request (the tombstone is
 * written when it applies) or break-glass. The request's payload hash covers the operation; state requests keep
 * the hashes they always had.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness, Res } from '../test-support/harness.ts';
import { code, entries, lastEntry, makeFlag, obj, startHarness, waitFor } from '../test-support/harness.ts';
import { payloadHash } from './change-request-repo.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.close());

async function openRequest(who: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await h.req(who, 'POST', '/api/v1/change-requests', { reason: 'retire the flag', ...body });
  if (res.status !== 201) throw new Error(`${res.status} ${res.text}`);
  return obj(res);
}

function approve(who: string, cr: Record<string, unknown>): Promise<Res> {
  return h.req(who, 'POST', `/api/v1/change-requests/${String(cr['id'])}/approve`, {
    payload_hash: cr['payload_hash'],
  });
}

function archive(who: string, key: string, headers: Record<string, string> = {}): Promise<Res> {
  return h.req(who, 'POST', `/api/v1/flags/${key}/archive`, { reason: 'code path removed for good' }, headers);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

describe('archiving a HIGH or BLOCKED flag', () => {
  it('is refused to one person alone (403 APPROVAL_REQUIRED), and the flag stays live', async () => {
    for (const [key, tier] of [
      ['trading.arch.alone-high', 'HIGH'],
      ['trading.arch.alone-blocked', 'BLOCKED'],
    ] as const) {
      await makeFlag(h, key, tier);
      const size = h.cp.app.ledger.size;
      for (const who of ['rita', 'alice']) {
        const res = await archive(who, key);
        expect([res.status, code(res)]).toEqual([403, 'APPROVAL_REQUIRED']);
        expect((obj(res)['error'] as Record<string, unknown>)['tier']).toBe(tier);
      }
      expect(h.cp.app.ledger.size).toBe(size);
      expect((await h.req('vera', 'GET', `/api/v1/flags/${key}`)).status).toBe(200);
    }
    const low = await makeFlag(h, 'trading.arch.alone-low', 'LOW');
    expect(obj(await archive('rita', low))).toMatchObject({ archived: true, action: 'flag.tombstoned' });
  });

  it('goes through an archive request: the payload hash covers the operation, the tombstone is written on approval', async () => {
    const key = await makeFlag(h, 'trading.arch.by-request', 'HIGH');
    const other = await openRequest('ron', { flag_key: key, environment: 'staging', enabled: true });
    const cr = await openRequest('alice', { flag_key: key, operation: 'archive' });
    expect(cr).toMatchObject({
      operation: 'archive',
      environment: null,
      status: 'PENDING',
      required_approvals: 1,
      before: { stage: 'DRAFT' },
      after: { stage: 'TOMBSTONED' },
      scheduled_at: null,
    });
    expect(cr['payload_hash']).toBe(
      sha256(
        `{"after":{"stage":"TOMBSTONED"},"environment":null,"flag_key":"${key}","operation":"archive","scheduled_at":null}`,
      ),
    );
    expect(await lastEntry(h)).toMatchObject({
      action: 'change_request.created',
      flag: key,
      env: null,
      before: { stage: 'DRAFT' },
      after: { stage: 'TOMBSTONED' },
      refs: { change_request: cr['id'], payload_hash: cr['payload_hash'], operation: 'archive' },
    });
    expect((await h.req('vera', 'GET', `/api/v1/flags/${key}`)).status).toBe(200);
    expect(code(await approve('alice', cr))).toBe('SELF_APPROVAL');
    const ok = await approve('amy', cr);
    expect(obj(ok)).toMatchObject({ status: 'APPLIED', valid_approvals: 1 });
    const [approved, rejected, applied] = await entries(h, h.cp.app.ledger.size - 3);
    expect(approved).toMatchObject({ action: 'change_request.approved', env: null, refs: { operation: 'archive' } });
    expect(rejected).toMatchObject({
      action: 'change_request.rejected',
      env: 'staging',
      refs: { change_request: other['id'] },
    });
    expect(applied).toMatchObject({
      action: 'change_request.applied',
      actor: { id: 'amy' },
      flag: key,
      env: null,
      before: { key, tier: 'HIGH', stage: 'DRAFT' },
      after: null,
      refs: { change_request: cr['id'], payload_hash: cr['payload_hash'], operation: 'archive' },
    });
    expect(obj(ok)['applied_idx']).toBe(applied?.['idx']);
    const gone = await h.req('vera', 'GET', `/api/v1/flags/${key}`);
    expect([gone.status, code(gone)]).toEqual([410, 'FLAG_TOMBSTONED']);
    expect((obj(gone)['error'] as Record<string, unknown>)['tombstone']).toMatchObject({
      flag_key: key,
      archived_by: 'amy',
      final_ledger_idx: applied?.['idx'],
    });
  });

  it('needs two approvers on a BLOCKED flag, and is refused while others depend on the flag', async () => {
    const key = await makeFlag(h, 'trading.arch.blocked', 'BLOCKED');
    const dependent = await makeFlag(h, 'trading.arch.dependent', 'LOW', {
      environments: { staging: { prerequisites: [key] } },
    });
    const inUse = await h.req('rita', 'POST', '/api/v1/change-requests', {
      flag_key: key,
      operation: 'archive',
      reason: 'retire the flag',
    });
    expect([inUse.status, code(inUse)]).toEqual([409, 'FLAG_IN_USE']);
    expect((await archive('rita', dependent)).status).toBe(200);
    const cr = await openRequest('rita', { flag_key: key, operation: 'archive' });
    expect(obj(await approve('amy', cr))).toMatchObject({ status: 'PENDING', valid_approvals: 1 });
    expect(obj(await approve('bob', cr))).toMatchObject({ status: 'APPLIED', valid_approvals: 2 });
    expect((await h.req('vera', 'GET', `/api/v1/flags/${key}`)).status).toBe(410);
  });

  it('runs a scheduled archive at its time (schedule.executed tombstones the flag)', async () => {
    const key = await makeFlag(h, 'trading.arch.scheduled', 'HIGH');
    const at = new Date(h.clock.now + 60_000).toISOString();
    const cr = await openRequest('rita', { flag_key: key, operation: 'archive', scheduled_at: at });
    expect(obj(await approve('amy', cr))).toMatchObject({ status: 'SCHEDULED' });
    expect((await h.req('vera', 'GET', `/api/v1/flags/${key}`)).status).toBe(200);
    h.clock.now += 61_000;
    await waitFor(async () => (await h.req('vera', 'GET', `/api/v1/flags/${key}`)).status === 410);
    expect(await lastEntry(h)).toMatchObject({
      action: 'schedule.executed',
      actor: { id: 'system:scheduler' },
      env: null,
      after: null,
      refs: { change_request: cr['id'], operation: 'archive' },
    });
  });

  it('goes through with a break-glass token covering the flag in every environment (break_glass.used)', async () => {
    const key = await makeFlag(h, 'trading.arch.glass', 'HIGH');
    const issue = async (envs: string[]): Promise<Record<string, unknown>> =>
      obj(
        await h.req('rita', 'POST', '/api/v1/break-glass/tokens', {
          justification: 'legacy router is re-reading the key, cut it now',
          scope: { flags: [key], envs },
        }),
      );
    const narrow = await issue(['production']);
    const scoped = await archive('rita', key, { 'X-Break-Glass-Token': String(narrow['token']) });
    expect([scoped.status, code(scoped)]).toEqual([403, 'BREAK_GLASS_SCOPE']);
    const all = await issue(['production', 'staging']);
    const res = await archive('rita', key, { 'X-Break-Glass-Token': String(all['token']) });
    expect(obj(res)).toMatchObject({ archived: true, action: 'break_glass.used' });
    const entry = await lastEntry(h);
    expect(entry).toMatchObject({
      action: 'break_glass.used',
      env: null,
      after: null,
      refs: { break_glass_token: all['token_id'], operation: 'flag.tombstoned' },
    });
    const tokens = obj(await h.req('vera', 'GET', '/api/v1/break-glass/tokens'))['tokens'] as Record<string, unknown>[];
    expect(tokens.find((t) => t['token_id'] === all['token_id'])).toMatchObject({ used_idx: entry['idx'] });
  });
});

describe('state request payload hashes', () => {
  it('are exactly what they were before change requests had operations', async () => {
    const s = {
      enabled: true,
      rollout_pct: 25,
      variation: 'on',
      rules: [{ attribute: 'country', op: 'in' as const, values: ['DE'], variation: 'on' }],
      prerequisites: [],
    };
    // Computed with the control plane as released before this change.
    expect(payloadHash('payments.card.3ds-v2-challenge', 'production', s, null)).toBe(
      'c02cc91ec97186e94d287cb02d41b508943467ef34a0255a2fa8b539ec7388bb',
    );
    expect(payloadHash('payments.card.3ds-v2-challenge', 'production', s, Date.parse('2026-12-01T03:00:00.000Z'))).toBe(
      '83a5636007e3642aa177fc5ff7cd755e8352224b18d87060341717a87aba14b4',
    );
    const key = await makeFlag(h, 'payments.card.hash-check', 'HIGH');
    const cr = await openRequest('rita', { flag_key: key, environment: 'production', enabled: true });
    expect(cr['operation']).toBe('state');
    expect((await lastEntry(h))['refs']).toEqual({ change_request: cr['id'], payload_hash: cr['payload_hash'] });
  });
});
