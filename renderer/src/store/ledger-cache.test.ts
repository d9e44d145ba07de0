import { describe, expect, it } from 'vitest';
import { row } from '../test-support/fixtures.ts';
import { ascPosition, missingPages, PAGE_SIZE, RowCache } from './ledger-cache.ts';

describe('ledger row cache', () => {
  it('maps descending view positions to ascending positions through the total', () => {
    expect(ascPosition(0, 'desc', 1_000_000)).toBe(999_999);
    expect(ascPosition(999_999, 'desc', 1_000_000)).toBe(0);
    expect(ascPosition(42, 'asc', 1_000_000)).toBe(42);
  });

  it('keeps rows valid across appends (keyed by ascending position)', () => {
    const cache = new RowCache();
    cache.putPage('desc', 0, [row(9), row(8)], 10); // newest first when the list had 10 rows
    expect(cache.get(9)?.idx).toBe(9);
    expect(cache.get(8)?.idx).toBe(8);
    // Two entries appended: the view position of idx 9 is now 2, its ascending position is unchanged.
    expect(cache.get(ascPosition(2, 'desc', 12))?.idx).toBe(9);
  });

  it('asks only for missing pages around the viewport, nearest first', () => {
    const cache = new RowCache();
    const total = 1_000_000;
    expect(missingPages(cache, 500_020, 500_050, total, 'asc')).toEqual([500_000, 499_900, 500_100]);
    cache.putPage(
      'asc',
      500_000,
      Array.from({ length: PAGE_SIZE }, (_, i) => row(500_000 + i)),
      total,
    );
    expect(missingPages(cache, 500_020, 500_050, total, 'asc')).toEqual(
      [499_900, 500_100].sort((a, b) => Math.abs(a + 50 - 500_035) - Math.abs(b + 50 - 500_035)),
    );
    expect(missingPages(cache, 0, 10, 0, 'asc')).toEqual([]);
    expect(missingPages(cache, 0, 30, 25, 'desc')).toEqual([0]);
  });

  it('stays bounded: far rows are evicted once over the limit', () => {
    const cache = new RowCache(1000);
    for (let p = 0; p < 3000; p += PAGE_SIZE)
      cache.putPage(
        'asc',
        p,
        Array.from({ length: PAGE_SIZE }, (_, i) => row(p + i)),
        3000,
      );
    cache.evictAround(2900);
    expect(cache.size).toBeLessThanOrEqual(1000);
    expect(cache.get(2900)?.idx).toBe(2900);
    expect(cache.get(0)).toBeUndefined();
  });
});
