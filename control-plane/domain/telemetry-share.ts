/**
 * The telemetry metrics across control-plane instances on one PostgreSQL database (docs/protocol.md "Metrics"; table
 * in db/pg-schema.ts, migration TELEMETRY_BUCKETS). Samples reach whichever instance the load balancer picks, and
 * each instance buckets only its own (metrics-store.ts); so every `intervalMs` each instance, through the async Sql
 * seam (never the synchronous Store, which would block the event loop):
 *
 * 1. publishes the buckets of both stores (per service, per flag and environment) that changed since its last
 *    publish, with their absolute counts, in batched upserts; a bucket still filling is rewritten as it changes;
 * 2. reads the rows other instances wrote since its last read (by `rev`, in bounded pages, only buckets within the
 *    retention window) and hands them to the stores, which sum them with their own on every read;
 * 3. about once a minute, deletes the rows past the retention window (any instance may: they are everyone's).
 *
 * Rows of instances that stopped are read too: their samples are requests that happened, and a restarted instance
 * (a new id) gets its own history back that way. Liveness therefore plays no part, and no heartbeat is kept.
 *
 * `rev` comes from a sequence, and a writer's statement takes its values before it commits: a reader can see rev 101
 * committed while rev 100 is still in flight. Each read therefore starts from where the read OVERLAP_TICKS earlier
 * ended, re-reading the last few seconds of changes; that is harmless, as a row carries absolute counts and replaces
 * the copy read before.
 *
 * A failing tick (database unreachable) is logged once, with its recovery; the next one republishes every bucket,
 * since what the failed one took from the stores' change logs is lost. The circuit breaker's windows are not shared:
 * each instance's breaker judges the samples that reach it.
 */
import { randomUUID } from 'node:crypto';
import { DB_NOW_MS, ShareLoop } from '../db/share-loop.ts';
import type { Sql } from '../db/sql.ts';
import { LATENCY_BINS, type MetricsStore, type SharedBucket } from './metrics-store.ts';

/** Buckets per upsert statement. */
const UPSERT_CHUNK = 500;
/** Rows per read statement, and pages per tick: a new instance catching up on hours of history takes a few ticks. */
const READ_PAGE = 5000;
const MAX_PAGES = 10;
/** Reads start where the read this many ticks earlier ended (see the file comment). */
const OVERLAP_TICKS = 5;
/** How often rows past retention are deleted. */
const CLEANUP_MS = 60_000;

/** Which store a row belongs to (the `store` column). */
type StoreName = 'service' | 'flag';

/** How the share reports, tells time and paces itself. */
export interface TelemetryShareOptions {
  /** Operator log lines (a failing database is logged once, and its recovery). */
  log: (line: string) => void;
  /** The business clock the stores' buckets are stamped with (retention is judged on it). */
  clock: () => number;
  /** Ms between rounds. */
  intervalMs: number;
}

interface BucketRow {
  cp_id: string;
  store: string;
  series: string;
  bucket_start: number;
  requests: number;
  errors: number;
  hist: unknown;
  rev: number;
}

/** TEXT holds no NUL, and the flag series key has one: NUL is written `\0`, and `\` is written `\\`. */
export function encodeSeries(series: string): string {
  return series.replaceAll('\\', '\\\\').replaceAll('\0', '\\0');
}

/** The inverse of encodeSeries. */
export function decodeSeries(text: string): string {
  return text.replace(/\\([\\0])/g, (_m, c: string) => (c === '0' ? '\0' : '\\'));
}

/** Publishes this instance's telemetry buckets and reads the others' into its stores; `stop()` before closing Sql. */
export class TelemetryShare {
  /** This instance's id in the table: random per process start. */
  readonly cpId = randomUUID();
  private readonly sql: Sql;
  private readonly stores: Record<StoreName, MetricsStore>;
  private readonly clock: () => number;
  /** The next publish sends every bucket (first tick, after a failure). */
  private resync = true;
  /** Where the reads of the last OVERLAP_TICKS ticks ended (highest rev read), oldest first. */
  private marks: number[] = [];
  private lastCleanup = Number.NEGATIVE_INFINITY;
  private readonly loop: ShareLoop;

  private constructor(sql: Sql, stores: Record<StoreName, MetricsStore>, opts: TelemetryShareOptions) {
    this.sql = sql;
    this.stores = stores;
    this.clock = opts.clock;
    this.loop = new ShareLoop({
      name: 'telemetry share',
      code: 'E_TELEMETRY_SHARE',
      whileFailing: "this instance's metrics are not published and other instances' not read",
      resumed: 'sharing the telemetry metrics resumed',
      log: opts.log,
      intervalMs: () => opts.intervalMs,
      round: async () => {
        await this.publish();
        await this.read();
        await this.cleanup();
      },
      // What a failed round took from the stores' change logs is lost: publish every bucket next time.
      failed: () => {
        this.resync = true;
      },
      // The last changes, so the others count every sample this instance accepted.
      last: () => this.publish(),
      lastFailed:
        'could not publish the last buckets while stopping; the other instances miss the samples of about the ' +
        'last second',
    });
  }

  /** Starts sharing `service` (app.metrics) and `flag` (app.flagMetrics); the first tick right away. */
  static start(sql: Sql, stores: Record<StoreName, MetricsStore>, opts: TelemetryShareOptions): TelemetryShare {
    const share = new TelemetryShare(sql, stores, opts);
    share.loop.start();
    return share;
  }

  /**
   * Stops the timer, waits for a tick in flight, then publishes the last changes, so the others count every sample
   * this instance accepted. A database that fails here is logged; stopping still completes.
   */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async publish(): Promise<void> {
    const full = this.resync;
    const rows: (SharedBucket & { store: StoreName })[] = [];
    for (const store of ['service', 'flag'] as const) {
      for (const b of this.stores[store].exportChanges(full))
        rows.push({ ...b, store, series: encodeSeries(b.series) });
    }
    for (let i = 0; i < rows.length; i += UPSERT_CHUNK) {
      await this.sql.run(
        `INSERT INTO telemetry_buckets (cp_id, store, series, bucket_start, requests, errors, hist, rev, updated_at)
         SELECT ?::text, r->>'store', r->>'series', (r->>'start')::bigint, (r->>'requests')::bigint,
           (r->>'errors')::bigint,
           ARRAY(SELECT h.v::bigint FROM jsonb_array_elements_text(r->'hist') WITH ORDINALITY AS h(v, i) ORDER BY h.i),
           nextval('telemetry_buckets_rev_seq'), ${DB_NOW_MS}
         FROM jsonb_array_elements(?::jsonb) AS r
         ON CONFLICT (cp_id, store, series, bucket_start) DO UPDATE SET requests = excluded.requests,
           errors = excluded.errors, hist = excluded.hist, rev = excluded.rev, updated_at = excluded.updated_at`,
        [this.cpId, JSON.stringify(rows.slice(i, i + UPSERT_CHUNK))],
      );
    }
    if (full) this.resync = false;
  }

  private async read(): Promise<void> {
    // Both stores are built with the same retention (app-setup.ts); the longer one bounds what is worth reading.
    const oldest = this.clock() - Math.max(this.stores.service.retentionMs, this.stores.flag.retentionMs);
    let cursor = this.marks[0] ?? 0;
    let complete = false;
    for (let page = 0; page < MAX_PAGES && !complete; page++) {
      const rows = await this.sql.all<BucketRow>(
        `SELECT cp_id, store, series, bucket_start, requests, errors, to_json(hist) AS hist, rev
         FROM telemetry_buckets WHERE rev > ? AND cp_id <> ? AND bucket_start >= ? ORDER BY rev LIMIT ?`,
        [cursor, this.cpId, oldest, READ_PAGE],
      );
      this.apply(rows);
      const last = rows[rows.length - 1];
      if (last !== undefined) cursor = last.rev;
      complete = rows.length < READ_PAGE;
    }
    if (complete) {
      this.marks.push(cursor);
      if (this.marks.length > OVERLAP_TICKS) this.marks.shift();
    } else {
      // Catching up on a long history: the next tick goes on from here. The rows just read committed long ago, so
      // no late commit hides below this cursor.
      this.marks = [cursor];
    }
  }

  /** Hands the rows to their stores by source instance; a row in a shape this version does not know is left out. */
  private apply(rows: readonly BucketRow[]): void {
    const bySource = new Map<string, Record<StoreName, SharedBucket[]>>();
    for (const r of rows) {
      if (r.store !== 'service' && r.store !== 'flag') continue;
      const hist = r.hist;
      if (!Array.isArray(hist) || hist.length !== LATENCY_BINS || !hist.every(isCount)) continue;
      if (!isCount(r.requests) || !isCount(r.errors) || !Number.isSafeInteger(r.bucket_start)) continue;
      let groups = bySource.get(r.cp_id);
      if (groups === undefined) {
        groups = { service: [], flag: [] };
        bySource.set(r.cp_id, groups);
      }
      groups[r.store].push({
        series: decodeSeries(r.series),
        start: r.bucket_start,
        requests: r.requests,
        errors: r.errors,
        hist,
      });
    }
    for (const [source, groups] of bySource) {
      this.stores.service.setRemote(source, groups.service);
      this.stores.flag.setRemote(source, groups.flag);
    }
  }

  private async cleanup(): Promise<void> {
    const now = this.clock();
    // The business clock may stand still (tests) or jump; a minute of real time paces this.
    const real = Date.now();
    if (real - this.lastCleanup < CLEANUP_MS) return;
    const oldest = now - Math.max(this.stores.service.retentionMs, this.stores.flag.retentionMs);
    await this.sql.run('DELETE FROM telemetry_buckets WHERE bucket_start < ?', [oldest]);
    this.lastCleanup = real;
  }
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
