import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPagerDuty } from '../domain/pagerduty.ts';
import type { Harness, Res } from '../test-support/harness.ts';
import { code, makeFlag, obj, startHarness } from '../test-support/harness.ts';

const SECRET = 'pd-text-secret';
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ pagerdutySecret: SECRET });
  await makeFlag(h, 'payments.text.medium-flag');
  await makeFlag(h, 'payments.text.blocked-flag', 'BLOCKED');
});
afterAll(async () => h.close());

function errorOf(res: Res): Record<string, unknown> {
  return obj(res)['error'] as Record<string, unknown>;
}

/** Sends a raw JSON text (so `\ud800` stays the escape a client sent) and checks nothing was written. */
async function refused(who: string, method: string, path: string, text: string, field: string): Promise<void> {
  const size = h.cp.app.ledger.size;
  const res = await h.req(who, method, path, text);
  expect([res.status, code(res), errorOf(res)['field']]).toEqual([400, 'INVALID_BODY', field]);
  expect(String(errorOf(res)['message'])).toContain('lone UTF-16 surrogate');
  expect(h.cp.app.ledger.size).toBe(size);
}

describe('lone UTF-16 surrogates are refused at the boundary', () => {
  const envPath = '/api/v1/flags/payments.text.medium-flag/environments/staging';

  it('in a reason', async () => {
    await refused('rita', 'PATCH', envPath, '{"enabled":true,"reason":"lone \\ud800 surrogate"}', 'body.reason');
    await refused(
      'rita',
      'POST',
      '/api/v1/flags/payments.text.medium-flag/kill',
      '{"environment":"production","reason":"trailing high \\udbff"}',
      'body.reason',
    );
  });

  it('in a description, a rule value deep in an array and an incident title', async () => {
    await refused(
      'rita',
      'POST',
      '/api/v1/flags',
      '{"key":"payments.text.born-bad","type":"ops","owner":"payments","services":[],"tier":"LOW","description":"x\\udc00y"}',
      'body.description',
    );
    await refused(
      'rita',
      'PATCH',
      envPath,
      '{"reason":"targeting","rules":[{"attribute":"country","op":"in","values":["DE","\\ud83d"],"variation":"on"}]}',
      'body.rules[0].values[1]',
    );
    await refused(
      'rita',
      'POST',
      '/api/v1/incidents',
      '{"service":"checkout","title":"5xx \\udfff spike","severity":"critical"}',
      'body.title',
    );
  });

  it('in an object key, before any field validation (the first offending string in document order)', async () => {
    await refused('rita', 'PATCH', envPath, '{"enabled":true,"\\ud800x":1,"reason":"\\ud800"}', 'body.\\ud800x');
    await refused(
      'rita',
      'POST',
      '/api/v1/flags',
      '{"key":"payments.text.born-bad","type":"ops","owner":"payments","services":[],"tier":"LOW","description":"",' +
        '"environments":{"staging":{"rules":[{"attribute":"a","op":"in","values":[],"variation":"on","\\udc01":0}]}}}',
      'body.environments.staging.rules[0].\\udc01',
    );
  });

  it('in a signed PagerDuty webhook', async () => {
    const body =
      '{"event":{"id":"EV-SUR","event_type":"incident.triggered","resource_type":"incident","occurred_at":"2026-11-25T02:59:00.000Z",' +
      '"data":{"id":"QSUR","type":"incident","title":"bad \\ud800 title","status":"triggered","urgency":"high",' +
      '"created_at":"2026-11-25T02:58:30.000Z","service":{"id":"PS1","summary":"payments"}}}}';
    const size = h.cp.app.ledger.size;
    const res = await h.req(null, 'POST', '/api/v1/incidents/pagerduty', body, {
      'X-PagerDuty-Signature': signPagerDuty(SECRET, body),
    });
    expect([res.status, code(res), errorOf(res)['field']]).toEqual([400, 'INVALID_BODY', 'body.event.data.title']);
    expect(h.cp.app.ledger.size).toBe(size);
  });

  it('accepts well-formed pairs (an emoji written as escapes)', async () => {
    const res = await h.req('rita', 'PATCH', envPath, '{"enabled":true,"reason":"ship it \\ud83d\\ude00"}');
    expect(res.status).toBe(200);
  });
});

describe('minimum lengths count visible characters', () => {
  async function tooShort(who: string, method: string, path: string, body: unknown, field: string): Promise<void> {
    const size = h.cp.app.ledger.size;
    const res = await h.req(who, method, path, body);
    expect([res.status, code(res), errorOf(res)['field']]).toEqual([400, 'INVALID_BODY', field]);
    expect(h.cp.app.ledger.size).toBe(size);
  }

  it('a kill reason of ten spaces or of zero-width spaces is refused', async () => {
    const kill = '/api/v1/flags/payments.text.medium-flag/kill';
    await tooShort('rita', 'POST', kill, { environment: 'staging', reason: ' '.repeat(10) }, 'body.reason');
    await tooShort('rita', 'POST', kill, { environment: 'staging', reason: '\u200b'.repeat(12) }, 'body.reason');
    await tooShort('rita', 'POST', kill, { environment: 'staging', reason: '  abc\u00a0\u3000def  ' }, 'body.reason');
    const res = await h.req('rita', 'POST', kill, { environment: 'staging', reason: ' '.repeat(10) });
    expect(errorOf(res)['message']).toBe(
      'body.reason: must have at least 10 visible characters (has 0); spaces and invisible characters do not count',
    );
  });

  it('archive, rollback, reject, change request, update and break-glass texts too', async () => {
    await tooShort(
      'rita',
      'POST',
      '/api/v1/flags/payments.text.medium-flag/archive',
      { reason: '\t'.repeat(20) },
      'body.reason',
    );
    await tooShort(
      'rita',
      'POST',
      '/api/v1/ledger/entries/0/rollback?expires=1&sig=00',
      { reason: ' \u2060 '.repeat(10) },
      'body.reason',
    );
    await tooShort(
      'rita',
      'PATCH',
      '/api/v1/flags/payments.text.medium-flag/environments/staging',
      { rollout_pct: 5, reason: '\u200b\u200c\u200d' },
      'body.reason',
    );
    await tooShort(
      'rita',
      'POST',
      '/api/v1/change-requests',
      { flag_key: 'payments.text.blocked-flag', environment: 'staging', enabled: true, reason: '   ' },
      'body.reason',
    );
    await tooShort(
      'rita',
      'POST',
      '/api/v1/break-glass/tokens',
      {
        justification: `${' '.repeat(30)}x`,
        scope: { flags: ['payments.text.blocked-flag'], envs: ['staging'] },
      },
      'body.justification',
    );
    await tooShort(
      'rita',
      'POST',
      '/api/v1/incidents',
      { service: 'checkout', title: '\u3164\u3164\u3164', severity: 'info' },
      'body.title',
    );
    const cr = await h.req('rita', 'POST', '/api/v1/change-requests', {
      flag_key: 'payments.text.blocked-flag',
      environment: 'staging',
      enabled: true,
      reason: 'staging try',
    });
    expect(cr.status).toBe(201);
    await tooShort(
      'amy',
      'POST',
      `/api/v1/change-requests/${String(obj(cr)['id'])}/reject`,
      { reason: '\ufeff\ufeff\ufeff\ufeff' },
      'body.reason',
    );
  });
});
