import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../test-support/harness.ts';
import { code, makeFlag, obj, startHarness } from '../test-support/harness.ts';
import { PATHS } from '../../shared/protocol/index.ts';
import { allRoutes } from '../server.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await makeFlag(h, 'payments.http.test-flag');
});
afterAll(async () => h.close());

describe('authentication and roles', () => {
  it('serves /health and /readyz without a token', async () => {
    expect((await h.req(null, 'GET', '/health')).body).toEqual({ status: 'ok' });
    expect((await h.req(null, 'GET', '/readyz')).body).toEqual({ ready: true });
  });

  it('rejects a missing token with 401 UNAUTHENTICATED and WWW-Authenticate', async () => {
    const res = await h.req(null, 'GET', '/api/v1/flags');
    expect(res.status).toBe(401);
    expect(code(res)).toBe('UNAUTHENTICATED');
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('rejects an unknown token with 401 INVALID_TOKEN', async () => {
    const res = await h.req('token:tsk_0000', 'GET', '/api/v1/me');
    expect(res.status).toBe(401);
    expect(code(res)).toBe('INVALID_TOKEN');
  });

  it('requires auth on the ledger stream too', async () => {
    expect((await h.req(null, 'GET', '/api/v1/ledger/stream')).status).toBe(401);
  });

  it('answers /api/v1/me with name and role', async () => {
    expect((await h.req('rita', 'GET', '/api/v1/me')).body).toEqual({ name: 'rita', role: 'responder' });
  });

  it('rejects a viewer changing a flag with 403 FORBIDDEN', async () => {
    const res = await h.req('vera', 'POST', '/api/v1/flags/payments.http.test-flag/kill', {
      environment: 'production',
      reason: 'viewer tries to kill',
    });
    expect(res.status).toBe(403);
    expect(code(res)).toBe('FORBIDDEN');
  });

  it('rejects an approver issuing break-glass and a responder approving with 403', async () => {
    const bg = await h.req('amy', 'POST', '/api/v1/break-glass/tokens', {});
    expect([bg.status, code(bg)]).toEqual([403, 'FORBIDDEN']);
    const ap = await h.req('rita', 'POST', '/api/v1/change-requests/cr-1/approve', { payload_hash: 'a'.repeat(64) });
    expect([ap.status, code(ap)]).toEqual([403, 'FORBIDDEN']);
  });

  it('rejects key rotation by a non-admin', async () => {
    const res = await h.req('amy', 'POST', '/api/v1/ledger/keys/rotate', {});
    expect([res.status, code(res)]).toEqual([403, 'FORBIDDEN']);
  });
});

describe('request validation', () => {
  const path = '/api/v1/flags/payments.http.test-flag/environments/staging';

  it('rejects malformed JSON with 400 MALFORMED_JSON', async () => {
    const res = await h.req('rita', 'PATCH', path, '{"enabled": tru');
    expect([res.status, code(res)]).toEqual([400, 'MALFORMED_JSON']);
  });

  it('rejects unknown fields with 400 UNKNOWN_FIELD naming the field', async () => {
    const res = await h.req('rita', 'PATCH', path, { enabled: true, reason: 'turn on', colour: 'red' });
    expect([res.status, code(res)]).toEqual([400, 'UNKNOWN_FIELD']);
    expect(obj(res)['error']).toMatchObject({ field: 'body.colour' });
  });

  it('rejects unknown nested fields too', async () => {
    const res = await h.req('rita', 'PATCH', path, {
      reason: 'rules',
      rules: [{ attribute: 'country', op: 'in', values: ['DE'], variation: 'on', extra: 1 }],
    });
    expect([res.status, code(res)]).toEqual([400, 'UNKNOWN_FIELD']);
    expect(obj(res)['error']).toMatchObject({ field: 'body.rules[0].extra' });
  });

  it('rejects wrong types and out-of-range values with 400 INVALID_BODY', async () => {
    const res = await h.req('rita', 'PATCH', path, { rollout_pct: 101, reason: 'too much' });
    expect([res.status, code(res)]).toEqual([400, 'INVALID_BODY']);
    expect(obj(res)['error']).toMatchObject({ field: 'body.rollout_pct' });
    const missing = await h.req('rita', 'PATCH', path, { enabled: true });
    expect(obj(missing)['error']).toMatchObject({
      code: 'INVALID_BODY',
      field: 'body.reason',
      message: 'body.reason: is required',
    });
  });

  it('rejects bodies over 1 MiB with 413 PAYLOAD_TOO_LARGE', async () => {
    const big = JSON.stringify({ reason: 'x'.repeat(1024 * 1024) });
    const res = await h.req('rita', 'PATCH', path, big);
    expect([res.status, code(res)]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
  });

  it('rejects non-JSON content types with 415', async () => {
    const res = await h.req('rita', 'PATCH', path, 'enabled=true', {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expect([res.status, code(res)]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
  });

  it('answers unknown paths with 404 and wrong methods with 405', async () => {
    const nf = await h.req('rita', 'GET', '/api/v1/nope');
    expect([nf.status, code(nf)]).toEqual([404, 'NOT_FOUND']);
    const na = await h.req('rita', 'DELETE', '/api/v1/flags');
    expect([na.status, code(na)]).toEqual([405, 'METHOD_NOT_ALLOWED']);
  });

  it('returns 404 UNKNOWN_ENVIRONMENT for an environment that does not exist', async () => {
    const res = await h.req('rita', 'PATCH', '/api/v1/flags/payments.http.test-flag/environments/mars', {
      enabled: true,
      reason: 'on mars',
    });
    expect([res.status, code(res)]).toEqual([404, 'UNKNOWN_ENVIRONMENT']);
  });
});

describe('idempotency keys', () => {
  const path = '/api/v1/flags/payments.http.test-flag/environments/production';

  it('replays the same response for the same key and body without a second ledger entry', async () => {
    const body = { enabled: true, rollout_pct: 10, reason: 'idempotent ramp' };
    const first = await h.req('rita', 'PATCH', path, body, { 'Idempotency-Key': 'ramp-1' });
    const size = h.cp.app.ledger.size;
    const second = await h.req('rita', 'PATCH', path, body, { 'Idempotency-Key': 'ramp-1' });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(h.cp.app.ledger.size).toBe(size);
  });

  it('rejects the same key with a different body with 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const res = await h.req(
      'rita',
      'PATCH',
      path,
      { enabled: true, rollout_pct: 20, reason: 'different' },
      { 'Idempotency-Key': 'ramp-1' },
    );
    expect([res.status, code(res)]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
  });

  it('scopes keys per caller', async () => {
    const res = await h.req(
      'ron',
      'PATCH',
      path,
      { rollout_pct: 30, reason: 'ron ramps' },
      { 'Idempotency-Key': 'ramp-1' },
    );
    expect(res.status).toBe(200);
  });

  it('rejects malformed keys', async () => {
    const res = await h.req(
      'rita',
      'PATCH',
      path,
      { rollout_pct: 40, reason: 'x y z' },
      { 'Idempotency-Key': 'has space' },
    );
    expect([res.status, code(res)]).toEqual([400, 'INVALID_IDEMPOTENCY_KEY']);
  });
});

describe('the route table', () => {
  it('serves exactly the paths of the shared protocol', () => {
    const served = new Set(allRoutes(h.cp.app, () => true, h.cp.sdk).map((r) => r.path));
    expect([...served].sort()).toEqual([...new Set(Object.values(PATHS))].sort());
  });
});
