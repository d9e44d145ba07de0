/**
 * Telemetry metrics across two in-process instances on one PostgreSQL database (telemetry-share.ts): samples posted to
 * either instance are counted by both, per service and per flag, summed per bucket; the breaker stays per instance.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { freshPgDatabase } from '../../test-support/pg-context.ts';
import type { RunningControlPlane } from '../server.ts';
import { T0, startHarness, startPeer, type Harness } from '../test-support/harness.ts';
import { decodeSeries, encodeSeries } from './telemetry-share.ts';
import { flagSeriesKey } from './metrics-store.ts';

const harnesses: Harness[] = [];
const servers: RunningControlPlane[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
  for (const h of harnesses) await h.close();
});

/** A second instance on the harness's database (test-support/harness.ts startPeer), closed after the file. */
async function secondInstance(h: Harness): Promise<RunningControlPlane> {
  const cp = await startPeer(h);
  servers.push(cp);
  return cp;
}

interface Point {
  requests: number;
  errors: number;
}

async function call(h: Harness, base: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${h.tokens['rita'] ?? ''}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(res.status).toBeLessThan(300);
  return res.json();
}

function samples(n: number, errors: number, at: number, extra: Record<string, unknown> = {}): unknown[] {
  return Array.from({ length: n }, (_, i) => ({
    service: 'checkout',
    error: i < errors,
    latency_ms: 20,
    ts: new Date(at).toISOString(),
    ...extra,
  }));
}

async function points(h: Harness, base: string, query: string): Promise<[number, number][]> {
  const body = (await call(h, base, 'GET', `/api/v1/metrics?${query}`)) as { points: Point[] };
  return body.points.map((p) => [p.requests, p.errors]);
}

/** Polls until `read` answers `want` (exact), failing with the last answer after `ms`. */
async function until<T>(read: () => Promise<T>, want: T, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  let last = await read();
  while (JSON.stringify(last) !== JSON.stringify(want)) {
    if (Date.now() > end) expect(last).toEqual(want);
    await new Promise((r) => setTimeout(r, 50));
    last = await read();
  }
}

describe('telemetry metrics across instances on PostgreSQL', () => {
  it('sums the samples posted to either instance, per service and per flag, in each instance’s answers', async () => {
    const h = await startHarness({ database: await freshPgDatabase('telemetry') });
    harnesses.push(h);
    const b = await secondInstance(h);
    const range = `from=${T0}&to=${T0 + 10_000}&step=5`;
    const flagged = { flag_key: 'checkout.share.flag', environment: 'production' };
    // A: 30 requests (3 errors) in the first bucket, 10 of them for the flag; B: 20 (5 errors) in the first, 7 (7
    // errors) in the second, 4 of the first bucket's for the flag (2 errors).
    await call(h, h.url, 'POST', '/api/v1/telemetry', {
      samples: [...samples(20, 3, T0 + 1000), ...samples(10, 0, T0 + 2000, flagged)],
    });
    await call(h, b.url, 'POST', '/api/v1/telemetry', {
      samples: [...samples(16, 3, T0 + 4000), ...samples(4, 2, T0 + 4999, flagged), ...samples(7, 7, T0 + 5000)],
    });
    const want: [number, number][] = [
      [50, 8],
      [7, 7],
    ];
    await until(() => points(h, h.url, `service=checkout&${range}`), want);
    await until(() => points(h, b.url, `service=checkout&${range}`), want);
    const flagQuery = `flag=checkout.share.flag&environment=production&${range}`;
    await until(
      () => points(h, h.url, flagQuery),
      [
        [14, 2],
        [0, 0],
      ],
    );
    // Every service summed, and the list of services, count the other instance's too.
    expect(await points(h, h.url, range)).toEqual(want);
    expect(await call(h, h.url, 'GET', '/api/v1/services')).toMatchObject({ services: ['checkout'] });

    // A bucket still filling is republished as it changes: more samples on B in the first bucket reach A.
    await call(h, b.url, 'POST', '/api/v1/telemetry', { samples: samples(5, 1, T0 + 3000) });
    await until(
      () => points(h, h.url, `service=checkout&${range}`),
      [
        [55, 9],
        [7, 7],
      ],
    );

    // B stops: its last buckets stay counted (those requests happened), and a third instance gets them all.
    await call(h, b.url, 'POST', '/api/v1/telemetry', { samples: samples(2, 2, T0 + 9000) });
    await b.close();
    servers.splice(servers.indexOf(b), 1);
    const c = await secondInstance(h);
    const total: [number, number][] = [
      [55, 9],
      [9, 9],
    ];
    await until(() => points(h, c.url, `service=checkout&${range}`), total);
    await until(() => points(h, h.url, `service=checkout&${range}`), total);
  });

  it('writes a series key with its NUL separator and backslashes as TEXT, and reads it back', () => {
    for (const s of [flagSeriesKey('a.b', 'prod'), 'x\\0y', '\\\\\0', 'checkout']) {
      expect(encodeSeries(s)).not.toContain('\0');
      expect(decodeSeries(encodeSeries(s))).toBe(s);
    }
  });
});
