/**
 * The reference Tombstone control plane as a library: startControlPlane(options) opens the data dir, optionally seeds
 * the demo, listens on node:http and resolves once the server accepts connections.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openApp } from './app-setup.ts';
import { lockDataDir, type DataDirLock } from './db/data-dir-lock.ts';
import { addUser } from './db/users.ts';
import type { Role } from './db/users.ts';
import type { App } from './domain/app.ts';
import { startScheduler } from './domain/scheduler.ts';
import { LEDGER_CHANNEL } from './ledger/writer.ts';
import { createRequestListener } from './http/pipeline.ts';
import { pruneReplays } from './http/idempotency.ts';
import { Router, type Route } from './http/router.ts';
import type { ControlPlaneOptions, ResolvedOptions } from './options.ts';
import { resolveOptions } from './options.ts';
import { actionRoutes } from './routes/actions.ts';
import { changeRequestRoutes } from './routes/change-requests.ts';
import { flagRoutes } from './routes/flags.ts';
import { healthRoutes } from './routes/health.ts';
import { incidentRoutes } from './routes/incidents.ts';
import { ledgerRoutes } from './routes/ledger.ts';
import { telemetryRoutes } from './routes/telemetry.ts';
import { DEMO_USERS, seedDemo, startDemoLive } from './demo/index.ts';
import { SdkFleet } from './sdk-delivery/fleet.ts';
import { FleetShare } from './sdk-delivery/fleet-share.ts';
import { TelemetryShare } from './domain/telemetry-share.ts';
import { SdkHub } from './sdk-delivery/hub.ts';
import { sdkRoutes } from './sdk-delivery/routes.ts';

/** A demo person and their fresh token. */
export interface DemoToken {
  role: Role;
  name: string;
  token: string;
}

/** A running control plane. */
export interface RunningControlPlane {
  url: string;
  port: number;
  origin: string;
  /** Verifier keys (`name+id+key`) currently published. */
  verifierKeys: string[];
  /** Tokens minted for the demo people (empty without --demo). */
  demoTokens: DemoToken[];
  /** The internals, for tests and tooling in this package. */
  app: App;
  /** SDK delivery (streams, counters, fleet). */
  sdk: { hub: SdkHub; fleet: SdkFleet };
  close(): Promise<void>;
}

const HOUSEKEEPING_MS = 60_000;
/** PostgreSQL: how often the tree re-reads the table anyway (a lost notification only delays an entry this long). */
const FOLLOW_POLL_MS = 1000;

/** Every route the control plane serves (each path is one of shared/protocol/paths.ts PATHS). */
export function allRoutes(app: App, ready: () => boolean, sdk: { hub: SdkHub; fleet: SdkFleet }): Route[] {
  return [
    ...sdkRoutes(app, sdk.hub, sdk.fleet),
    ...healthRoutes(app, ready),
    ...ledgerRoutes(app),
    ...actionRoutes(app),
    ...flagRoutes(app),
    ...changeRequestRoutes(app),
    ...incidentRoutes(app),
    ...telemetryRoutes(app, sdk.fleet),
  ];
}

async function mintDemoTokens(app: App): Promise<DemoToken[]> {
  const tokens: DemoToken[] = [];
  for (const u of DEMO_USERS)
    tokens.push({ role: u.role, name: u.name, token: await addUser(app.sql, u.name, u.role, app.clock()) });
  return tokens;
}

function stripUndefined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

/** Starts the control plane; resolves when it is listening. */
export async function startControlPlane(options: ControlPlaneOptions): Promise<RunningControlPlane> {
  const opts = resolveOptions(options);
  const lock = lockDataDir(opts.dataDir);
  try {
    return await serveLocked(opts, lock);
  } catch (err) {
    lock.release();
    throw err;
  }
}

/**
 * PostgreSQL: other instances' commits reach this instance's tree (and so its streams and checkpoints) through a
 * notification, and through a poll that catches anything a lost connection missed; the table stays the truth.
 */
async function followSharedLedger(app: App, log: (line: string) => void): Promise<() => void> {
  let failing = false;
  const follow = (): void => {
    try {
      app.ledger.follow();
      failing = false;
    } catch (err) {
      if (!failing) log(`ledger follow: ${err instanceof Error ? err.message : String(err)}`);
      failing = true;
    }
  };
  const unlisten = await app.sql.listen(LEDGER_CHANNEL, (payload) => {
    if (app.ledger.behind(payload)) follow();
  });
  const poll = setInterval(follow, FOLLOW_POLL_MS);
  poll.unref();
  return () => {
    clearInterval(poll);
    void unlisten().catch(() => undefined);
  };
}

async function serveLocked(opts: ResolvedOptions, lock: DataDirLock): Promise<RunningControlPlane> {
  const app = await openApp(opts);
  try {
    return await serveApp(opts, lock, app);
  } catch (err) {
    await app.sql.close().catch(() => undefined);
    if (app.store.engine === 'postgres') app.db.close();
    throw err;
  }
}

async function serveApp(opts: ResolvedOptions, lock: DataDirLock, app: App): Promise<RunningControlPlane> {
  const demoTokens = opts.demo === null ? [] : await mintDemoTokens(app);
  if (opts.demo !== null) seedDemo(app, opts.demo);
  app.checkpoints.signNow();
  const hub = new SdkHub(app, {
    heartbeatMs: opts.heartbeatMs,
    maxResumeEntries: opts.sdkMaxResumeEntries,
    maxStreams: opts.sdkMaxStreams,
    maxBufferedBytes: 8 * 1024 * 1024,
  });
  const fleet = new SdkFleet(opts.environments, (env) => hub.version(env), app.clock, stripUndefined(opts.sdkFleet));
  hub.onVersion((env) => fleet.versionChanged(env));
  const sdk = { hub, fleet };
  let ready = false;
  const server = createServer(
    { keepAliveTimeout: 10_000 },
    createRequestListener({
      store: app.store,
      sql: app.sql,
      router: new Router(allRoutes(app, () => ready, sdk)),
      clock: app.clock,
      log: opts.log,
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  app.baseUrl = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  const stops: (() => void)[] = [startScheduler(app, opts.schedulerIntervalMs, opts.log)];
  if (app.ledger.shared) stops.push(await followSharedLedger(app, opts.log));
  // PostgreSQL: SDKs reach any instance, so each publishes its fleet and reads the others' (fleet-share.ts). Started
  // once listening: nothing after this can fail and leave it running.
  const fleetShare =
    app.store.engine === 'postgres' ? FleetShare.start(app.sql, fleet, { log: opts.log, clock: app.clock }) : null;
  // Likewise samples: each publishes its metrics buckets and sums the others' into its charts (telemetry-share.ts).
  const telemetryShare =
    app.store.engine === 'postgres'
      ? TelemetryShare.start(
          app.sql,
          { service: app.metrics, flag: app.flagMetrics },
          { log: opts.log, clock: app.clock, intervalMs: fleet.options.sweepMs },
        )
      : null;
  const housekeeping = setInterval(() => {
    app.metrics.prune(app.clock());
    app.flagMetrics.prune(app.clock());
    pruneReplays(app.db, app.clock());
  }, HOUSEKEEPING_MS);
  housekeeping.unref();
  if (opts.demo !== null) stops.push(startDemoLive(app, opts.demo));
  ready = true;
  return {
    url: app.baseUrl,
    port,
    origin: app.ledger.origin,
    verifierKeys: app.keys.list().map((k) => k.vkey),
    demoTokens,
    app,
    sdk,
    close: async () => {
      for (const stop of stops) stop();
      clearInterval(housekeeping);
      app.checkpoints.stop();
      app.hub.close();
      sdk.hub.close();
      sdk.fleet.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // After the server closed, so the closing of its SDK streams is published too.
      await fleetShare?.stop();
      await telemetryShare?.stop();
      await app.notifier.flush();
      await app.sql.close();
      if (app.store.engine === 'postgres') app.db.close();
      lock.release();
    },
  };
}
