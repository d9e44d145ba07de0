/** Telemetry intake, breaker windows, metrics for the incident chart (JSON and SSE), services and alerts. */
import type { ServerResponse } from 'node:http';
import { PATHS } from '../../shared/protocol/index.ts';
import type { App } from '../domain/app.ts';
import { listFlags } from '../domain/flag-repo.ts';
import { flagSeriesKey } from '../domain/metrics-store.ts';
import { ingestSamples, telemetryShape } from '../domain/telemetry.ts';
import type { SdkFleet } from '../sdk-delivery/fleet.ts';
import { sdkTelemetryShape } from '../sdk-delivery/telemetry.ts';
import { HttpError } from '../http/errors.ts';
import { json, type Reply, type RequestContext, type Route } from '../http/router.ts';
import { openEventStream } from '../http/sse.ts';
import { METRICS_EVENTS, sseFrame } from '../../shared/protocol/events.ts';
import type { FleetEventData } from '../../shared/protocol/fleet.ts';
import { parseWith } from '../http/body.ts';
import { obj } from '../../shared/validation/schema.ts';
import { intParam, strParam, timeParam } from './params.ts';

const MAX_POINTS = 10_000;
const STREAM_WINDOW_MS = 10_000;

/**
 * Chart points for one service (or all summed), or — with `flag` (and `environment`, default production) — for the
 * requests that evaluated one flag there: the per-flag error rate the correlation ranking compares before and after a
 * change.
 */
function metrics(app: App, ctx: RequestContext): Reply {
  const now = ctx.now;
  const service = strParam(ctx.url, 'service') ?? null;
  const flag = strParam(ctx.url, 'flag') ?? null;
  const environment = strParam(ctx.url, 'environment') ?? 'production';
  if (flag !== null && service !== null) {
    throw new HttpError('INVALID_QUERY', 'give either service or flag, not both', { parameter: 'flag' });
  }
  const to = timeParam(ctx.url, 'to', now);
  const from = timeParam(ctx.url, 'from', to - 30 * 60 * 1000);
  const step = intParam(ctx.url, 'step', 1, 86_400, 10) * 1000;
  if (from >= to) throw new HttpError('INVALID_RANGE', 'from must be before to');
  if ((to - from) / Math.max(step, app.metrics.bucketMs) > MAX_POINTS) {
    throw new HttpError('INVALID_RANGE', `that range has more than ${MAX_POINTS} points; use a larger step`);
  }
  const range = {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    step_seconds: Math.max(step, app.metrics.bucketMs) / 1000,
  };
  if (flag !== null) {
    return json(200, {
      flag,
      environment,
      ...range,
      points: app.flagMetrics.query(flagSeriesKey(flag, environment), from, to, step),
    });
  }
  return json(200, { service, ...range, points: app.metrics.query(service, from, to, step) });
}

function snapshot(app: App, service: string | null): string {
  const now = app.clock();
  const names = service === null ? app.metrics.services() : [service];
  const services = names.map((name) => ({
    service: name,
    ...app.metrics.window(name, now - STREAM_WINDOW_MS, now + 1),
  }));
  return JSON.stringify({ ts: new Date(now).toISOString(), window_seconds: STREAM_WINDOW_MS / 1000, services });
}

function fleetFrame(fleet: SdkFleet, env: string): string {
  const data: FleetEventData = { ...fleet.snapshot(env), full: true, removed: [] };
  return sseFrame(METRICS_EVENTS.fleet, JSON.stringify(data));
}

function metricsStream(app: App, fleet: SdkFleet, ctx: RequestContext): Reply {
  const service = strParam(ctx.url, 'service') ?? null;
  const res: ServerResponse = ctx.res;
  openEventStream(ctx.req, res);
  let blockedSince: number | null = null;
  /** A fleet change was dropped while the client was slow: it gets full snapshots again once it drains. */
  let fleetLost = false;
  const send = (frame: string): boolean => {
    if (blockedSince !== null) {
      // Metrics are samples: while the client is slow we drop frames instead of queueing them.
      if (Date.now() - blockedSince > app.options.streamStallMs) res.destroy();
      return false;
    }
    if (!res.write(frame)) blockedSince = Date.now();
    return true;
  };
  res.on('drain', () => {
    blockedSince = null;
    if (fleetLost) {
      fleetLost = false;
      for (const env of app.options.environments) send(fleetFrame(fleet, env));
    }
  });
  send(sseFrame(METRICS_EVENTS.metrics, snapshot(app, service)));
  for (const env of app.options.environments) send(fleetFrame(fleet, env));
  const unsubscribe = fleet.subscribe((event) => {
    if (!send(sseFrame(METRICS_EVENTS.fleet, JSON.stringify(event)))) fleetLost = true;
  });
  const tick = setInterval(
    () => send(sseFrame(METRICS_EVENTS.metrics, snapshot(app, service))),
    app.options.metricsIntervalMs,
  );
  const beat = setInterval(
    () => send(sseFrame(METRICS_EVENTS.heartbeat, JSON.stringify({ ts: new Date(app.clock()).toISOString() }))),
    app.options.heartbeatMs,
  );
  res.on('close', () => {
    clearInterval(tick);
    clearInterval(beat);
    unsubscribe();
  });
  return { kind: 'stream' };
}

function services(app: App): string[] {
  const names = new Set(app.metrics.services());
  for (const f of listFlags(app.db, {})) for (const s of f.definition.services) names.add(s);
  return [...names].sort();
}

/** Telemetry and metrics route table. */
export function telemetryRoutes(app: App, fleet: SdkFleet): Route[] {
  return [
    {
      method: 'POST',
      path: PATHS.telemetry,
      access: 'telemetry.write',
      sdk: 'also',
      handle: (ctx) => {
        const body = parseWith(obj({ ...telemetryShape, ...sdkTelemetryShape }), ctx.body);
        // An SDK reports for its key's environment only.
        const env = ctx.sdk?.env;
        const samples = env === undefined ? body.samples : body.samples.map((s) => ({ ...s, environment: env }));
        if (ctx.sdk !== null && body.sdk !== undefined) {
          const count = (body.evaluations ?? []).reduce((n, e) => n + e.count, 0);
          fleet.report(body.sdk, ctx.sdk.env, ctx.sdk.name, count, ctx.now);
        }
        const trips = ingestSamples(app, samples, ctx.now);
        return json(202, { accepted: samples.length, trips });
      },
    },
    {
      method: 'GET',
      path: PATHS.breakers,
      access: 'read',
      handle: () => json(200, { policy: app.breaker.policy, windows: app.breaker.stats() }),
    },
    { method: 'GET', path: PATHS.metrics, access: 'read', handle: (ctx) => metrics(app, ctx) },
    { method: 'GET', path: PATHS.metricsStream, access: 'read', handle: (ctx) => metricsStream(app, fleet, ctx) },
    { method: 'GET', path: PATHS.services, access: 'read', handle: () => json(200, { services: services(app) }) },
    { method: 'GET', path: PATHS.alerts, access: 'read', handle: () => json(200, { alerts: app.notifier.recent }) },
  ];
}
