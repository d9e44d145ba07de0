/**
 * The SDK fleet across control-plane instances on one PostgreSQL database (docs/protocol.md "SDK fleet"; tables in
 * db/pg-schema.ts, migration SDK_FLEET). SDKs connect to whichever instance the load balancer picks, and each instance
 * only hears its own; so every `sweepMs` each instance, through the async Sql seam (never the synchronous Store, which
 * would block the event loop):
 *
 * 1. heartbeats (`sdk_fleet_peers`, on the database's clock);
 * 2. publishes its own entries that changed since the last tick and deletes the ones its registry dropped;
 * 3. deletes peers silent for longer than the age-out window, with their rows;
 * 4. lists the other instances' rows (at most `maxInstances`, live peers' first, recently written first) with their
 *    publisher's liveness, fetches the entries whose `rev` it has not read yet, and hands them to the fleet.
 *
 * A failing tick (database unreachable) is logged once, and the next one retries with a full publish, since what
 * the failed one took from the registry is lost. Unable to read for longer than the disconnect window, the instance
 * counts the other instances' SDKs as disconnected rather than vouch for what it cannot see.
 *
 * Stopping publishes the last changes and marks this instance stopped, so the others show its SDKs disconnected at
 * their next tick; its rows stay until its SDKs come back elsewhere (fresher entries win) or age out: an SDK that was
 * on a stopped instance and did not come back is exactly what a responder asking "did my kill reach every server?"
 * must see.
 */
import { randomUUID } from 'node:crypto';
import { FLEET_STATES } from '../../shared/protocol/fleet.ts';
import { DB_NOW_MS, ShareLoop } from '../db/share-loop.ts';
import type { Sql } from '../db/sql.ts';
import type { RemotePeer, SdkFleet, SharedFleetEntry } from './fleet.ts';

/** Entries per upsert statement (a full publish of 10,000 entries is 20 statements, none of them huge). */
const UPSERT_CHUNK = 500;

/** How the share reports and tells time. */
export interface FleetShareOptions {
  /** Operator log lines (a failing database is logged once, and its recovery). */
  log: (line: string) => void;
  /** The fleet's clock (the one its entries are stamped with). */
  clock: () => number;
}

interface KeyRow {
  cp_id: string;
  env: string;
  instance_id: string;
  rev: number;
  /** Ms since the publisher's heartbeat (database clock); null when it has no heartbeat row. */
  age: number | null;
  stopped: boolean | null;
}

interface EntryRow {
  cp_id: string;
  env: string;
  instance_id: string;
  rev: number;
  entry: unknown;
}

const rowKey = (cp: string, env: string, id: string): string => `${cp}\n${env}\n${id}`;

/** Publishes this instance's SDK fleet and reads the others' into it; `stop()` before closing the Sql. */
export class FleetShare {
  /** This instance's id in the tables: random per process start, so a restart is a new peer. */
  readonly cpId = randomUUID();
  private readonly sql: Sql;
  private readonly fleet: SdkFleet;
  private readonly clock: () => number;
  /** Rows of other instances already read: key → (rev, entry). */
  private readonly cache = new Map<string, { rev: number; entry: SharedFleetEntry }>();
  private peers: RemotePeer[] = [];
  /** The next publish replaces every row of this instance (first tick, after a failure, after being collected). */
  private resync = true;
  private lastRead: number;
  private readonly loop: ShareLoop;

  private constructor(sql: Sql, fleet: SdkFleet, opts: FleetShareOptions) {
    this.sql = sql;
    this.fleet = fleet;
    this.clock = opts.clock;
    this.lastRead = opts.clock();
    this.loop = new ShareLoop({
      name: 'sdk fleet share',
      code: 'E_FLEET_SHARE',
      whileFailing: "this instance's SDKs are not published and other instances' not read",
      resumed: 'sharing the SDK fleet resumed',
      log: opts.log,
      intervalMs: () => fleet.options.sweepMs,
      round: () => this.round(),
      failed: () => this.failed(),
      last: () => this.last(),
      lastFailed:
        'could not mark this instance stopped; the others count its SDKs disconnected once its heartbeat is older ' +
        'than their disconnect window',
    });
  }

  /** Starts sharing (the first tick right away). */
  static start(sql: Sql, fleet: SdkFleet, opts: FleetShareOptions): FleetShare {
    const share = new FleetShare(sql, fleet, opts);
    share.loop.start();
    return share;
  }

  /**
   * Stops the timer, waits for a tick in flight, then publishes the last changes and marks this instance stopped
   * (its rows stay: see the file comment). A database that fails here is logged; stopping still completes.
   */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async round(): Promise<void> {
    await this.heartbeat();
    await this.publish();
    await this.collect();
    await this.read();
  }

  /**
   * What a failed round took from the registry's change log is lost: publish everything next time. Unable to read
   * for longer than the disconnect window, count the other instances' SDKs disconnected rather than vouch for them.
   */
  private failed(): void {
    this.resync = true;
    if (this.clock() - this.lastRead >= this.fleet.options.disconnectAfterMs) {
      this.fleet.setRemote(this.peers.map((p) => ({ ...p, live: false })));
    }
  }

  /** Publishes the last changes and marks this instance stopped (its rows stay: see the file comment). */
  private async last(): Promise<void> {
    // The server closed its SDK streams just before; their sockets report closing in the loop's close phase, after
    // the server's own close. One timer turn later the registry has them closed, with the time they closed.
    await new Promise((resolve) => setTimeout(resolve, 0));
    await this.publish();
    await this.sql.run(`UPDATE sdk_fleet_peers SET stopped = true, heartbeat_at = ${DB_NOW_MS} WHERE cp_id = ?`, [
      this.cpId,
    ]);
  }

  private async heartbeat(): Promise<void> {
    // `xmax = 0` holds for a row this statement inserted: a peer collected this instance's row (it was silent past
    // the age-out window), so its entries were deleted too and must all be published again.
    const row = await this.sql.get<{ inserted: boolean }>(
      `INSERT INTO sdk_fleet_peers (cp_id, heartbeat_at, stopped) VALUES (?, ${DB_NOW_MS}, false)
       ON CONFLICT (cp_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, stopped = false
       RETURNING (xmax = 0) AS inserted`,
      [this.cpId],
    );
    if (row?.inserted === true) this.resync = true;
  }

  private async publish(): Promise<void> {
    const full = this.resync;
    const ex = this.fleet.exportChanges(full);
    for (let i = 0; i < ex.entries.length; i += UPSERT_CHUNK) {
      await this.sql.run(
        `INSERT INTO sdk_fleet (cp_id, env, instance_id, entry, rev, updated_at)
         SELECT ?::text, r->>'env', r->>'id', r, nextval('sdk_fleet_rev'), ${DB_NOW_MS} FROM jsonb_array_elements(?::jsonb) AS r
         ON CONFLICT (cp_id, env, instance_id)
         DO UPDATE SET entry = excluded.entry, rev = excluded.rev, updated_at = excluded.updated_at`,
        [this.cpId, JSON.stringify(ex.entries.slice(i, i + UPSERT_CHUNK))],
      );
    }
    if (ex.full) {
      const keep = JSON.stringify(ex.entries.map((e) => ({ env: e.env, id: e.id })));
      await this.sql.run(
        `DELETE FROM sdk_fleet f WHERE f.cp_id = ? AND NOT EXISTS (
           SELECT 1 FROM jsonb_to_recordset(?::jsonb) AS k(env text, id text) WHERE k.env = f.env AND k.id = f.instance_id)`,
        [this.cpId, keep],
      );
    } else if (ex.dropped.length > 0) {
      await this.sql.run(
        `DELETE FROM sdk_fleet f USING jsonb_to_recordset(?::jsonb) AS d(env text, id text)
         WHERE f.cp_id = ? AND f.env = d.env AND f.instance_id = d.id`,
        [JSON.stringify(ex.dropped), this.cpId],
      );
    }
    if (full) this.resync = false;
  }

  /** Deletes the peers silent past the age-out window (stopped ones included) and their rows, in one statement. */
  private async collect(): Promise<void> {
    await this.sql.run(
      `WITH gone AS (
         DELETE FROM sdk_fleet_peers WHERE cp_id <> ? AND heartbeat_at < ${DB_NOW_MS} - ? RETURNING cp_id)
       DELETE FROM sdk_fleet WHERE cp_id IN (SELECT cp_id FROM gone)`,
      [this.cpId, this.fleet.options.ageOutMs],
    );
  }

  private async read(): Promise<void> {
    const { disconnectAfterMs, maxInstances } = this.fleet.options;
    const keys = await this.sql.all<KeyRow>(
      `SELECT f.cp_id, f.env, f.instance_id, f.rev, ${DB_NOW_MS} - p.heartbeat_at AS age, p.stopped
       FROM sdk_fleet f LEFT JOIN sdk_fleet_peers p ON p.cp_id = f.cp_id
       WHERE f.cp_id <> ?
       ORDER BY COALESCE(NOT p.stopped AND p.heartbeat_at > ${DB_NOW_MS} - ?, false) DESC, f.rev DESC
       LIMIT ?`,
      [this.cpId, disconnectAfterMs, maxInstances],
    );
    const now = this.clock();
    const listed = new Set<string>();
    const missing: { cp_id: string; env: string; instance_id: string }[] = [];
    for (const k of keys) {
      const rk = rowKey(k.cp_id, k.env, k.instance_id);
      listed.add(rk);
      if (this.cache.get(rk)?.rev !== k.rev) missing.push({ cp_id: k.cp_id, env: k.env, instance_id: k.instance_id });
    }
    for (const rk of this.cache.keys()) if (!listed.has(rk)) this.cache.delete(rk);
    if (missing.length > 0) {
      const rows = await this.sql.all<EntryRow>(
        `SELECT f.cp_id, f.env, f.instance_id, f.rev, f.entry
         FROM sdk_fleet f JOIN jsonb_to_recordset(?::jsonb) AS k(cp_id text, env text, instance_id text)
           ON f.cp_id = k.cp_id AND f.env = k.env AND f.instance_id = k.instance_id`,
        [JSON.stringify(missing)],
      );
      // A row another version of the control plane wrote in a shape this one does not know is left out.
      for (const r of rows) {
        if (isSharedEntry(r.entry) && r.entry.env === r.env && r.entry.id === r.instance_id) {
          this.cache.set(rowKey(r.cp_id, r.env, r.instance_id), { rev: r.rev, entry: r.entry });
        }
      }
    }
    const peers = new Map<string, RemotePeer & { entries: SharedFleetEntry[] }>();
    for (const k of keys) {
      const cached = this.cache.get(rowKey(k.cp_id, k.env, k.instance_id));
      if (cached === undefined) continue;
      let p = peers.get(k.cp_id);
      if (p === undefined) {
        p = {
          id: k.cp_id,
          live: k.age !== null && k.stopped === false && k.age < disconnectAfterMs,
          heardAt: k.age === null ? null : now - k.age,
          entries: [],
        };
        peers.set(k.cp_id, p);
      }
      p.entries.push(cached.entry);
    }
    this.peers = [...peers.values()];
    this.lastRead = now;
    this.fleet.setRemote(this.peers, now);
  }
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isNumOrNull = (v: unknown): v is number | null => v === null || isNum(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const STATES: readonly unknown[] = FLEET_STATES;

/** The row's JSON is an entry this version reads. */
function isSharedEntry(v: unknown): v is SharedFleetEntry {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return (
    isStr(e['id']) &&
    isStr(e['env']) &&
    isStr(e['service']) &&
    isStr(e['host']) &&
    isStr(e['sdkVersion']) &&
    isStr(e['keyName']) &&
    isNum(e['streams']) &&
    isNumOrNull(e['connectedSince']) &&
    isNum(e['lastSeen']) &&
    isNumOrNull(e['appliedVersion']) &&
    isNumOrNull(e['appliedAt']) &&
    typeof e['stale'] === 'boolean' &&
    isNumOrNull(e['staleSince']) &&
    STATES.includes(e['state']) &&
    isNum(e['stateSince']) &&
    isNum(e['evaluations']) &&
    Array.isArray(e['history']) &&
    e['history'].every((h: unknown) => {
      if (typeof h !== 'object' || h === null) return false;
      const r = h as Record<string, unknown>;
      return isNum(r['version']) && isNum(r['at']);
    })
  );
}
