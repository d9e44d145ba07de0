import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../test-support/harness.ts';
import { code, lastEntry, makeFlag, obj, startHarness } from '../test-support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.close());

const OFF = { enabled: false, rollout_pct: 0, variation: 'on', rules: [], prerequisites: [] };

describe('flag creation', () => {
  it('creates a flag in every environment and writes flag.created with the definition', async () => {
    const res = await h.req('rita', 'POST', '/api/v1/flags', {
      key: 'checkout.cart.save-for-later',
      type: 'release',
      owner: 'checkout',
      services: ['checkout', 'cart'],
      tier: 'LOW',
      description: 'save items for later',
      environments: { staging: { enabled: true, rollout_pct: 100 } },
      expires_at: '2027-01-01T00:00:00Z',
    });
    expect(res.status).toBe(201);
    expect(obj(res)['environments']).toEqual({ production: OFF, staging: { ...OFF, enabled: true, rollout_pct: 100 } });
    const e = await lastEntry(h);
    expect(e).toMatchObject({
      action: 'flag.created',
      flag: 'checkout.cart.save-for-later',
      env: null,
      before: null,
      actor: { type: 'user', id: 'rita' },
    });
    expect(e['after']).toEqual({
      key: 'checkout.cart.save-for-later',
      type: 'release',
      owner: 'checkout',
      services: ['cart', 'checkout'],
      tier: 'LOW',
      safe_default: { enabled: false, rollout_pct: 0 },
      description: 'save items for later',
      stage: 'DRAFT',
      expires_at: '2027-01-01T00:00:00.000Z',
      environments: { production: OFF, staging: { ...OFF, enabled: true, rollout_pct: 100 } },
    });
  });

  it('rejects a key that is not team.domain.purpose', async () => {
    const res = await h.req('rita', 'POST', '/api/v1/flags', {
      key: 'NoDots',
      type: 'ops',
      owner: 'x',
      services: [],
      tier: 'LOW',
      description: '',
    });
    expect([res.status, code(res)]).toEqual([400, 'INVALID_BODY']);
    expect(obj(res)['error']).toMatchObject({ field: 'body.key' });
  });

  it('rejects a duplicate key with 409 FLAG_EXISTS', async () => {
    await makeFlag(h, 'payments.dup.once');
    const res = await h.req('rita', 'POST', '/api/v1/flags', {
      key: 'payments.dup.once',
      type: 'ops',
      owner: 'payments',
      services: [],
      tier: 'LOW',
      description: '',
    });
    expect([res.status, code(res)]).toEqual([409, 'FLAG_EXISTS']);
  });

  it('refuses to create a HIGH flag already enabled (that needs four-eyes)', async () => {
    const res = await h.req('rita', 'POST', '/api/v1/flags', {
      key: 'payments.high.born-on',
      type: 'ops',
      owner: 'payments',
      services: [],
      tier: 'HIGH',
      description: '',
      environments: { production: { enabled: true } },
    });
    expect([res.status, code(res)]).toEqual([403, 'APPROVAL_REQUIRED']);
  });
});

describe('tombstones', () => {
  it('archives a flag, serves 410 for it and refuses to create the key again (API)', async () => {
    await makeFlag(h, 'trading.legacy.power-phlx');
    const arch = await h.req('alice', 'POST', '/api/v1/flags/trading.legacy.power-phlx/archive', {
      reason: 'RLP code removed for good',
    });
    expect(arch.status).toBe(200);
    const e = await lastEntry(h);
    expect(e).toMatchObject({ action: 'flag.tombstoned', flag: 'trading.legacy.power-phlx', env: null, after: null });
    expect((e['before'] as Record<string, unknown>)['key']).toBe('trading.legacy.power-phlx');
    const get = await h.req('vera', 'GET', '/api/v1/flags/trading.legacy.power-phlx');
    expect([get.status, code(get)]).toEqual([410, 'FLAG_TOMBSTONED']);
    const again = await h.req('alice', 'POST', '/api/v1/flags', {
      key: 'trading.legacy.power-phlx',
      type: 'ops',
      owner: 'trading',
      services: [],
      tier: 'LOW',
      description: 'reuse!',
    });
    expect([again.status, code(again)]).toEqual([409, 'KEY_TOMBSTONED']);
    const list = await h.req('vera', 'GET', '/api/v1/tombstones');
    expect((obj(list)['tombstones'] as { flag_key: string }[]).map((t) => t.flag_key)).toEqual([
      'trading.legacy.power-phlx',
    ]);
  });

  it('is enforced by the database: a raw INSERT of a tombstoned key fails in the trigger', () => {
    const raw = h.rawDb();
    const insert = (): void => {
      raw
        .prepare(
          `INSERT INTO flags (key, type, owner, description, tier, stage, safe_default, services, expires_at, created_at, updated_at)
        VALUES ('trading.legacy.power-phlx', 'ops', 'x', '', 'LOW', 'DRAFT', '{}', '[]', NULL, 0, 0)`,
        )
        .run();
    };
    expect(insert).toThrow(/^KEY_TOMBSTONED/);
    expect(() => raw.prepare("DELETE FROM tombstones WHERE flag_key = 'trading.legacy.power-phlx'").run()).toThrow(
      /^TOMBSTONE_PERMANENT/,
    );
    expect(() => raw.prepare("UPDATE tombstones SET flag_key = 'x.y.z'").run()).toThrow(/^TOMBSTONE_PERMANENT/);
  });

  it('refuses to archive a flag that others depend on', async () => {
    await makeFlag(h, 'payments.base.engine');
    await makeFlag(h, 'payments.dep.feature', 'MEDIUM', {
      environments: { production: { prerequisites: ['payments.base.engine'] } },
    });
    const res = await h.req('alice', 'POST', '/api/v1/flags/payments.base.engine/archive', {
      reason: 'try to remove base',
    });
    expect([res.status, code(res)]).toEqual([409, 'FLAG_IN_USE']);
    expect(obj(res)['error']).toMatchObject({ dependents: ['payments.dep.feature'] });
  });
});

describe('prerequisites', () => {
  it('rejects a cycle with 409 and the cycle path', async () => {
    await makeFlag(h, 'exp.cycle.flag-a');
    await makeFlag(h, 'exp.cycle.flag-b', 'MEDIUM', {
      environments: { staging: { prerequisites: ['exp.cycle.flag-a'] } },
    });
    const res = await h.req('rita', 'PATCH', '/api/v1/flags/exp.cycle.flag-a/environments/staging', {
      prerequisites: ['exp.cycle.flag-b'],
      reason: 'wire a to b',
    });
    expect([res.status, code(res)]).toEqual([409, 'PREREQUISITE_CYCLE']);
    expect(obj(res)['error']).toMatchObject({
      cycle_path: ['exp.cycle.flag-a', 'exp.cycle.flag-b', 'exp.cycle.flag-a'],
    });
    const ok = await h.req('rita', 'PATCH', '/api/v1/flags/exp.cycle.flag-a/environments/production', {
      prerequisites: ['exp.cycle.flag-b'],
      reason: 'fine in prod',
    });
    expect(ok.status).toBe(200);
  });

  it('rejects an unknown prerequisite with 422', async () => {
    const res = await h.req('rita', 'PATCH', '/api/v1/flags/exp.cycle.flag-a/environments/staging', {
      prerequisites: ['no.such.flag'],
      reason: 'unknown',
    });
    expect([res.status, code(res)]).toEqual([422, 'UNKNOWN_PREREQUISITE']);
  });
});

describe('environment updates and four-eyes gate', () => {
  it('updates a MEDIUM flag directly and records before/after EnvState', async () => {
    await makeFlag(h, 'search.rank.boost');
    const res = await h.req('rita', 'PATCH', '/api/v1/flags/search.rank.boost/environments/production', {
      enabled: true,
      rollout_pct: 25,
      reason: 'ramp',
    });
    expect(res.status).toBe(200);
    expect(obj(res)).toMatchObject({
      version: 2,
      action: 'flag.updated',
      after: { ...OFF, enabled: true, rollout_pct: 25 },
    });
    const e = await lastEntry(h);
    expect(e).toMatchObject({
      action: 'flag.updated',
      env: 'production',
      before: OFF,
      after: { ...OFF, enabled: true, rollout_pct: 25 },
      reason: 'ramp',
    });
  });

  it('refuses a no-op update with 409 NO_CHANGE and a stale version with 409 VERSION_CONFLICT', async () => {
    const same = await h.req('rita', 'PATCH', '/api/v1/flags/search.rank.boost/environments/production', {
      rollout_pct: 25,
      reason: 'same',
    });
    expect([same.status, code(same)]).toEqual([409, 'NO_CHANGE']);
    const stale = await h.req('rita', 'PATCH', '/api/v1/flags/search.rank.boost/environments/production', {
      rollout_pct: 30,
      reason: 'old view',
      expected_version: 1,
    });
    expect([stale.status, code(stale)]).toEqual([409, 'VERSION_CONFLICT']);
  });

  it('refuses direct updates of HIGH and BLOCKED flags with 403 APPROVAL_REQUIRED', async () => {
    await makeFlag(h, 'payments.card.high-one', 'HIGH');
    await makeFlag(h, 'payments.card.blocked-one', 'BLOCKED');
    for (const key of ['payments.card.high-one', 'payments.card.blocked-one']) {
      const res = await h.req('alice', 'PATCH', `/api/v1/flags/${key}/environments/production`, {
        enabled: true,
        reason: 'sneak it in',
      });
      expect([res.status, code(res)]).toEqual([403, 'APPROVAL_REQUIRED']);
    }
  });

  it('returns 404 FLAG_NOT_FOUND for unknown flags', async () => {
    const res = await h.req('rita', 'PATCH', '/api/v1/flags/no.such.flag/environments/production', {
      enabled: true,
      reason: 'ghost',
    });
    expect([res.status, code(res)]).toEqual([404, 'FLAG_NOT_FOUND']);
  });
});

describe('metadata', () => {
  it('records metadata changes as flag.updated with env null', async () => {
    const res = await h.req('rita', 'PATCH', '/api/v1/flags/search.rank.boost', {
      stage: 'ROLLING_OUT',
      owner: 'discovery',
      reason: 'handover',
    });
    expect(res.status).toBe(200);
    const e = await lastEntry(h);
    expect(e).toMatchObject({
      action: 'flag.updated',
      env: null,
      reason: 'handover',
      before: { stage: 'DRAFT', owner: 'payments' },
      after: { stage: 'ROLLING_OUT', owner: 'discovery' },
    });
  });

  it('lets anyone raise a tier, and only an admin ask to lower a HIGH or BLOCKED one (through four-eyes)', async () => {
    const res = await h.req('rita', 'PATCH', '/api/v1/flags/payments.card.high-one', { tier: 'LOW' });
    expect([res.status, code(res)]).toEqual([403, 'TIER_CHANGE_REQUIRES_ADMIN']);
    const up = await h.req('rita', 'PATCH', '/api/v1/flags/search.rank.boost', { tier: 'HIGH' });
    expect(up.status).toBe(200);
    const admin = await h.req('alice', 'PATCH', '/api/v1/flags/payments.card.high-one', { tier: 'MEDIUM' });
    expect([admin.status, code(admin)]).toEqual([403, 'APPROVAL_REQUIRED']);
  });
});

describe('kill switch', () => {
  it('sets the safe default, requires a 10-character reason and records flag.killed', async () => {
    await makeFlag(h, 'checkout.flow.one-click', 'LOW', {
      safe_default: { enabled: false, rollout_pct: 0 },
      environments: { production: { enabled: true, rollout_pct: 60 } },
    });
    const short = await h.req('rita', 'POST', '/api/v1/flags/checkout.flow.one-click/kill', {
      environment: 'production',
      reason: 'bad',
    });
    expect([short.status, code(short)]).toEqual([400, 'INVALID_BODY']);
    const res = await h.req('rita', 'POST', '/api/v1/flags/checkout.flow.one-click/kill', {
      environment: 'production',
      reason: 'errors on checkout page',
    });
    expect(res.status).toBe(200);
    expect(obj(res)).toMatchObject({
      killed: true,
      flag_key: 'checkout.flow.one-click',
      environment: 'production',
      after: OFF,
    });
    expect(await lastEntry(h)).toMatchObject({
      action: 'flag.killed',
      env: 'production',
      before: { ...OFF, enabled: true, rollout_pct: 60 },
      after: OFF,
    });
  });

  it('refuses to kill a BLOCKED flag without a break-glass token', async () => {
    const res = await h.req('rita', 'POST', '/api/v1/flags/payments.card.blocked-one/kill', {
      environment: 'production',
      reason: 'errors everywhere now',
    });
    expect([res.status, code(res)]).toEqual([403, 'APPROVAL_REQUIRED']);
  });
});
