/**
 * The live part of the demo: the services' SDK instances (services.ts) serve traffic every tick and report it through
 * their telemetry; after `incidentAfterMs` the payments ramp makes the v2 engine fail for the users it serves, which
 * raises the error rate; a monitor then fires a signed PagerDuty-shaped webhook at our own endpoint, while the circuit
 * breaker rolls back express pay (HIGH tier) in checkout. Early on, the straggler's stream is cut (services.ts).
 */
import { PATHS } from '../../shared/protocol/index.ts';
import type { App } from '../domain/app.ts';
import { gatedEnvChange } from '../domain/env-change.ts';
import { signPagerDuty } from '../domain/pagerduty.ts';
import type { DemoOptions } from '../options.ts';
import { SCENARIO } from './catalog.ts';
import { Rng } from './rng.ts';
import { DemoServices } from './services.ts';
import { recordTraffic } from './traffic.ts';

const BACKFILL_MS = 60 * 60 * 1000;
const BACKFILL_STEP_MS = 5000;
const MONITOR_THRESHOLD = 0.03;
/** The straggler loses its stream this long after boot (or halfway to the incident, if sooner). */
const STRAGGLER_CUT_MS = 2000;

/** The PagerDuty v3 webhook body the demo's monitor sends. */
export function demoPagerDutyEvent(now: number, errorRate: number, suffix: string): Record<string, unknown> {
  const incidentId = `Q${suffix}PAY`;
  const at = new Date(now).toISOString();
  return {
    event: {
      id: `01DEMO${suffix}`,
      event_type: 'incident.triggered',
      resource_type: 'incident',
      occurred_at: at,
      agent: null,
      client: null,
      data: {
        id: incidentId,
        type: 'incident',
        self: `https://api.pagerduty.com/incidents/${incidentId}`,
        html_url: `https://tombstone-demo.pagerduty.com/incidents/${incidentId}`,
        number: 4711,
        status: 'triggered',
        incident_key: 'payments-error-rate',
        created_at: at,
        urgency: 'high',
        priority: { summary: 'P1' },
        title: `payments: error rate ${(errorRate * 100).toFixed(1)}% above the 3% SLO`,
        service: { id: 'PSVCPAY', summary: 'payments', type: 'service_reference' },
      },
    },
  };
}

async function firePagerDuty(app: App, now: number, errorRate: number): Promise<void> {
  const secret = app.options.pagerdutySecret;
  if (secret === null) return;
  const body = JSON.stringify(demoPagerDutyEvent(now, errorRate, now.toString(36).toUpperCase()));
  const res = await fetch(`${app.baseUrl}${PATHS.pagerDuty}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-PagerDuty-Signature': signPagerDuty(secret, body) },
    body,
  });
  if (res.status !== 202) app.options.log(`demo: PagerDuty webhook answered ${res.status}`);
  await res.body?.cancel();
}

function ramp(app: App): void {
  const now = app.clock();
  try {
    app.store.tx(() =>
      gatedEnvChange(
        app,
        { actor: { type: 'user', id: 'maria.chen' }, now },
        'update',
        {
          key: SCENARIO.culprit,
          env: 'production',
          action: 'flag.updated',
          reason: 'ramp pricing engine v2 to 50% after a clean 10% soak',
          next: (b) => ({ ...b, enabled: true, rollout_pct: 50 }),
        },
        undefined,
      ),
    );
  } catch (err) {
    app.options.log(`demo: payments ramp skipped: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Starts telemetry and the incident timeline; returns a stop function. */
export function startDemoLive(app: App, demo: DemoOptions): () => void {
  const rng = new Rng(demo.seed + 7);
  const telemetry = demo.telemetry !== false;
  const boot = app.clock();
  const tickMs = demo.tickMs ?? 1000;
  const monitorMs = demo.monitorWindowMs ?? 10_000;
  if (telemetry)
    for (let t = boot - BACKFILL_MS; t < boot; t += BACKFILL_STEP_MS)
      recordTraffic(app, rng, t, BACKFILL_STEP_MS / 1000);
  // Without background telemetry, checkout's instances still serve (express pay's breaker traffic, as always).
  const services = new DemoServices(app, new Rng(demo.seed + 11), telemetry ? null : ['checkout']);
  const started = services.start(tickMs).catch((err: unknown) => {
    app.options.log(`demo: SDK instances failed to start: ${err instanceof Error ? err.message : String(err)}`);
  });
  const cut = setTimeout(
    () => void started.then(() => services.cutStraggler()),
    Math.min(STRAGGLER_CUT_MS, demo.incidentAfterMs / 2),
  );
  cut.unref();
  let fired = false;
  const tick = setInterval(() => {
    const now = app.clock();
    try {
      services.tick(tickMs / 1000);
    } catch (err) {
      app.options.log(`demo: traffic failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    const rate = app.metrics.window('payments', now - monitorMs, now + 1).error_rate;
    if (!fired && rate > MONITOR_THRESHOLD) {
      fired = true;
      firePagerDuty(app, now, rate).catch((err: unknown) =>
        app.options.log(`demo: PagerDuty webhook failed: ${String(err)}`),
      );
    }
  }, tickMs);
  tick.unref();
  const incident = setTimeout(() => ramp(app), demo.incidentAfterMs);
  incident.unref();
  return () => {
    clearInterval(tick);
    clearTimeout(incident);
    clearTimeout(cut);
    void services.stop();
  };
}
