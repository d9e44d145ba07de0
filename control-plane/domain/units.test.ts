import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.ts';
import { MetricsStore } from './metrics-store.ts';
import { findCycle } from './prerequisites.ts';
import { payloadHash } from './change-request-repo.ts';
import { defaultEnvState } from './env-state.ts';

describe('findCycle', () => {
  const graph = new Map([
    ['a.a.a', ['b.b.b']],
    ['b.b.b', ['c.c.c']],
    ['c.c.c', []],
    ['d.d.d', []],
  ]);

  it('finds the path that closes a cycle through several flags', () => {
    expect(findCycle(graph, 'c.c.c', ['a.a.a'])).toEqual(['c.c.c', 'a.a.a', 'b.b.b', 'c.c.c']);
  });

  it('accepts acyclic graphs and self references are cycles', () => {
    expect(findCycle(graph, 'd.d.d', ['a.a.a'])).toBe(null);
    expect(findCycle(graph, 'd.d.d', ['d.d.d'])).toEqual(['d.d.d', 'd.d.d']);
  });
});

describe('circuit breaker windows', () => {
  it('slides over the last N outcomes and resets after a trip', () => {
    const b = new CircuitBreaker({ window: 10, threshold: 0.1 });
    for (let i = 0; i < 9; i++) expect(b.record('f.f.f', 'prod', i < 1)).toBe(null);
    expect(b.record('f.f.f', 'prod', false)).toBe(null);
    expect(b.record('f.f.f', 'prod', true)).toBe(null);
    expect(b.stats()).toEqual([{ flag_key: 'f.f.f', environment: 'prod', requests: 10, errors: 1, error_rate: 0.1 }]);
    expect(b.record('f.f.f', 'prod', true)).toEqual({ flag: 'f.f.f', env: 'prod', errorRate: 0.2 });
    expect(b.stats()).toEqual([]);
  });
});

describe('metrics store', () => {
  it('sums buckets into steps and computes rates', () => {
    const m = new MetricsStore(1000);
    m.record('api', false, 10, 0, 90);
    m.record('api', true, 100, 1500, 10);
    expect(m.query('api', 0, 2000, 2000)).toEqual([
      {
        ts: '1970-01-01T00:00:00.000Z',
        requests: 100,
        errors: 10,
        error_rate: 0.1,
        p95_latency_ms: 105.9,
        request_rate: 50,
      },
    ]);
    m.prune(6 * 3600 * 1000 + 5000);
    expect(m.query('api', 0, 2000, 2000)[0]?.requests).toBe(0);
  });
});

describe('payload hash', () => {
  it('binds the scheduled time', () => {
    const s = defaultEnvState();
    expect(payloadHash('a.b.c', 'production', s, null)).not.toBe(payloadHash('a.b.c', 'production', s, 1));
    expect(payloadHash('a.b.c', 'production', s, null)).not.toBe(payloadHash('a.b.c', 'staging', s, null));
    expect(payloadHash('a.b.c', 'production', s, 1)).toBe(payloadHash('a.b.c', 'production', { ...s }, 1));
  });
});
