/**
 * MetricsStore on its own (no database): local buckets, the change log for publishing to other instances (only once
 * exporting started), other instances' buckets summed into every read, and retention over both.
 */
import { describe, expect, it } from 'vitest';
import { LATENCY_BINS, MetricsStore, flagSeriesKey, type SharedBucket } from './metrics-store.ts';

const T = 1_800_000_000_000; // a multiple of 5 s

function hist(bins: Record<number, number>): number[] {
  return Array.from({ length: LATENCY_BINS }, (_, i) => bins[i] ?? 0);
}

function bucket(series: string, start: number, requests: number, errors: number, bins: Record<number, number>) {
  return { series, start, requests, errors, hist: hist(bins) } satisfies SharedBucket;
}

describe('MetricsStore', () => {
  it('buckets samples per series and sums a window', () => {
    const m = new MetricsStore();
    m.record('checkout', false, 10, T);
    m.record('checkout', true, 10, T + 4999, 3);
    m.record('checkout', false, 10, T + 5000);
    m.record('search', false, 1, T);
    expect(m.services()).toEqual(['checkout', 'search']);
    expect(m.window('checkout', T, T + 5000)).toMatchObject({ requests: 4, errors: 3, error_rate: 0.75 });
    expect(m.window(null, T, T + 10_000)).toMatchObject({ requests: 6, errors: 3, request_rate: 0.6 });
  });

  it('exports every bucket first, then only the buckets changed since the last export', () => {
    const m = new MetricsStore();
    m.record('checkout', true, 0.4, T, 2); // bin 0
    m.record('checkout', false, 1, T + 5000); // bin 4: 0.5 × 1.25^4 ≈ 1.22
    expect(m.exportChanges()).toEqual([
      bucket('checkout', T, 2, 2, { 0: 2 }),
      bucket('checkout', T + 5000, 1, 0, { 4: 1 }),
    ]);
    expect(m.exportChanges()).toEqual([]);
    // A bucket still filling comes again, with its absolute counts.
    m.record('checkout', false, 1, T + 6000);
    m.record('search', false, 0.1, T + 6000);
    expect(m.exportChanges()).toEqual([
      bucket('checkout', T + 5000, 2, 0, { 4: 2 }),
      bucket('search', T + 5000, 1, 0, { 0: 1 }),
    ]);
    // After a lost export, a full one sends everything again.
    expect(m.exportChanges(true)).toHaveLength(3);
    expect(m.exportChanges()).toEqual([]);
  });

  it('sums other instances’ buckets into every read, a newer copy replacing the older one', () => {
    const m = new MetricsStore();
    m.record('checkout', true, 0.4, T, 2);
    m.setRemote('b', [bucket('checkout', T, 10, 1, { 0: 1, 40: 9 }), bucket('payments', T + 5000, 4, 0, { 4: 4 })]);
    m.setRemote('c', [bucket('checkout', T, 8, 0, { 0: 8 })]);
    expect(m.services()).toEqual(['checkout', 'payments']);
    expect(m.window('checkout', T, T + 5000)).toMatchObject({ requests: 20, errors: 3, error_rate: 0.15 });
    // 20 requests, p95 → the 19th: 11 in bin 0, then bin 40 (0.5 × 1.25^40 ≈ 3761.6 ms).
    expect(m.window('checkout', T, T + 5000).p95_latency_ms).toBe(3761.6);
    // b's bucket filled up: its new copy replaces the old one (not added to it).
    m.setRemote('b', [bucket('checkout', T, 12, 2, { 0: 12 })]);
    expect(m.window('checkout', T, T + 5000)).toMatchObject({ requests: 22, errors: 4, p95_latency_ms: 0.5 });
    expect(m.query(null, T, T + 10_000, 5000).map((p) => [p.requests, p.errors])).toEqual([
      [22, 4],
      [4, 0],
    ]);
    // Other instances' buckets are never exported again.
    expect(m.exportChanges()).toEqual([bucket('checkout', T, 2, 2, { 0: 2 })]);
  });

  it('keys flag series like local ones and leaves out a bucket not aligned on bucketMs', () => {
    const m = new MetricsStore();
    const key = flagSeriesKey('search.rank', 'production');
    m.setRemote('b', [bucket(key, T, 5, 1, { 0: 5 }), bucket(key, T + 2500, 7, 7, { 0: 7 })]);
    expect(m.query(key, T, T + 10_000, 5000).map((p) => p.requests)).toEqual([5, 0]);
  });

  it('prunes other instances’ buckets with its own, and forgets a series only they had', () => {
    const m = new MetricsStore(5000, 60_000);
    m.record('checkout', false, 1, T);
    m.setRemote('b', [bucket('checkout', T, 3, 0, { 4: 3 }), bucket('checkout', T + 60_000, 2, 0, { 4: 2 })]);
    m.setRemote('b', [bucket('payments', T, 1, 1, { 4: 1 })]);
    m.prune(T + 60_001);
    expect(m.window('checkout', T, T + 120_000).requests).toBe(2);
    expect(m.services()).toEqual(['checkout']);
  });

  it('exports everything recorded before the first export', () => {
    const m = new MetricsStore();
    for (let i = 0; i < 3; i++) m.record('checkout', false, 1, T + i * 5000);
    // The first export is a full one whatever happened before it.
    expect(m.exportChanges().map((b) => b.start)).toEqual([T, T + 5000, T + 10_000]);
  });
});
