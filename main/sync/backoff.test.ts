import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, backoffCeiling, backoffDelay } from './backoff.ts';

const policy = { baseMs: 100, capMs: 1000, maxServerRetryMs: 5000 };

describe('backoff with full jitter', () => {
  it('doubles the ceiling per attempt up to the cap, without overflow for huge attempts', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffCeiling(a, policy))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffCeiling(10_000, policy)).toBe(1000);
    expect(backoffCeiling(0, policy)).toBe(100);
  });

  it('draws uniformly in [0, ceiling)', () => {
    expect(backoffDelay(3, policy, null, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, null, () => 0.5)).toBe(200);
    expect(backoffDelay(3, policy, null, () => 0.999999)).toBe(399);
    expect(backoffDelay(50, policy, null, () => 0.999999)).toBe(999);
  });

  it('never retries sooner than the server asked, clamped to the policy maximum', () => {
    expect(backoffDelay(1, policy, 2500, () => 0.1)).toBe(2500);
    expect(backoffDelay(5, policy, 10, () => 0.5)).toBe(500);
    expect(backoffDelay(1, policy, 60_000_000, () => 0)).toBe(5000);
    expect(backoffDelay(1, policy, -5, () => 0)).toBe(0);
  });

  it('has sane defaults', () => {
    expect(DEFAULT_BACKOFF).toEqual({ baseMs: 500, capMs: 30_000, maxServerRetryMs: 300_000 });
  });
});
