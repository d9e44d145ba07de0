import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MetricsStore } from './metrics-store.ts';
import { startMetricsSync, samplesOfFrame } from './metrics-sync.ts';
import { MetricsWindow } from './metrics-window.ts';
import { dropTemplates, serve, tempDir, until } from './test-support/fixture.ts';

const T = Date.parse('2026-11-25T03:00:00.000Z');
const sample = (t: number, errorRate: number, service = 'checkout') => ({
  service,
  t,
  errorRate,
  p95Ms: 100 + errorRate * 100,
  rps: 10,
});

describe('metrics window', () => {
  it('folds samples into buckets (last one wins), aggregates per step and stays bounded', () => {
    const w = new MetricsWindow({ bucketMs: 5000, retentionMs: 60_000, maxBuckets: 4 });
    w.add([sample(T, 0.1), sample(T + 1000, 0.2), sample(T + 5000, 0.4), sample(T + 500, 0.9)]);
    expect(w.query('checkout', T, T + 10_000, 10)).toEqual({
      service: 'checkout',
      stepSeconds: 10,
      points: [{ t: '2026-11-25T03:00:00.000Z', errorRate: 0.3, p95Ms: 140, rps: 10 }],
    });
    w.add([sample(T + 10_000, 0), sample(T + 15_000, 0), sample(T + 20_000, 0)]);
    expect(w.query('checkout', T - 1, T + 30_000, 5).points.map((p) => p.t)).toEqual([
      '2026-11-25T03:00:05.000Z',
      '2026-11-25T03:00:10.000Z',
      '2026-11-25T03:00:15.000Z',
      '2026-11-25T03:00:20.000Z',
    ]);
    w.prune(T + 80_000);
    expect(w.query('checkout', T, T + 30_000, 5).points).toHaveLength(1);
    expect(w.query('unknown', T, T + 1, 5).points).toEqual([]);
  });

  it('parses stream frames and skips malformed services', () => {
    const frame = JSON.stringify({
      ts: '2026-11-25T03:00:00.000Z',
      services: [
        { service: 'a', error_rate: 0.5, p95_latency_ms: 12, request_rate: 3 },
        { service: 'b', error_rate: 'x' },
        { nope: 1 },
      ],
    });
    expect(samplesOfFrame(frame)).toEqual([{ service: 'a', t: T, errorRate: 0.5, p95Ms: 12, rps: 3 }]);
    expect(samplesOfFrame('garbage')).toEqual([]);
  });
});

describe('metrics sync against the real control plane', () => {
  afterAll(() => dropTemplates());

  it('streams metrics into the window and persists them for offline viewing', async () => {
    const s = await serve(5, ['--heartbeat', '300ms']);
    const dir = tempDir('metrics');
    try {
      const samples = Array.from({ length: 40 }, (_, i) => ({
        service: 'checkout',
        error: i % 4 === 0,
        latency_ms: 20 + i,
      }));
      const res = await fetch(new URL('/api/v1/telemetry', s.cp.url), {
        method: 'POST',
        headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ samples }),
      });
      expect(res.status).toBe(202);
      const store = new MetricsStore(join(dir, 'm.sqlite'));
      const m = startMetricsSync({ target: { baseUrl: s.cp.url, token: s.token }, store, flushMs: 50 });
      const range = (): [string, string] => [
        new Date(Date.now() - 600_000).toISOString(),
        new Date(Date.now() + 60_000).toISOString(),
      ];
      await until(() => m.series('checkout', ...range(), 10).points.some((p) => p.errorRate > 0), 'metrics arrived');
      const point = m.series('checkout', ...range(), 10).points.find((p) => p.errorRate > 0);
      expect(point?.errorRate).toBe(0.25);
      expect(m.services()).toEqual(['checkout']);
      await m.stop();
      store.close();
      await s.cp.kill();
      const reopened = new MetricsStore(join(dir, 'm.sqlite'));
      const offline = startMetricsSync({ target: { baseUrl: s.cp.url, token: s.token }, store: reopened });
      expect(offline.series('checkout', ...range(), 10).points.some((p) => p.errorRate === 0.25)).toBe(true);
      await offline.stop();
      reopened.close();
    } finally {
      await s.cp.kill();
      rmSync(dir, { recursive: true, force: true });
      rmSync(join(s.dataDir, '..'), { recursive: true, force: true });
    }
  });
});
