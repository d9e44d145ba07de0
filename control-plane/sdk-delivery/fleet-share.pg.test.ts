/**
 * The SDK fleet shared through PostgreSQL (fleet-share.ts): two in-process control planes on one database, an SDK on
 * each; either answers for both, and a stopped instance's SDK shows disconnected on the other. A peer that stops
 * heartbeating without a word (a crash) counts as down after the disconnect window and is collected after the age-out
 * window; a database that stops answering is logged once and sharing resumes when it answers again.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { FleetAppliedReport, FleetEventData, FleetInstance, FleetSnapshot } from '../../shared/protocol/fleet.ts';
import { TombstoneClient } from '../../sdk/client.ts';
import { SDK_VERSION } from '../../sdk/version.ts';
import { freshPgDatabase } from '../../test-support/pg-context.ts';
import { DB_NOW_MS } from '../db/share-loop.ts';
import { PgSql } from '../db/sql.ts';
import type { RunningControlPlane } from '../server.ts';
import { T0, makeFlag, obj, startHarness, waitFor, startPeer, type Harness } from '../test-support/harness.ts';
import { openSse } from '../test-support/sse-client.ts';
import type { SharedFleetEntry } from './fleet.ts';

/** Short windows: disconnected after 1 s, a share round every 50 ms. */
const FLEET = { disconnectAfterMs: 1000, ageOutMs: 60_000, sweepMs: 50, coalesceMs: 20 };
const FLAG = 'payments.card.fast-path';
const iso = (ms: number): string => new Date(ms).toISOString();

const clients: TombstoneClient[] = [];
const servers: RunningControlPlane[] = [];
const harnesses: Harness[] = [];
const sqls: PgSql[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const s of servers.splice(0)) await s.close();
  for (const h of harnesses.splice(0)) await h.close();
  for (const s of sqls.splice(0)) await s.close();
});

async function harness(log: (line: string) => void = () => undefined): Promise<Harness> {
  const h = await startHarness({ database: await freshPgDatabase('fleet'), sdkFleet: FLEET, log });
  harnesses.push(h);
  return h;
}

/** A second instance on the harness's database (test-support/harness.ts startPeer), closed after the file. */
async function secondInstance(h: Harness): Promise<RunningControlPlane> {
  const cp = await startPeer(h, { sdkFleet: FLEET });
  servers.push(cp);
  return cp;
}

/** A raw connection to the harness's database. */
function raw(h: Harness): PgSql {
  const sql = PgSql.connect(h.database ?? '', 1);
  sqls.push(sql);
  return sql;
}

async function sdkKey(h: Harness): Promise<string> {
  const res = await h.req('alice', 'POST', '/api/v1/sdk/keys', { environment: 'production', name: 'checkout' });
  expect(res.status).toBe(201);
  return obj(res)['key'] as string;
}

function client(url: string, key: string, id: string): TombstoneClient {
  const c = new TombstoneClient({
    url,
    sdkKey: key,
    service: 'checkout',
    instanceId: id,
    host: `host-${id}`,
    telemetryIntervalMs: 0,
    backoffMinMs: 20,
    backoffMaxMs: 200,
  });
  clients.push(c);
  return c;
}

async function fleetOf(h: Harness): Promise<FleetSnapshot> {
  const res = await h.req('vera', 'GET', '/api/v1/sdk/fleet?environment=production');
  expect(res.status).toBe(200);
  return res.body as FleetSnapshot;
}

async function appliedOf(h: Harness, idx: number): Promise<FleetAppliedReport> {
  const res = await h.req('vera', 'GET', `/api/v1/sdk/fleet/applied?environment=production&idx=${idx}`);
  expect(res.status).toBe(200);
  return res.body as FleetAppliedReport;
}

/** An instance of the `checkout` key in production, on the latest version since T0 unless `fields` say otherwise. */
function instance(id: string, fields: Partial<FleetInstance>): FleetInstance {
  return {
    instance_id: id,
    environment: 'production',
    service: 'checkout',
    host: `host-${id}`,
    sdk_version: SDK_VERSION,
    key_name: 'checkout',
    connected_since: iso(T0),
    last_seen: iso(T0),
    applied_version: null,
    applied_at: null,
    stale: false,
    stale_since: null,
    state: 'current',
    state_since: iso(T0),
    ...fields,
  };
}

/** What another instance would publish for SDK instance x-1, streaming since `at` and on `version` since then. */
function streamingSince(at: number, version: number): SharedFleetEntry {
  return {
    id: 'x-1',
    env: 'production',
    service: 'checkout',
    host: 'host-x-1',
    sdkVersion: SDK_VERSION,
    keyName: 'checkout',
    streams: 1,
    connectedSince: at,
    lastSeen: at,
    appliedVersion: version,
    appliedAt: at,
    stale: false,
    staleSince: null,
    state: 'current',
    stateSince: at,
    evaluations: 0,
    history: [{ version, at }],
  };
}

/** Another instance, written straight into the tables: heartbeating now, publishing `entry`. */
async function fakePeer(sql: PgSql, cpId: string, entry: SharedFleetEntry): Promise<void> {
  await sql.run(`INSERT INTO sdk_fleet_peers (cp_id, heartbeat_at) VALUES (?, ${DB_NOW_MS})`, [cpId]);
  await sql.run(
    `INSERT INTO sdk_fleet (cp_id, env, instance_id, entry, rev, updated_at)
     VALUES (?, ?, ?, ?::jsonb, nextval('sdk_fleet_rev'), ${DB_NOW_MS})`,
    [cpId, entry.env, entry.id, JSON.stringify(entry)],
  );
}

describe('the SDK fleet on several instances of one PostgreSQL database', () => {
  it('answers on A for the SDK streaming on B, and shows it disconnected once B stops', async () => {
    const h = await harness();
    const b = await secondInstance(h);
    const key = await sdkKey(h);
    await makeFlag(h, FLAG);
    const on = await h.req('alice', 'PATCH', `/api/v1/flags/${FLAG}/environments/production`, {
      enabled: true,
      rollout_pct: 100,
      reason: 'full rollout',
    });
    expect(on.status).toBe(200);
    await waitFor(() => b.app.ledger.size === h.cp.app.ledger.size, 5000);
    const metrics = await openSse(`${h.url}/api/v1/metrics/stream`, {
      Authorization: `Bearer ${h.tokens['vera'] ?? ''}`,
    });
    const onA = client(h.url, key, 'a-1');
    const onB = client(b.url, key, 'b-1');
    await Promise.all([onA.ready(), onB.ready()]);
    const v0 = h.cp.sdk.hub.version('production');
    await waitFor(async () => (await fleetOf(h)).instances.filter((i) => i.applied_version === v0).length === 2);
    // Each instance hears only its own SDK, and answers for both.
    await waitFor(() => b.sdk.fleet.list().filter((i) => i.applied_version === v0).length === 2, 3000);
    expect(b.sdk.fleet.list().map((i) => [i.instance_id, i.applied_version])).toEqual([
      ['b-1', v0],
      ['a-1', v0],
    ]);

    // A kill through A, applied by the SDK streaming on B, acked to B.
    h.clock.now = T0 + 1000;
    const kill = await h.req('rita', 'POST', `/api/v1/flags/${FLAG}/kill`, {
      environment: 'production',
      reason: 'error rate above SLO',
    });
    expect(kill.status).toBe(200);
    const idx = obj(kill)['idx'] as number;
    await waitFor(async () => (await appliedOf(h, idx)).k === 2, 5000);
    const applied = (id: string) => ({
      instance_id: id,
      service: 'checkout',
      host: `host-${id}`,
      state: 'current',
      applied_version: idx + 1,
      stale: false,
      stale_since: null,
      applied_at: iso(T0 + 1000),
      ms: 0,
    });
    expect(await appliedOf(h, idx)).toEqual({
      environment: 'production',
      idx,
      target_version: idx + 1,
      committed_at: iso(T0 + 1000),
      generated_at: iso(T0 + 1000),
      n: 2,
      k: 2,
      p50_ms: 0,
      max_ms: 0,
      instances: [applied('a-1'), applied('b-1')],
    });
    const current = (id: string): FleetInstance =>
      instance(id, {
        last_seen: iso(T0 + 1000),
        applied_version: idx + 1,
        applied_at: iso(T0 + 1000),
        state_since: iso(T0 + 1000),
      });
    expect(await fleetOf(h)).toEqual({
      environment: 'production',
      latest_version: idx + 1,
      generated_at: iso(T0 + 1000),
      disconnect_after_ms: 1000,
      age_out_ms: 60_000,
      instances: [current('a-1'), current('b-1')],
    });
    // The metrics stream on A carried B's SDK's change like a local one.
    const fleetEvents = (): FleetEventData[] =>
      metrics.events.filter((e) => e.event === 'fleet').map((e) => JSON.parse(e.data) as FleetEventData);
    await metrics.waitFor(() =>
      fleetEvents().some((f) => f.instances.some((i) => i.instance_id === 'b-1' && i.applied_version === idx + 1)),
    );
    expect(
      fleetEvents()
        .flatMap((f) => f.instances)
        .filter((i) => i.instance_id === 'b-1')
        .at(-1),
    ).toEqual(current('b-1'));

    // B stops (its SDK's stream ends with it): A shows that SDK disconnected within the window.
    h.clock.now = T0 + 2000;
    servers.splice(servers.indexOf(b), 1);
    await b.close();
    const stoppedAt = Date.now();
    await waitFor(
      async () => (await fleetOf(h)).instances.find((i) => i.instance_id === 'b-1')?.state === 'disconnected',
      FLEET.disconnectAfterMs,
    );
    expect(Date.now() - stoppedAt).toBeLessThan(FLEET.disconnectAfterMs);
    expect((await fleetOf(h)).instances).toEqual([
      current('a-1'),
      instance('b-1', {
        connected_since: null,
        last_seen: iso(T0 + 2000),
        applied_version: idx + 1,
        applied_at: iso(T0 + 1000),
        state: 'disconnected',
        state_since: iso(T0 + 2000),
      }),
    ]);
    const after = await appliedOf(h, idx);
    expect([after.n, after.k, after.instances.map((i) => [i.instance_id, i.state, i.ms])]).toEqual([
      2,
      2,
      [
        ['a-1', 'current', 0],
        ['b-1', 'disconnected', 0],
      ],
    ]);
    // B's rows stay, its peer row marked stopped, until its SDK comes back elsewhere or ages out.
    expect(
      await raw(h).all(
        'SELECT f.instance_id, p.stopped FROM sdk_fleet f JOIN sdk_fleet_peers p USING (cp_id) ORDER BY f.instance_id',
      ),
    ).toEqual([
      { instance_id: 'a-1', stopped: false },
      { instance_id: 'b-1', stopped: true },
    ]);
    metrics.close();
  }, 30_000);

  it('counts a peer that stops heartbeating as down after the window, and collects it after the age-out window', async () => {
    const h = await harness();
    const sql = raw(h);
    const latest = h.cp.sdk.hub.version('production');
    await fakePeer(sql, 'cp-crashed', streamingSince(T0, latest));
    // A row in a shape this version does not read is left out.
    await sql.run(
      `INSERT INTO sdk_fleet (cp_id, env, instance_id, entry, rev, updated_at)
       VALUES ('cp-crashed', 'production', 'x-odd', ?::jsonb, nextval('sdk_fleet_rev'), ${DB_NOW_MS})`,
      [JSON.stringify({ id: 'x-odd', env: 'production' })],
    );
    const live = instance('x-1', { applied_version: latest, applied_at: iso(T0) });
    await waitFor(async () => (await fleetOf(h)).instances.length === 1, 3000);
    expect((await fleetOf(h)).instances).toEqual([live]);

    // It stops heartbeating: 1.5 s later (database clock) it is down, its stream counted as ended.
    h.clock.now = T0 + 500;
    await sql.run(`UPDATE sdk_fleet_peers SET heartbeat_at = ${DB_NOW_MS} - 1500 WHERE cp_id = 'cp-crashed'`);
    await waitFor(async () => (await fleetOf(h)).instances[0]?.state === 'disconnected', 3000);
    expect((await fleetOf(h)).instances).toEqual([
      { ...live, connected_since: null, state: 'disconnected', state_since: iso(T0 + 500) },
    ]);

    // Silent past the age-out window: the next round deletes the peer with its rows, and A forgets its SDK.
    await sql.run(`UPDATE sdk_fleet_peers SET heartbeat_at = ${DB_NOW_MS} - 61000 WHERE cp_id = 'cp-crashed'`);
    await waitFor(async () => (await fleetOf(h)).instances.length === 0, 3000);
    expect(await sql.all("SELECT cp_id FROM sdk_fleet_peers WHERE cp_id = 'cp-crashed'")).toEqual([]);
    expect(await sql.all("SELECT instance_id FROM sdk_fleet WHERE cp_id = 'cp-crashed'")).toEqual([]);
  }, 30_000);

  it("logs a database that stops answering once, stops vouching for other instances' SDKs, and shares again when it answers", async () => {
    const lines: string[] = [];
    const h = await harness((line) => lines.push(line));
    const sql = raw(h);
    const latest = h.cp.sdk.hub.version('production');
    await fakePeer(sql, 'cp-other', streamingSince(T0, latest));
    const live = instance('x-1', { applied_version: latest, applied_at: iso(T0) });
    await waitFor(async () => (await fleetOf(h)).instances.length === 1, 3000);
    expect((await fleetOf(h)).instances).toEqual([live]);
    const shareLines = (): string[] => lines.filter((l) => l.startsWith('sdk fleet share:'));
    const name = new URL(h.database ?? '').pathname.slice(1);
    // From the cluster's maintenance database: a database cannot refuse connections to itself.
    const admin = new pg.Client({ connectionString: (h.database ?? '').replace(/\/[^/]*$/, '/postgres') });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
      await waitFor(() => shareLines().length === 1, 5000);
      // More rounds fail (every 50 ms); none is logged again. Unread for the disconnect window (this instance's
      // clock), the other instance's SDK counts as disconnected: nobody can say it still streams.
      expect(h.cp.sdk.fleet.snapshot('production').instances).toEqual([live]);
      h.clock.now = T0 + 1000;
      await waitFor(() => h.cp.sdk.fleet.snapshot('production').instances[0]?.state === 'disconnected', 3000);
      expect(h.cp.sdk.fleet.snapshot('production').instances).toEqual([
        { ...live, connected_since: null, state: 'disconnected', state_since: iso(T0 + 1000) },
      ]);
      await new Promise((r) => setTimeout(r, 200));
      expect(shareLines()).toHaveLength(1);
    } finally {
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    await waitFor(() => shareLines().length === 2, 5000);
    expect(shareLines()).toEqual([
      expect.stringMatching(
        new RegExp(
          `^sdk fleet share: E_FLEET_SHARE: .+; this instance's SDKs are not published and other instances' ` +
            'not read until the database answers \\(retrying every 50 ms\\)$',
        ),
      ),
      'sdk fleet share: the database answers again; sharing the SDK fleet resumed',
    ]);
    // Sharing resumed: an SDK acking now is published.
    const key = await sdkKey(h);
    const ack = {
      instance_id: 'i-1',
      service: 'checkout',
      host: 'h',
      sdk_version: '0.1.0',
      applied_version: 1,
      stale: false,
    };
    expect((await h.req(`token:${key}`, 'POST', '/api/v1/sdk/ack', ack)).status).toBe(204);
    const mine = "SELECT instance_id FROM sdk_fleet WHERE cp_id <> 'cp-other'";
    await waitFor(async () => (await sql.all(mine)).length === 1, 3000);
    expect(await sql.all(mine)).toEqual([{ instance_id: 'i-1' }]);
  }, 30_000);
});
