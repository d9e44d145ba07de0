/** Small shared hooks: a ticking clock, the reason an action is blocked right now, what may be shown as verified. */
import { useEffect, useState } from 'react';
import { blockReason, type Capability } from '../store/gates.ts';
import { verifiedShown } from '../store/verification-slice.ts';
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

/**
 * What entries may be shown as verified: `upTo` is the verified size, or 0 while the deep check after launch runs
 * (`verifying`) or once the replica raised an alert.
 */
export function useVerified(): { upTo: number; verifying: boolean } {
  const upTo = useApp((s) => (verifiedShown(s.verification) ? (s.verification?.verifiedSize ?? 0) : 0));
  const verifying = useApp((s) => (s.verification?.deepCheck ?? null) !== null && s.verification?.alert === null);
  return { upTo, verifying };
}
