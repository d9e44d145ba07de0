/**
 * The round trip of every action: sent → applied (the ledger idx the control plane reports, or the
 * entry we recognise) → arrived verified in the replica. Each step is timed from the moment the
 * request left; every change is pushed as `actions:updated`. That round trip is the propagation proof.
 */
import type { ActionReceipt, FleetRoundTrip } from '../../shared/ipc/contract.ts';
import type { EntryLocator } from '../actions/client.ts';

interface Open {
  startedMs: number;
  locator: EntryLocator | null;
}

/** Minimal view of a ledger entry for matching. */
export interface SeenEntry {
  idx: number;
  action: string;
  refs: Record<string, string>;
}

const KEEP = 200;

/** Tracks receipts; `now` is a monotonic clock in ms. */
export class ReceiptTracker {
  private readonly open = new Map<string, Open>();
  private readonly latest = new Map<string, ActionReceipt>();
  private readonly publish: (r: ActionReceipt) => void;
  private readonly now: () => number;

  constructor(publish: (r: ActionReceipt) => void, now: () => number = () => performance.now()) {
    this.publish = publish;
    this.now = now;
  }

  /** Opens a receipt when the request is sent. */
  sent(action: string, idempotencyKey: string): ActionReceipt {
    this.open.set(idempotencyKey, { startedMs: this.now(), locator: null });
    return this.update(idempotencyKey, {
      action,
      idempotencyKey,
      sentAt: new Date().toISOString(),
      appliedIdx: null,
      appliedMs: null,
      verifiedMs: null,
      status: 'sent',
      error: null,
    });
  }

  /** Records the control plane's answer; `verifiedSize` completes an idx that is already verified. */
  applied(key: string, locator: EntryLocator, verifiedSize: number): ActionReceipt {
    const o = this.open.get(key);
    if (!o) return this.current(key);
    o.locator = locator;
    if (locator.kind === 'idx') this.markApplied(key, locator.idx);
    this.verifiedUpTo(verifiedSize);
    return this.current(key);
  }

  /** Records a failure; the receipt ends. */
  failed(key: string, error: { code: string; message: string }): ActionReceipt {
    this.open.delete(key);
    return this.update(key, { ...this.current(key), status: 'failed', error });
  }

  /** Feeds newly appended entries; resolves `match` locators to their idx. */
  seen(entries: readonly SeenEntry[]): void {
    for (const [key, o] of this.open) {
      const loc = o.locator;
      if (loc?.kind !== 'match' || this.current(key).appliedIdx !== null) continue;
      const hit = entries.find((e) => e.action === loc.action && e.refs[loc.refKey] === loc.refValue);
      if (hit) this.markApplied(key, hit.idx);
    }
  }

  /** Completes every receipt whose entry is now covered by a verified checkpoint. */
  verifiedUpTo(verifiedSize: number): void {
    for (const [key, o] of this.open) {
      const r = this.current(key);
      if (r.appliedIdx === null || r.appliedIdx >= verifiedSize) continue;
      this.open.delete(key);
      this.update(key, { ...r, status: 'verified', verifiedMs: Math.round(this.now() - o.startedMs) });
    }
  }

  /** Records the round trip's last step (which SDK instances applied the entry) on the receipt `key`. */
  fleet(key: string, fleet: FleetRoundTrip): void {
    if (!this.latest.has(key)) return;
    this.update(key, { ...this.current(key), fleet });
  }

  /** The latest state of a receipt. */
  current(key: string): ActionReceipt {
    const r = this.latest.get(key);
    if (!r) throw new Error(`E_INTERNAL: no receipt ${key}`);
    return r;
  }

  private markApplied(key: string, idx: number): void {
    const o = this.open.get(key);
    if (!o) return;
    this.update(key, {
      ...this.current(key),
      appliedIdx: idx,
      appliedMs: Math.round(this.now() - o.startedMs),
      status: 'applied',
    });
  }

  private update(key: string, r: ActionReceipt): ActionReceipt {
    this.latest.delete(key);
    this.latest.set(key, r);
    if (this.latest.size > KEEP) this.latest.delete(this.latest.keys().next().value as string);
    this.publish(r);
    return r;
  }
}
