import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../test-support/harness.ts';
import { T0, code, lastEntry, makeFlag, obj, startHarness, waitFor } from '../test-support/harness.ts';
import { openSse } from '../test-support/sse-client.ts';
import type { WebhookSink } from '../test-support/webhook-sink.ts';
import { startWebhookSink } from '../test-support/webhook-sink.ts';

let h: Harness;
let sink: WebhookSink;
beforeAll(async () => {
  sink = await startWebhookSink();
  h = await startHarness({ webhooks: [{ kind: 'slack', url: sink.url }], metricsIntervalMs: 50 });
  const on = { environments: { production: { enabled: true, rollout_pct: 100 } } };
  await makeFlag(h, 'checkout.flow.medium-flag', 'MEDIUM', on);
  await makeFlag(h, 'checkout.flow.low-flag', 'LOW', on);
  await makeFlag(h, 'checkout.payments.high-flag', 'HIGH');
  await makeFlag(h, 'payments.card.blocked-flag', 'BLOCKED');
  // Switch two flags fully on behind the API's back (their tiers would need approvals), on either engine.
  const raw = h.rawDb();
  for (const key of ['checkout.payments.high-flag', 'payments.card.blocked-flag']) {
    const where = "WHERE flag_key = ? AND env = 'production'";
    const state = JSON.parse(raw.prepare(`SELECT state FROM flag_envs ${where}`).pluck().get(key) as string) as object;
    raw
      .prepare(`UPDATE flag_envs SET state = ? ${where}`)
      .run(JSON.stringify({ ...state, enabled: true, rollout_pct: 100 }), key);
  }
});
afterAll(async () => {
  await h.close();
  await sink.close();
});

function samples(flag: string, n: number, errors: number, service = 'checkout'): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({
    service,
    environment: 'production',
    flag_key: flag,
    error: i < errors,
    latency_ms: 50 + i,
  }));
}

async function send(batch: Record<string, unknown>[]): Promise<Record<string, unknown>> {
  const res = await h.req('rita', 'POST', '/api/v1/telemetry', { samples: batch });
  expect(res.status).toBe(202);
  return obj(res);
}

describe('circuit breaker', () => {
  it('does not trip at exactly 5 % errors over 100 requests, or before 100 requests', async () => {
    const few = await send(samples('checkout.flow.low-flag', 99, 20));
    expect(few['trips']).toEqual([]);
    const size = h.cp.app.ledger.size;
    expect((await send(samples('checkout.flow.medium-flag', 100, 5)))['trips']).toEqual([]);
    expect(h.cp.app.ledger.size).toBe(size);
  });

  it('rolls a MEDIUM flag back to its safe default as system:evaluator above 5 %', async () => {
    const res = await send(samples('checkout.flow.medium-flag', 100, 6));
    expect(res['trips']).toMatchObject([
      { flag_key: 'checkout.flow.medium-flag', environment: 'production', action: 'auto_rolled_back' },
    ]);
    expect(await lastEntry(h)).toMatchObject({
      action: 'flag.auto_rolled_back',
      actor: { type: 'system', id: 'system:evaluator' },
      flag: 'checkout.flow.medium-flag',
      env: 'production',
      before: { enabled: true, rollout_pct: 100 },
      after: { enabled: false, rollout_pct: 0 },
      reason: 'circuit_breaker: error rate 6.0% over the last 100 requests exceeds 5.0%',
    });
  });

  it('rolls a HIGH flag back automatically and sends an alert', async () => {
    await send(samples('checkout.payments.high-flag', 100, 10));
    expect(await lastEntry(h)).toMatchObject({ action: 'flag.auto_rolled_back', flag: 'checkout.payments.high-flag' });
    await waitFor(() =>
      sink.received.some((r) =>
        JSON.stringify(r.body).includes('Circuit breaker rolled back checkout.payments.high-flag'),
      ),
    );
    const alerts = obj(await h.req('vera', 'GET', '/api/v1/alerts'))['alerts'] as { event: string; severity: string }[];
    expect(alerts.at(-1)).toMatchObject({ event: 'circuit_breaker.rolled_back', severity: 'error' });
  });

  it('never changes a BLOCKED flag: opens a change request by system:evaluator and alerts', async () => {
    const res = await send(samples('payments.card.blocked-flag', 100, 50, 'payments'));
    expect(res['trips']).toMatchObject([{ action: 'change_request_opened' }]);
    const flag = obj(await h.req('vera', 'GET', '/api/v1/flags/payments.card.blocked-flag'));
    expect((flag['environments'] as Record<string, { enabled: boolean }>)['production']?.enabled).toBe(true);
    expect(await lastEntry(h)).toMatchObject({
      action: 'change_request.created',
      actor: { id: 'system:evaluator' },
      after: { enabled: false, rollout_pct: 0 },
    });
    const pending = obj(await h.req('vera', 'GET', '/api/v1/change-requests?status=PENDING'))[
      'change_requests'
    ] as Record<string, unknown>[];
    expect(pending[0]).toMatchObject({
      flag_key: 'payments.card.blocked-flag',
      requested_by: 'system:evaluator',
      required_approvals: 2,
    });
    const again = await send(samples('payments.card.blocked-flag', 100, 50, 'payments'));
    expect(again['trips']).toMatchObject([{ action: 'none' }]);
    await waitFor(() => sink.received.some((r) => JSON.stringify(r.body).includes('rollback needs approval')));
  });

  it('validates samples strictly', async () => {
    const res = await h.req('rita', 'POST', '/api/v1/telemetry', {
      samples: [{ service: 'checkout', error: 'no', latency_ms: 1 }],
    });
    expect([res.status, code(res)]).toEqual([400, 'INVALID_BODY']);
  });
});

describe('metrics', () => {
  it('aggregates error rate, p95 latency and request rate per service', async () => {
    const batch = Array.from({ length: 100 }, (_, i) => ({
      service: 'search',
      error: i < 10,
      latency_ms: i < 95 ? 20 : 900,
      ts: new Date(T0 + 1000).toISOString(),
    }));
    await send(batch);
    const res = await h.req('vera', 'GET', `/api/v1/metrics?service=search&from=${T0}&to=${T0 + 10_000}&step=10`);
    expect(obj(res)).toMatchObject({ service: 'search', step_seconds: 10 });
    expect(obj(res)['points']).toEqual([
      {
        ts: new Date(T0).toISOString(),
        requests: 100,
        errors: 10,
        error_rate: 0.1,
        p95_latency_ms: 22.2,
        request_rate: 10,
      },
    ]);
    const bad = await h.req('vera', 'GET', `/api/v1/metrics?service=search&from=${T0}&to=${T0 - 1}`);
    expect([bad.status, code(bad)]).toEqual([400, 'INVALID_RANGE']);
  });

  it('keeps the same points per flag and environment, from the samples that name a flag', async () => {
    const at = new Date(T0 + 60_000).toISOString();
    const batch = Array.from({ length: 40 }, (_, i) => ({
      service: 'search',
      flag_key: 'search.rank.v9',
      environment: 'staging',
      error: i < 4,
      latency_ms: 20,
      ts: at,
    }));
    await send([...batch, { service: 'search', error: true, latency_ms: 20, ts: at }]);
    const res = await h.req(
      'vera',
      'GET',
      `/api/v1/metrics?flag=search.rank.v9&environment=staging&from=${T0 + 60_000}&to=${T0 + 70_000}&step=10`,
    );
    expect(obj(res)).toMatchObject({ flag: 'search.rank.v9', environment: 'staging', step_seconds: 10 });
    expect(obj(res)['points']).toEqual([
      {
        ts: new Date(T0 + 60_000).toISOString(),
        requests: 40,
        errors: 4,
        error_rate: 0.1,
        p95_latency_ms: 22.2,
        request_rate: 4,
      },
    ]);
    const prod = await h.req(
      'vera',
      'GET',
      `/api/v1/metrics?flag=search.rank.v9&from=${T0 + 60_000}&to=${T0 + 70_000}&step=10`,
    );
    expect(obj(prod)).toMatchObject({ environment: 'production', points: [{ requests: 0, errors: 0, error_rate: 0 }] });
    const both = await h.req('vera', 'GET', `/api/v1/metrics?flag=search.rank.v9&service=search`);
    expect([both.status, code(both)]).toEqual([400, 'INVALID_QUERY']);
  });

  it('streams metric snapshots over SSE', async () => {
    const s = await openSse(`${h.url}/api/v1/metrics/stream?service=search`, {
      Authorization: `Bearer ${h.tokens['vera'] ?? ''}`,
    });
    try {
      await s.waitFor((ev) => ev.filter((e) => e.event === 'metrics').length >= 2);
      const first = JSON.parse(s.events[0]?.data ?? '{}') as { services: { service: string }[] };
      expect(first.services.map((x) => x.service)).toEqual(['search']);
    } finally {
      s.close();
    }
  });

  it('lists services from flags and telemetry', async () => {
    expect(obj(await h.req('vera', 'GET', '/api/v1/services'))['services']).toEqual(['checkout', 'payments', 'search']);
  });
});
