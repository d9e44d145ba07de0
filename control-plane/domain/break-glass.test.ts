import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../test-support/harness.ts';
import { code, lastEntry, makeFlag, obj, startHarness, waitFor } from '../test-support/harness.ts';
import type { WebhookSink } from '../test-support/webhook-sink.ts';
import { startWebhookSink } from '../test-support/webhook-sink.ts';

let h: Harness;
let sink: WebhookSink;
beforeAll(async () => {
  sink = await startWebhookSink();
  h = await startHarness({
    webhooks: [
      { kind: 'slack', url: `${sink.url}/slack` },
      { kind: 'pagerduty', url: `${sink.url}/pd`, routingKey: 'rk-test' },
    ],
  });
  await makeFlag(h, 'payments.card.blocked-flag', 'BLOCKED', { safe_default: { enabled: false, rollout_pct: 0 } });
  await makeFlag(h, 'payments.card.other-flag', 'HIGH');
});
afterAll(async () => {
  await h.close();
  await sink.close();
});

const JUSTIFICATION = 'card payments failing for all EU customers, approvers asleep';

async function issue(who: string, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const res = await h.req(who, 'POST', '/api/v1/break-glass/tokens', {
    justification: JUSTIFICATION,
    scope: { flags: ['payments.card.blocked-flag'], envs: ['production'] },
    ...extra,
  });
  if (res.status !== 201) throw new Error(`${res.status} ${res.text}`);
  return obj(res);
}

describe('issuing', () => {
  it('requires a justification of at least 20 characters and a TTL of at most 4 h', async () => {
    const short = await h.req('rita', 'POST', '/api/v1/break-glass/tokens', {
      justification: 'because',
      scope: { flags: ['payments.card.blocked-flag'], envs: ['production'] },
    });
    expect([short.status, code(short)]).toEqual([400, 'INVALID_BODY']);
    const long = await h.req('rita', 'POST', '/api/v1/break-glass/tokens', {
      justification: JUSTIFICATION,
      scope: { flags: ['payments.card.blocked-flag'], envs: ['production'] },
      ttl_seconds: 4 * 3600 + 1,
    });
    expect([long.status, code(long)]).toEqual([400, 'INVALID_BODY']);
  });

  it('issues a bgt_ token, stores only its hash, records break_glass.issued and alerts the webhooks', async () => {
    const t = await issue('rita');
    expect(t['token']).toMatch(/^bgt_[0-9a-f]{64}$/);
    expect(t['expires_at']).toBe(new Date(h.clock.now + 30 * 60_000).toISOString());
    const stored = h
      .rawDb()
      .prepare('SELECT token_hash FROM break_glass_tokens WHERE id = ?')
      .pluck()
      .get(t['token_id']);
    expect(stored).not.toBe(t['token']);
    expect(JSON.stringify(h.rawDb().prepare('SELECT * FROM break_glass_tokens').all())).not.toContain(
      String(t['token']).slice(4),
    );
    expect(await lastEntry(h)).toMatchObject({
      action: 'break_glass.issued',
      reason: JUSTIFICATION,
      refs: { break_glass_token: t['token_id'] },
      after: { token_id: t['token_id'], scope: { flags: ['payments.card.blocked-flag'], envs: ['production'] } },
    });
    await waitFor(() => sink.received.length >= 2);
    const slack = sink.received.find((r) => r.path === '/slack')?.body as Record<string, unknown>;
    const pd = sink.received.find((r) => r.path === '/pd')?.body as Record<string, unknown>;
    expect(String(slack['text'])).toContain('Break-glass token issued to rita');
    expect(pd).toMatchObject({
      routing_key: 'rk-test',
      event_action: 'trigger',
      payload: { severity: 'warning', source: 'tombstone-control-plane' },
    });
  });
});

describe('using', () => {
  it('lets one gated change through as break_glass.used, once', async () => {
    const t = await issue('rita');
    const headers = { 'X-Break-Glass-Token': String(t['token']) };
    const res = await h.req(
      'rita',
      'PATCH',
      '/api/v1/flags/payments.card.blocked-flag/environments/production',
      { enabled: true, rollout_pct: 10, reason: 'hotfix path' },
      headers,
    );
    expect(res.status).toBe(200);
    expect(obj(res)).toMatchObject({ action: 'break_glass.used' });
    expect(await lastEntry(h)).toMatchObject({
      action: 'break_glass.used',
      env: 'production',
      refs: { break_glass_token: t['token_id'], operation: 'flag.updated' },
      after: { enabled: true, rollout_pct: 10 },
    });
    const again = await h.req(
      'rita',
      'POST',
      '/api/v1/flags/payments.card.blocked-flag/kill',
      { environment: 'production', reason: 'stop the bleeding now' },
      headers,
    );
    expect([again.status, code(again)]).toEqual([410, 'BREAK_GLASS_USED']);
    await waitFor(() => sink.received.some((r) => JSON.stringify(r.body).includes('Break-glass used by rita')));
  });

  it('rejects an expired token with 410 BREAK_GLASS_EXPIRED', async () => {
    const t = await issue('rita', { ttl_seconds: 60 });
    h.clock.now += 61_000;
    const res = await h.req(
      'rita',
      'PATCH',
      '/api/v1/flags/payments.card.blocked-flag/environments/production',
      { enabled: true, reason: 'late' },
      { 'X-Break-Glass-Token': String(t['token']) },
    );
    expect([res.status, code(res)]).toEqual([410, 'BREAK_GLASS_EXPIRED']);
  });

  it('rejects out-of-scope use, use by someone else, and unknown tokens', async () => {
    const t = await issue('rita');
    const headers = { 'X-Break-Glass-Token': String(t['token']) };
    const scope = await h.req(
      'rita',
      'PATCH',
      '/api/v1/flags/payments.card.other-flag/environments/production',
      { enabled: true, reason: 'other' },
      headers,
    );
    expect([scope.status, code(scope)]).toEqual([403, 'BREAK_GLASS_SCOPE']);
    const env = await h.req(
      'rita',
      'PATCH',
      '/api/v1/flags/payments.card.blocked-flag/environments/staging',
      { enabled: true, reason: 'staging' },
      headers,
    );
    expect([env.status, code(env)]).toEqual([403, 'BREAK_GLASS_SCOPE']);
    const other = await h.req(
      'ron',
      'PATCH',
      '/api/v1/flags/payments.card.blocked-flag/environments/production',
      { enabled: true, reason: 'stolen' },
      headers,
    );
    expect([other.status, code(other)]).toEqual([403, 'BREAK_GLASS_INVALID']);
    const fake = await h.req(
      'rita',
      'PATCH',
      '/api/v1/flags/payments.card.blocked-flag/environments/production',
      { enabled: true, reason: 'fake' },
      { 'X-Break-Glass-Token': `bgt_${'0'.repeat(64)}` },
    );
    expect([fake.status, code(fake)]).toEqual([403, 'BREAK_GLASS_INVALID']);
    const ok = await h.req(
      'rita',
      'POST',
      '/api/v1/flags/payments.card.blocked-flag/kill',
      { environment: 'production', reason: 'kill under break-glass' },
      headers,
    );
    expect(ok.status).toBe(200);
    expect(await lastEntry(h)).toMatchObject({
      action: 'break_glass.used',
      refs: { operation: 'flag.killed' },
      after: { enabled: false, rollout_pct: 0 },
    });
  });

  it('does not consume the token when the change itself fails', async () => {
    const t = await issue('rita');
    const headers = { 'X-Break-Glass-Token': String(t['token']) };
    const same = await h.req(
      'rita',
      'POST',
      '/api/v1/flags/payments.card.blocked-flag/kill',
      { environment: 'production', reason: 'already killed it' },
      headers,
    );
    expect([same.status, code(same)]).toEqual([409, 'NO_CHANGE']);
    const tokens = obj(await h.req('vera', 'GET', '/api/v1/break-glass/tokens'))['tokens'] as {
      token_id: string;
      used_at: string | null;
    }[];
    expect(tokens.find((x) => x.token_id === t['token_id'])?.used_at).toBe(null);
  });
});
