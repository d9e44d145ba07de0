import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../test-support/harness.ts';
import { code, lastEntry, obj, startHarness } from '../test-support/harness.ts';
import { signPagerDuty } from './pagerduty.ts';

const SECRET = 'pd-test-secret';
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ pagerdutySecret: SECRET });
});
afterAll(async () => h.close());

function pdEvent(eventId: string, type: string, incidentId: string): string {
  return JSON.stringify({
    event: {
      id: eventId,
      event_type: type,
      resource_type: 'incident',
      occurred_at: '2026-11-25T02:59:00.000Z',
      agent: null,
      client: null,
      data: {
        id: incidentId,
        type: 'incident',
        title: 'payments: error rate above SLO',
        status: 'triggered',
        urgency: 'high',
        priority: { summary: 'P2' },
        created_at: '2026-11-25T02:58:30.000Z',
        html_url: 'https://example.pagerduty.com/incidents/Q1',
        service: { id: 'PS1', summary: 'payments' },
      },
    },
  });
}

function postPd(body: string, signature: string | null): ReturnType<Harness['req']> {
  return h.req(
    null,
    'POST',
    '/api/v1/incidents/pagerduty',
    body,
    signature === null ? {} : { 'X-PagerDuty-Signature': signature },
  );
}

describe('manual incidents', () => {
  it('opens, acknowledges and resolves with ledger entries carrying the incident facts', async () => {
    const res = await h.req('rita', 'POST', '/api/v1/incidents', {
      service: 'checkout',
      title: 'checkout 5xx spike',
      severity: 'critical',
      environment: 'production',
    });
    expect(res.status).toBe(201);
    const id = obj(res)['id'];
    const facts = {
      id,
      service: 'checkout',
      title: 'checkout 5xx spike',
      severity: 'critical',
      source: 'manual',
      triggered_at: new Date(h.clock.now).toISOString(),
    };
    expect(await lastEntry(h)).toMatchObject({
      action: 'incident.triggered',
      env: 'production',
      flag: null,
      after: facts,
      refs: { incident: id },
    });
    expect(
      (await h.req('rita', 'POST', `/api/v1/incidents/${String(id)}/acknowledge`, { note: 'looking' })).status,
    ).toBe(200);
    expect(await lastEntry(h)).toMatchObject({ action: 'incident.acknowledged', after: facts, reason: 'looking' });
    expect(obj(await h.req('rita', 'POST', `/api/v1/incidents/${String(id)}/resolve`))['status']).toBe('resolved');
    const again = await h.req('rita', 'POST', `/api/v1/incidents/${String(id)}/acknowledge`);
    expect([again.status, code(again)]).toEqual([409, 'INCIDENT_STATE']);
  });

  it('validates severity and unknown incidents', async () => {
    const bad = await h.req('rita', 'POST', '/api/v1/incidents', { service: 'x', title: 'bad sev', severity: 'huge' });
    expect([bad.status, code(bad)]).toEqual([400, 'INVALID_BODY']);
    const none = await h.req('rita', 'POST', '/api/v1/incidents/inc-nope/resolve');
    expect([none.status, code(none)]).toEqual([404, 'INCIDENT_NOT_FOUND']);
  });
});

describe('PagerDuty webhook', () => {
  it('accepts a correctly signed incident.triggered (any of several v1 signatures)', async () => {
    const body = pdEvent('EV1', 'incident.triggered', 'Q1ABC');
    const res = await postPd(body, `v1=${'0'.repeat(64)}, ${signPagerDuty(SECRET, body)}`);
    expect([res.status, obj(res)]).toEqual([202, { status: 'accepted', incident_id: 'Q1ABC' }]);
    expect(await lastEntry(h)).toMatchObject({
      action: 'incident.triggered',
      actor: { type: 'service', id: 'pagerduty' },
      after: {
        id: 'Q1ABC',
        service: 'payments',
        severity: 'error',
        source: 'pagerduty',
        triggered_at: '2026-11-25T02:58:30.000Z',
      },
    });
  });

  it('ignores a replayed event id', async () => {
    const body = pdEvent('EV1', 'incident.triggered', 'Q1ABC');
    const size = h.cp.app.ledger.size;
    const res = await postPd(body, signPagerDuty(SECRET, body));
    expect(obj(res)).toEqual({ status: 'duplicate', incident_id: 'Q1ABC' });
    expect(h.cp.app.ledger.size).toBe(size);
  });

  it('moves the incident on acknowledged and resolved', async () => {
    const ack = pdEvent('EV2', 'incident.acknowledged', 'Q1ABC');
    await postPd(ack, signPagerDuty(SECRET, ack));
    expect(await lastEntry(h)).toMatchObject({ action: 'incident.acknowledged', refs: { incident: 'Q1ABC' } });
    const res = pdEvent('EV3', 'incident.resolved', 'Q1ABC');
    await postPd(res, signPagerDuty(SECRET, res));
    expect(obj(await h.req('vera', 'GET', '/api/v1/incidents/Q1ABC'))['status']).toBe('resolved');
  });

  it('rejects a bad or missing signature with 401 BAD_SIGNATURE and writes nothing', async () => {
    const body = pdEvent('EV9', 'incident.triggered', 'Q9');
    const size = h.cp.app.ledger.size;
    const wrong = await postPd(body, signPagerDuty('other-secret', body));
    expect([wrong.status, code(wrong)]).toEqual([401, 'BAD_SIGNATURE']);
    const edited = await postPd(body.replace('payments', 'checkout'), signPagerDuty(SECRET, body));
    expect([edited.status, code(edited)]).toEqual([401, 'BAD_SIGNATURE']);
    const missing = await postPd(body, null);
    expect([missing.status, code(missing)]).toEqual([401, 'BAD_SIGNATURE']);
    expect(h.cp.app.ledger.size).toBe(size);
  });

  it('ignores other event types', async () => {
    const body = pdEvent('EV10', 'incident.annotated', 'Q1ABC');
    expect(obj(await postPd(body, signPagerDuty(SECRET, body)))).toEqual({ status: 'ignored', incident_id: null });
  });
});

describe('PagerDuty webhook without a secret', () => {
  it('answers 503 PAGERDUTY_NOT_CONFIGURED', async () => {
    const h2 = await startHarness();
    try {
      const res = await h2.req(null, 'POST', '/api/v1/incidents/pagerduty', pdEvent('E', 'incident.triggered', 'Q'));
      expect([res.status, code(res)]).toEqual([503, 'PAGERDUTY_NOT_CONFIGURED']);
    } finally {
      await h2.close();
    }
  });
});
