/**
 * Handlers of the profile, sync, identity, verification, correlation and metrics channels:
 * a few lines each over the runtime's services.
 */
import { futureTimeError } from '../../shared/correlate/manual-time.ts';
import { withSource } from '../sources/source.ts';
import type { CorrelationRequest } from '../../shared/ipc/contract.ts';
import type { CorrelationResult, Telemetry } from '../../shared/correlate/types.ts';
import { catchUpIndex } from '../correlate/index-catchup.ts';
import { changedFlags, rankWindow, readWindow } from '../correlate/replica-rank.ts';
import { AppError } from '../ipc/app-error.ts';
import type { Handler } from '../ipc/registry.ts';
import type { ActiveSession } from '../session/active-session.ts';
import type { ConsoleRuntime } from './console-runtime.ts';
import type { Verification } from './verification.ts';

type CoreChannel =
  | 'profiles:list'
  | 'profiles:add'
  | 'profiles:select'
  | 'profiles:remove'
  | 'sync:state'
  | 'sync:confirmKey'
  | 'identity:get'
  | 'verify:status'
  | 'verify:run'
  | 'verify:cancel'
  | 'verify:evidence'
  | 'verify:report'
  | 'replica:quarantine'
  | 'correlation:rank'
  | 'metrics:series'
  | 'fleet:get';

/** Error-rate samples of every service the metrics stream knows, around the window (absent → no telemetry). */
function serviceTelemetry(s: ActiveSession, atMs: number, windowSeconds: number): Telemetry['services'] {
  const from = new Date(atMs - (windowSeconds + 600) * 1000).toISOString();
  const to = new Date(atMs + 600 * 1000).toISOString();
  const services: Record<string, { at: string; error_rate: number; requests: number }[]> = {};
  for (const name of s.metrics.services()) {
    const series = s.metrics.series(name, from, to, 30);
    services[name] = series.points.map((p) => ({
      at: p.t,
      error_rate: p.errorRate,
      requests: Math.round(p.rps * series.stepSeconds),
    }));
  }
  return services;
}

/**
 * Ranks over the replica. A lagging correlation index (a replica opened long after its last sync, or a first sync still
 * being indexed) is caught up in bounded steps that yield to the event loop, so other calls keep being answered.
 * Telemetry: the paging service's error rate from the metrics stream (kept offline too), and — while the control
 * plane answers — each changed flag's own error rate around the incident, fetched within a short budget.
 */
async function rank(runtime: ConsoleRuntime, req: CorrelationRequest): Promise<CorrelationResult> {
  const future = 'at' in req ? futureTimeError(req.at, Date.now()) : null;
  if (future) throw new AppError(future.code, future.message);
  for (;;) {
    const step = catchUpIndex(runtime.replica().db, 1000, 50);
    if (step.complete || step.added === 0) break; // no progress: rankFromReplica's own catch-up reports why
    await new Promise((resolve) => setImmediate(resolve));
  }
  const s = runtime.session();
  const db = runtime.replica().db;
  const windowSeconds = (req.windowMinutes ?? 30) * 60;
  const query =
    'incidentId' in req ? { kind: 'incident' as const, id: req.incidentId } : { kind: 'at' as const, at: req.at };
  const base = {
    query,
    service: 'service' in req ? (req.service ?? null) : null,
    environment: null,
    options: { windowSeconds, limit: req.limit ?? 3 },
  };
  const w = readWindow(db, base);
  const { incident } = w;
  const changed = changedFlags(w);
  const atMs = Date.parse(incident.at);
  const services = serviceTelemetry(s, atMs, windowSeconds);
  const live = s.state().kind === 'live';
  const environment = incident.environment ?? runtime.store.get(s.profileId).environment;
  const flags =
    live && changed.length > 0
      ? await s.source.flagTelemetry(changed, environment, atMs - (windowSeconds + 600) * 1000, atMs + 600 * 1000)
      : {};
  const telemetry: Telemetry | null =
    Object.keys(services ?? {}).length > 0 || Object.keys(flags).length > 0 ? { services, flags } : null;
  return rankWindow(db, w, { ...base, telemetry });
}

/**
 * The way forward after a verification alert: the replica (with its evidence) is set aside under quarantine/ with a
 * note of who asked, why, and what was wrong, and the profile starts over with an empty replica that is synced again
 * and verified against the keys the profile already trusts. Refused while nothing is wrong (E_NOTHING_TO_QUARANTINE).
 */
async function quarantine(
  runtime: ConsoleRuntime,
  verification: Verification,
  reason: string,
): Promise<{ archivedAs: string }> {
  const status = verification.status();
  if (status.alert === null) {
    throw new AppError(
      'E_NOTHING_TO_QUARANTINE',
      'This replica has no verification alert, so it was not set aside. Quarantine is only for a replica whose history failed verification.',
    );
  }
  const s = runtime.session();
  const profile = runtime.store.get(s.profileId);
  const note = {
    reason,
    control_plane: profile.url,
    origin: profile.origin,
    alert: status.alert,
    evidence: verification.evidence(),
    verified_size: status.verifiedSize,
    received_size: status.receivedSize,
    root: status.rootHex,
  };
  const archivedAs = await runtime.reopen((id) => {
    const to = runtime.store.quarantineReplica(id, note);
    verification.forget();
    return to;
  });
  return { archivedAs };
}

/** The core handlers. */
export function coreHandlers(runtime: ConsoleRuntime, verification: Verification): { [C in CoreChannel]: Handler<C> } {
  return {
    'profiles:list': () => runtime.store.list(),
    'profiles:add': (input) => runtime.store.add(input),
    'profiles:select': async ({ id }) => {
      const profile = runtime.store.select(id);
      verification.forget();
      await runtime.activate(id);
      return profile;
    },
    'profiles:remove': async ({ id }) => {
      const wasActive = runtime.store.active()?.id === id;
      if (wasActive) await runtime.stop();
      runtime.store.remove(id);
      const next = runtime.store.active();
      if (wasActive && next) await runtime.activate(next.id);
      return null;
    },
    'sync:state': () => runtime.syncState(),
    'sync:confirmKey': ({ vkey, accept }) => runtime.session().sync?.confirmKey(vkey, accept) ?? runtime.syncState(),
    'identity:get': () => runtime.session().source.identity(),
    'verify:status': () => withSource(verification.status(), runtime.session().source),
    'verify:run': ({ mode }) => verification.run(mode),
    'verify:cancel': ({ runId }) => verification.cancel(runId),
    'verify:evidence': () => [...verification.evidence(), ...runtime.session().source.upstreamAlerts()],
    'verify:report': () => verification.report(),
    'replica:quarantine': ({ reason }) => quarantine(runtime, verification, reason),
    'correlation:rank': async (req) => {
      try {
        return await rank(runtime, req);
      } finally {
        runtime.activeSession()?.screenServed(); // the first screen is up: the background deep check may start
      }
    },
    'metrics:series': ({ service, from, to, stepSeconds }) =>
      runtime.session().metrics.series(service, from, to, stepSeconds),
    'fleet:get': () => runtime.session().fleet.view(),
  };
}
