/**
 * The SDK fleet as the console holds it, per profile: the `fleet` events of the metrics stream (a full snapshot per
 * environment when the stream opens, then the instances that changed and the ids that aged out) folded into one
 * snapshot per environment, kept in a small JSON file next to the profile's metrics so that offline the last snapshot
 * stays visible — dated by when it was received, never presented as current.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FleetView } from '../../shared/ipc/contract.ts';
import {
  FLEET_STATES,
  type FleetEventData,
  type FleetInstance,
  type FleetSnapshot,
} from '../../shared/protocol/fleet.ts';
import { writeFileAtomic } from '../profiles/profile-file.ts';

/** One environment's fleet and when the console received it. */
interface Held {
  snapshot: FleetSnapshot;
  receivedAt: string;
}

const isStr = (v: unknown): v is string => typeof v === 'string';
const isStrOrNull = (v: unknown): boolean => v === null || typeof v === 'string';
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function isInstance(v: unknown): v is FleetInstance {
  if (typeof v !== 'object' || v === null) return false;
  const i = v as Record<string, unknown>;
  return (
    isStr(i['instance_id']) &&
    isStr(i['environment']) &&
    isStr(i['service']) &&
    isStr(i['host']) &&
    isStr(i['sdk_version']) &&
    isStr(i['last_seen']) &&
    isStrOrNull(i['connected_since']) &&
    (i['applied_version'] === null || isCount(i['applied_version'])) &&
    isStrOrNull(i['applied_at']) &&
    typeof i['stale'] === 'boolean' &&
    isStrOrNull(i['stale_since']) &&
    (FLEET_STATES as readonly unknown[]).includes(i['state']) &&
    isStr(i['state_since'])
  );
}

/** Parses the data of one `fleet` event; null when it is not one (a malformed frame is dropped, never half-applied). */
export function parseFleetEvent(data: string): FleetEventData | null {
  let body: unknown;
  try {
    body = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof body !== 'object' || body === null) return null;
  const b = body as Record<string, unknown>;
  const instances = b['instances'];
  const removed = b['removed'] ?? [];
  if (
    !isStr(b['environment']) ||
    !isCount(b['latest_version']) ||
    !isStr(b['generated_at']) ||
    !isCount(b['disconnect_after_ms']) ||
    !isCount(b['age_out_ms']) ||
    typeof b['full'] !== 'boolean' ||
    !Array.isArray(instances) ||
    !instances.every(isInstance) ||
    !Array.isArray(removed) ||
    !removed.every(isStr)
  )
    return null;
  return {
    environment: b['environment'],
    latest_version: b['latest_version'],
    generated_at: b['generated_at'],
    disconnect_after_ms: b['disconnect_after_ms'],
    age_out_ms: b['age_out_ms'],
    full: b['full'],
    instances,
    removed,
  };
}

/** Folds one event onto the environment's previous snapshot (a delta before any full snapshot starts from empty). */
export function foldFleetEvent(previous: FleetSnapshot | null, ev: FleetEventData): FleetSnapshot {
  const byId = new Map<string, FleetInstance>();
  if (!ev.full) for (const i of previous?.instances ?? []) byId.set(i.instance_id, i);
  for (const id of ev.removed) byId.delete(id);
  for (const i of ev.instances) byId.set(i.instance_id, i);
  return {
    environment: ev.environment,
    latest_version: ev.latest_version,
    generated_at: ev.generated_at,
    disconnect_after_ms: ev.disconnect_after_ms,
    age_out_ms: ev.age_out_ms,
    instances: [...byId.values()].sort(
      (a, b) => a.service.localeCompare(b.service) || a.instance_id.localeCompare(b.instance_id),
    ),
  };
}

/** Options of a fleet store. */
export interface FleetStoreOptions {
  /** The JSON file the snapshots are kept in (null: memory only). */
  path: string | null;
  /** The environment the console shows (the profile's). */
  environment: string;
  /** Called with the view whenever it changes (the `fleet:changed` event). */
  onChange?: (view: FleetView) => void;
  now?: () => number;
  /** Writes to disk at most this often (and on stop). */
  flushMs?: number;
  /** Pushes `onChange` at most this often while events arrive (a large fleet changes many times a second). */
  pushMs?: number;
}

/** The fleet of one profile: every environment's last snapshot, and whether its stream is delivering now. */
export class FleetStore {
  private readonly opts: FleetStoreOptions;
  private readonly now: () => number;
  private readonly held = new Map<string, Held>();
  private live = false;
  private dirty = false;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private pushTimer: ReturnType<typeof setTimeout> | null = null;
  private lastPush = 0;

  constructor(opts: FleetStoreOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    for (const [env, h] of Object.entries(this.load())) this.held.set(env, h);
  }

  /** The view of the profile's environment. */
  view(): FleetView {
    const h = this.held.get(this.opts.environment);
    return {
      environment: this.opts.environment,
      snapshot: h?.snapshot ?? null,
      receivedAt: h?.receivedAt ?? null,
      live: this.live && h !== undefined,
    };
  }

  /** Applies the data of one `fleet` event; false when it was malformed (dropped). */
  apply(data: string): boolean {
    const ev = parseFleetEvent(data);
    if (ev === null) return false;
    const previous = this.held.get(ev.environment)?.snapshot ?? null;
    this.held.set(ev.environment, {
      snapshot: foldFleetEvent(previous, ev),
      receivedAt: new Date(this.now()).toISOString(),
    });
    this.schedule();
    if (ev.environment === this.opts.environment) this.push();
    return true;
  }

  /**
   * The stream opened (`true`: fleet events flow; the view turns live with the first of them) or ended (`false`: the
   * snapshot is now only "as of" when it was received).
   */
  setLive(live: boolean): void {
    if (this.live === live) return;
    this.live = live;
    this.pushNow();
  }

  /** Writes what is pending. */
  stop(): void {
    if (this.pushTimer !== null) clearTimeout(this.pushTimer);
    this.pushTimer = null;
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.flush();
  }

  private pushNow(): void {
    if (this.pushTimer !== null) clearTimeout(this.pushTimer);
    this.pushTimer = null;
    this.lastPush = this.now();
    this.opts.onChange?.(this.view());
  }

  /** The first change is pushed at once; more within `pushMs` are pushed together at its end. */
  private push(): void {
    if (this.pushTimer !== null) return;
    const wait = this.lastPush + (this.opts.pushMs ?? 250) - this.now();
    if (wait <= 0) {
      this.pushNow();
      return;
    }
    this.pushTimer = setTimeout(() => this.pushNow(), wait);
    this.pushTimer.unref();
  }

  private schedule(): void {
    this.dirty = true;
    if (this.flushTimer !== null || this.opts.path === null) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.flush();
    }, this.opts.flushMs ?? 1000);
    this.flushTimer.unref();
  }

  private flush(): void {
    if (!this.dirty || this.opts.path === null) return;
    this.dirty = false;
    mkdirSync(dirname(this.opts.path), { recursive: true });
    writeFileAtomic(this.opts.path, JSON.stringify({ version: 1, environments: Object.fromEntries(this.held) }));
  }

  /** The kept snapshots; a missing or unreadable file is an empty fleet (it is a cache, never evidence). */
  private load(): Record<string, Held> {
    const path = this.opts.path;
    if (path === null || !existsSync(path)) return {};
    try {
      const body = JSON.parse(readFileSync(path, 'utf8')) as { environments?: Record<string, Held> };
      const out: Record<string, Held> = {};
      for (const [env, h] of Object.entries(body.environments ?? {})) {
        // Re-checked as an event would be: a file edited by hand cannot put a malformed instance on screen.
        const ev = parseFleetEvent(JSON.stringify({ ...h.snapshot, full: true, removed: [] }));
        if (ev !== null && isStr(h.receivedAt) && !Number.isNaN(Date.parse(h.receivedAt)))
          out[env] = { snapshot: foldFleetEvent(null, ev), receivedAt: h.receivedAt };
      }
      return out;
    } catch {
      return {};
    }
  }
}
