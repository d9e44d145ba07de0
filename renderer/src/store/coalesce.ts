/** Coalesces bursts of refresh requests (e.g. one per appended ledger entry) into one call per key. */

/** Returns a scheduler: the first request for a key arms a timer; requests until it fires are dropped. */
export function createCoalescer(delayMs: number): (key: string, fn: () => void) => void {
  const pending = new Set<string>();
  return (key, fn) => {
    if (pending.has(key)) return;
    pending.add(key);
    setTimeout(() => {
      pending.delete(key);
      fn();
    }, delayMs);
  };
}
