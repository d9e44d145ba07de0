/**
 * Heartbeat watchdog: the stream is presumed dead when nothing (entry, checkpoint or heartbeat) arrived for
 * `timeoutMs` (the engine uses twice the server's heartbeat interval). `kick()` is O(1) and allocates nothing, so it can
 * run on every frame of a million-entry stream; the single timer re-arms itself only when it fires early.
 */

/** A running watchdog. */
export interface Watchdog {
  /** Records that the stream is alive. */
  kick(): void;
  /** Stops the timer; the callback will not run afterwards. */
  stop(): void;
}

/** Starts a watchdog that calls `onTimeout` once, `timeoutMs` after the last kick. */
export function startWatchdog(timeoutMs: number, onTimeout: () => void, now: () => number = Date.now): Watchdog {
  let last = now();
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const arm = (delay: number): void => {
    timer = setTimeout(check, Math.max(delay, 1));
    timer.unref?.();
  };
  function check(): void {
    timer = null;
    if (stopped) return;
    const idle = now() - last;
    if (idle >= timeoutMs) {
      stopped = true;
      onTimeout();
      return;
    }
    arm(timeoutMs - idle);
  }
  arm(timeoutMs);
  return {
    kick: () => {
      last = now();
    },
    stop: () => {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}
