import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../test-support/harness.ts';
import { code, lastEntry, makeFlag, obj, startHarness } from '../test-support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await makeFlag(h, 'pricing.engine.v2', 'MEDIUM');
  await makeFlag(h, 'payments.card.blocked-flag', 'BLOCKED');
});
afterAll(async () => h.close());

const OFF = { enabled: false, rollout_pct: 0, variation: 'on', rules: [], prerequisites: [] };

async function ramp(pct: number): Promise<number> {
  const res = await h.req('rita', 'PATCH', '/api/v1/flags/pricing.engine.v2/environments/production', {
    enabled: true,
    rollout_pct: pct,
    reason: `ramp to ${pct}`,
  });
  return obj(res)['idx'] as number;
}

async function link(idx: number): Promise<{ url: string; path: string }> {
  const res = await h.req('rita', 'GET', `/api/v1/ledger/entries/${idx}/rollback-link`);
  const url = String(obj(res)['url']);
  return { url, path: url.slice(h.url.length) };
}

describe('rollback links', () => {
  it('returns a signed link valid for 15 minutes, with what it expects and restores', async () => {
    const idx = await ramp(10);
    const res = await h.req('rita', 'GET', `/api/v1/ledger/entries/${idx}/rollback-link`);
    expect(res.status).toBe(200);
    expect(obj(res)).toMatchObject({
      method: 'POST',
      idx,
      flag_key: 'pricing.engine.v2',
      environment: 'production',
      expires_at: new Date(h.clock.now + 15 * 60_000).toISOString(),
      expected_current: { ...OFF, enabled: true, rollout_pct: 10 },
      restores: OFF,
    });
    expect(String(obj(res)['url'])).toMatch(
      new RegExp(`^${h.url}/api/v1/ledger/entries/${idx}/rollback\\?expires=\\d+&sig=[0-9a-f]{64}$`),
    );
  });

  it('applies the inverse change as flag.rolled_back when the state still matches', async () => {
    const idx = await ramp(20);
    const { path } = await link(idx);
    const res = await h.req('rita', 'POST', path, { reason: 'payments errors after ramp' });
    expect(res.status).toBe(200);
    expect(obj(res)).toMatchObject({ rolled_back: true, rollback_of: idx, after: { rollout_pct: 10 } });
    expect(await lastEntry(h)).toMatchObject({
      action: 'flag.rolled_back',
      env: 'production',
      refs: { rollback_of: String(idx) },
      before: { rollout_pct: 20 },
      after: { rollout_pct: 10 },
    });
  });

  it('refuses with 409 ROLLBACK_CONFLICT and the current state when the flag moved since', async () => {
    const idx = await ramp(30);
    const { path } = await link(idx);
    await ramp(40);
    const res = await h.req('rita', 'POST', path, { reason: 'too late for this one' });
    expect([res.status, code(res)]).toEqual([409, 'ROLLBACK_CONFLICT']);
    expect(obj(res)['error']).toMatchObject({
      current: { ...OFF, enabled: true, rollout_pct: 40 },
      expected: { ...OFF, enabled: true, rollout_pct: 30 },
    });
  });

  it('refuses a tampered link with 403 and an expired one with 410', async () => {
    const idx = await ramp(50);
    const { path } = await link(idx);
    const tampered = path.replace(/sig=([0-9a-f])/, (_m, c: string) => `sig=${c === '0' ? '1' : '0'}`);
    const t = await h.req('rita', 'POST', tampered, { reason: 'tampered signature' });
    expect([t.status, code(t)]).toEqual([403, 'ROLLBACK_LINK_INVALID']);
    const longer = path.replace(/expires=(\d+)/, (_m, e: string) => `expires=${Number(e) + 3_600_000}`);
    const l = await h.req('rita', 'POST', longer, { reason: 'extended expiry' });
    expect([l.status, code(l)]).toEqual([403, 'ROLLBACK_LINK_INVALID']);
    const other = path.replace(`/entries/${idx}/`, `/entries/${idx - 1}/`);
    const o = await h.req('rita', 'POST', other, { reason: 'other entry, same sig' });
    expect([o.status, code(o)]).toEqual([403, 'ROLLBACK_LINK_INVALID']);
    h.clock.now += 15 * 60_000 + 1;
    const e = await h.req('rita', 'POST', path, { reason: 'after fifteen minutes' });
    expect([e.status, code(e)]).toEqual([410, 'ROLLBACK_LINK_EXPIRED']);
  });

  it('refuses entries that are not per-environment changes (422) and unknown entries (404)', async () => {
    const created = await h.req('rita', 'GET', '/api/v1/ledger/entries/0/rollback-link');
    expect([created.status, code(created)]).toEqual([422, 'NOT_ROLLBACKABLE']);
    const missing = await h.req('rita', 'GET', '/api/v1/ledger/entries/999999/rollback-link');
    expect([missing.status, code(missing)]).toEqual([404, 'ENTRY_NOT_FOUND']);
  });

  it('needs a responder: a viewer cannot fetch or apply a link', async () => {
    const res = await h.req('vera', 'GET', '/api/v1/ledger/entries/2/rollback-link');
    expect([res.status, code(res)]).toEqual([403, 'FORBIDDEN']);
  });

  it('requires break-glass to roll back a BLOCKED flag', async () => {
    const t = obj(
      await h.req('rita', 'POST', '/api/v1/break-glass/tokens', {
        justification: 'blocked flag must move now, no approvers around',
        scope: { flags: ['payments.card.blocked-flag'], envs: ['production'] },
      }),
    );
    const bg = { 'X-Break-Glass-Token': String(t['token']) };
    const up = await h.req(
      'rita',
      'PATCH',
      '/api/v1/flags/payments.card.blocked-flag/environments/production',
      { enabled: true, reason: 'emergency enable' },
      bg,
    );
    const { path } = await link(obj(up)['idx'] as number);
    const res = await h.req('rita', 'POST', path, { reason: 'undo the emergency change' });
    expect([res.status, code(res)]).toEqual([403, 'APPROVAL_REQUIRED']);
  });
});
