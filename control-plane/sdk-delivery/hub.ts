/**
 * SDK delivery: the SDK view of every environment, kept current from the ledger, and the SSE fan-out to SDKs.
 *
 * Each committed batch of ledger entries is turned into at most one delta per environment (the flags whose SDK view
 * changed); the delta is serialized once into a Buffer and that same Buffer is written to every stream of the
 * environment. Versions are ledger sizes: a delta carries the size after its last entry (`id:`) and the version of the
 * previous delta (`from_version`), so an SDK can tell a missed change from a duplicate.
 *
 * Resume needs no memory of past deltas: a stream opened with `Last-Event-ID: V` gets one catch-up delta holding the
 * current view of every flag the ledger changed since V (read from the ledger's index), or nothing when none changed;
 * a snapshot only when V is unknown (beyond the ledger) or further back than `maxResumeEntries`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SdkConfig, SdkDelta, SdkFlag } from '../../shared/protocol/sdk.ts';
import type { App } from '../domain/app.ts';
import { EVALUATOR } from '../domain/app.ts';
import { getFlag, getTombstone, listFlags, listTombstones } from '../domain/flag-repo.ts';
import { openEventStream } from '../http/sse.ts';
import type { AppendedEntry } from '../ledger/writer.ts';
import { BREAKER_ACTION, isStateLeaf, keysChangedSince, lastChangeVersion, openBreakers, sdkFlagOf } from './config.ts';

/** Tuning (tests shorten them). */
export interface SdkHubOptions {
  heartbeatMs: number;
  /** A resume further back than this many ledger entries gets a snapshot. */
  maxResumeEntries: number;
  /** Most streams open at once. */
  maxStreams: number;
  /** A stream whose socket buffers more than this is closed (the SDK resumes with Last-Event-ID). */
  maxBufferedBytes: number;
}

interface EnvView {
  env: string;
  version: number;
  flags: Map<string, { flag: SdkFlag; text: string }>;
  tombstoned: Set<string>;
  clients: Set<ServerResponse>;
  snapshot: { version: number; text: string; etag: string } | null;
}

/** Counters for /api/v1/sdk/stats and the benchmark. */
export interface SdkHubCounters {
  snapshots_sent: number;
  snapshot_bytes: number;
  catchups_sent: number;
  catchup_bytes: number;
  deltas_sent: number;
  delta_bytes: number;
  resumes_up_to_date: number;
  streams_closed_slow: number;
  /** Time from the commit notification to the last socket write of the latest delta, and the largest so far. */
  fanout_last_ms: number;
  fanout_max_ms: number;
}

interface Leaf {
  actor?: { id?: string };
  action?: string;
  flag?: string | null;
  env?: string | null;
  after?: unknown;
}

/** Connected SDK streams and the SDK view of each environment. */
export class SdkHub {
  private readonly app: App;
  private readonly opts: SdkHubOptions;
  private readonly views = new Map<string, EnvView>();
  private readonly breakers: Set<string>;
  private readonly keyOf = new WeakMap<ServerResponse, string>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly versionListeners = new Set<(env: string, version: number) => void>();
  readonly counters: SdkHubCounters = {
    snapshots_sent: 0,
    snapshot_bytes: 0,
    catchups_sent: 0,
    catchup_bytes: 0,
    deltas_sent: 0,
    delta_bytes: 0,
    resumes_up_to_date: 0,
    streams_closed_slow: 0,
    fanout_last_ms: 0,
    fanout_max_ms: 0,
  };

  constructor(app: App, opts: SdkHubOptions) {
    this.app = app;
    this.opts = opts;
    this.breakers = openBreakers(app.db);
    const live = listFlags(app.db, {});
    const tombstoned = listTombstones(app.db).map((t) => t.flag_key);
    for (const env of app.options.environments) {
      const flags = new Map<string, { flag: SdkFlag; text: string }>();
      for (const rec of live) {
        const flag = sdkFlagOf(rec, env, this.breakers.has(`${rec.definition.key}\n${env}`));
        flags.set(flag.key, { flag, text: JSON.stringify(flag) });
      }
      this.views.set(env, {
        env,
        version: lastChangeVersion(app.db, env),
        flags,
        tombstoned: new Set(tombstoned),
        clients: new Set(),
        snapshot: null,
      });
    }
    app.ledger.onCommitted((entries) => {
      try {
        this.onCommitted(entries);
      } catch (err) {
        app.options.log(`sdk hub: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      }
    });
    this.heartbeat = setInterval(() => this.beat(), opts.heartbeatMs);
    this.heartbeat.unref();
  }

  /** The environment's config version (the ledger size its latest change reflects). */
  version(env: string): number {
    return this.view(env).version;
  }

  /** Calls `fn` after every change of an environment's config version (after its delta was written). */
  onVersion(fn: (env: string, version: number) => void): () => void {
    this.versionListeners.add(fn);
    return () => this.versionListeners.delete(fn);
  }

  /** Current SDK view of an environment. */
  config(env: string): SdkConfig {
    const v = this.view(env);
    return {
      environment: env,
      version: v.version,
      flags: [...v.flags.values()].map((f) => f.flag).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
      tombstoned: [...v.tombstoned].sort(),
    };
  }

  /** The config as JSON text and its ETag (cached per version). */
  snapshotText(env: string): { version: number; text: string; etag: string } {
    const v = this.view(env);
    if (v.snapshot === null || v.snapshot.version !== v.version) {
      v.snapshot = { version: v.version, text: JSON.stringify(this.config(env)), etag: `"${env}-${v.version}"` };
    }
    return v.snapshot;
  }

  /** True when another stream may open. */
  hasRoom(): boolean {
    let n = 0;
    for (const v of this.views.values()) n += v.clients.size;
    return n < this.opts.maxStreams;
  }

  /** Streams per environment. */
  connections(): Record<string, number> {
    return Object.fromEntries([...this.views.values()].map((v) => [v.env, v.clients.size]));
  }

  /** Opens an SDK stream: initial sync (snapshot, catch-up delta or nothing), `ready`, then live deltas. */
  add(req: IncomingMessage, res: ServerResponse, env: string, lastEventId: number | null, keyId = ''): void {
    const v = this.view(env);
    openEventStream(req, res);
    v.clients.add(res);
    this.keyOf.set(res, keyId);
    res.on('close', () => v.clients.delete(res));
    const size = this.app.ledger.size;
    if (lastEventId === null || lastEventId > size || size - lastEventId > this.opts.maxResumeEntries) {
      const snap = this.snapshotText(env);
      const frame = `id: ${snap.version}\nevent: snapshot\ndata: ${snap.text}\n\n`;
      this.counters.snapshots_sent++;
      this.counters.snapshot_bytes += Buffer.byteLength(frame);
      res.write(frame);
    } else if (lastEventId < v.version) {
      const delta = this.catchUp(v, lastEventId);
      const frame = `id: ${delta.version}\nevent: delta\ndata: ${JSON.stringify(delta)}\n\n`;
      this.counters.catchups_sent++;
      this.counters.catchup_bytes += Buffer.byteLength(frame);
      res.write(frame);
    } else {
      this.counters.resumes_up_to_date++;
    }
    res.write(
      `event: ready\ndata: ${JSON.stringify({ environment: env, version: Math.max(v.version, lastEventId ?? 0) })}\n\n`,
    );
  }

  /** Ends the streams opened with an SDK key (it was revoked); returns how many. */
  closeKey(keyId: string): number {
    let n = 0;
    for (const v of this.views.values()) {
      for (const res of v.clients) {
        if (this.keyOf.get(res) !== keyId) continue;
        res.destroy();
        v.clients.delete(res);
        n++;
      }
    }
    return n;
  }

  /** Ends every stream and stops the heartbeat. */
  close(): void {
    clearInterval(this.heartbeat);
    for (const v of this.views.values()) {
      for (const c of v.clients) c.destroy();
      v.clients.clear();
    }
  }

  private view(env: string): EnvView {
    const v = this.views.get(env);
    if (v === undefined) throw new Error(`no SDK view of environment ${env}`);
    return v;
  }

  private catchUp(v: EnvView, from: number): SdkDelta {
    const upserts: SdkFlag[] = [];
    const tombstoned: string[] = [];
    for (const key of keysChangedSince(this.app.db, v.env, from).sort()) {
      const cur = v.flags.get(key);
      if (cur !== undefined) upserts.push(cur.flag);
      else if (v.tombstoned.has(key)) tombstoned.push(key);
    }
    return { environment: v.env, from_version: from, version: v.version, upserts, tombstoned };
  }

  private onCommitted(entries: readonly AppendedEntry[]): void {
    const t0 = performance.now();
    const touched = new Map<string, Set<string>>();
    let last = -1;
    for (const e of entries) {
      const leaf = JSON.parse(e.text) as Leaf;
      if (typeof leaf.flag !== 'string') continue;
      last = e.idx;
      const envs = leaf.env == null ? this.app.options.environments : [leaf.env];
      for (const env of envs) {
        if (!this.views.has(env)) continue;
        let keys = touched.get(env);
        if (keys === undefined) touched.set(env, (keys = new Set()));
        keys.add(leaf.flag);
        if (leaf.env != null && isStateLeaf(leaf.after)) {
          const id = `${leaf.flag}\n${env}`;
          if (leaf.action === BREAKER_ACTION && leaf.actor?.id === EVALUATOR.id) this.breakers.add(id);
          else this.breakers.delete(id);
        }
      }
    }
    if (last < 0) return;
    const version = last + 1;
    for (const [env, keys] of touched) {
      const v = this.view(env);
      const upserts: SdkFlag[] = [];
      const gone: string[] = [];
      for (const key of [...keys].sort()) {
        const rec = getFlag(this.app.db, key);
        if (rec === null) {
          if (v.flags.delete(key) || getTombstone(this.app.db, key) !== null) {
            if (!v.tombstoned.has(key)) {
              v.tombstoned.add(key);
              gone.push(key);
            }
          }
          continue;
        }
        const flag = sdkFlagOf(rec, env, this.breakers.has(`${key}\n${env}`));
        const text = JSON.stringify(flag);
        if (v.flags.get(key)?.text === text) continue;
        v.flags.set(key, { flag, text });
        upserts.push(flag);
      }
      if (upserts.length === 0 && gone.length === 0) continue;
      const delta: SdkDelta = { environment: env, from_version: v.version, version, upserts, tombstoned: gone };
      v.version = version;
      this.broadcast(v, Buffer.from(`id: ${version}\nevent: delta\ndata: ${JSON.stringify(delta)}\n\n`));
      const ms = performance.now() - t0;
      this.counters.fanout_last_ms = Math.round(ms * 100) / 100;
      this.counters.fanout_max_ms = Math.max(this.counters.fanout_max_ms, this.counters.fanout_last_ms);
      for (const fn of this.versionListeners) fn(env, version);
    }
  }

  private broadcast(v: EnvView, frame: Buffer): void {
    for (const res of v.clients) {
      if (res.writableLength > this.opts.maxBufferedBytes) {
        this.counters.streams_closed_slow++;
        res.destroy();
        v.clients.delete(res);
        continue;
      }
      res.write(frame);
      this.counters.deltas_sent++;
      this.counters.delta_bytes += frame.length;
    }
  }

  private beat(): void {
    const ts = new Date(this.app.clock()).toISOString();
    for (const v of this.views.values()) {
      if (v.clients.size === 0) continue;
      const frame = Buffer.from(`event: heartbeat\ndata: ${JSON.stringify({ ts, version: v.version })}\n\n`);
      for (const res of v.clients) res.write(frame);
    }
  }
}
