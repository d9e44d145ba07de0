/** Small shared hooks: a ticking clock and the reason an action is blocked right now. */
import { useEffect, useState } from 'react';
import { blockReason, type Capability } from '../store/gates.ts';
import { useApp } from '../store-context.tsx';

/** The current time in ms, re-rendering every `intervalMs`. */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}

/** Why the signed-in person cannot do `cap` now (offline, sync, role), or null. */
export function useBlock(cap: Capability): string | null {
  const sync = useApp((s) => s.sync);
  const identity = useApp((s) => s.identity);
  return blockReason(sync, identity, cap);
}
