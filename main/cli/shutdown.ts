/**
 * Ctrl-C (SIGINT) and SIGTERM for the long-running commands (`serve`, `sync` without `--once`): the first signal starts
 * an orderly stop (streams, timers, connections, then the replica), a second one exits at once. The stop must leave
 * nothing behind, so the process ends by itself; should anything still hold it when the grace period is over, it is
 * named on stderr (W_SHUTDOWN_FORCED) and the process exits anyway: every replica write is one SQLite transaction,
 * so ending there loses nothing.
 */

/** Exit status of a process ended by `signal` (128 + its number). */
function signalStatus(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 130 : 143;
}

/** Resolves with the first SIGINT or SIGTERM; any later one of either exits immediately. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received: NodeJS.Signals | null = null;
    const on = (signal: NodeJS.Signals): void => {
      if (received !== null) {
        process.stderr.write(`${signal} again: exiting now.\n`);
        process.exit(signalStatus(signal));
      }
      received = signal;
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/**
 * Arms the last resort after a stop was requested: if the process is still alive after `graceMs` (default 1.5 s, so
 * it is gone within 2 s of the signal), names what still holds it and exits with `status`. The timer itself never
 * keeps the process alive.
 */
export function exitAfterGrace(status: number, graceMs = 1500, log: (line: string) => void = () => {}): void {
  const timer = setTimeout(() => {
    const open = process.getActiveResourcesInfo().filter((r) => r !== 'Timeout');
    const line = `W_SHUTDOWN_FORCED: the stop did not finish within ${graceMs} ms (still open: ${open.join(', ') || 'nothing named'}); exiting anyway. Please report this.`;
    process.stderr.write(`${line}\n`);
    log(line);
    process.exit(status);
  }, graceMs);
  timer.unref();
}
