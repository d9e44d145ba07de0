import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startWatchdog } from './watchdog.ts';

describe('heartbeat watchdog', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires once after the timeout without kicks', () => {
    let fired = 0;
    startWatchdog(1000, () => fired++);
    vi.advanceTimersByTime(999);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(1);
    expect(fired).toBe(1);
    vi.advanceTimersByTime(10_000);
    expect(fired).toBe(1);
  });

  it('kicks postpone the timeout to timeout-after-the-last-kick', () => {
    let fired = 0;
    const dog = startWatchdog(1000, () => fired++);
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(600);
      dog.kick();
    }
    expect(fired).toBe(0);
    vi.advanceTimersByTime(999);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(1);
    expect(fired).toBe(1);
  });

  it('never fires after stop', () => {
    let fired = 0;
    const dog = startWatchdog(1000, () => fired++);
    dog.stop();
    vi.advanceTimersByTime(5000);
    expect(fired).toBe(0);
  });
});
