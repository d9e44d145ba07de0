/**
 * The demo's synthetic traffic: per-service request volume, error rate and latency, driven by the live flag state so
 * the console's actions have visible effects (rolling back the payments ramp brings the error rate down).
 */
import type { App } from '../domain/app.ts';
import { getFlag } from '../domain/flag-repo.ts';
import type { Sample } from '../domain/telemetry.ts';
import { ingestSamples } from '../domain/telemetry.ts';
import { SCENARIO, SERVICES } from './catalog.ts';
import type { Rng } from './rng.ts';

const BASE_RPS: Record<string, number> = {
  payments: 60,
  checkout: 90,
  auth: 140,
  search: 200,
  catalog: 160,
  cart: 110,
  shipping: 30,
  notifications: 50,
  recommendations: 120,
  accounts: 40,
  pricing: 70,
  inventory: 45,
};
const BASE_LATENCY_MS: Record<string, number> = {
  payments: 140,
  checkout: 110,
  auth: 40,
  search: 70,
  catalog: 35,
  cart: 30,
  shipping: 90,
  notifications: 25,
  recommendations: 85,
  accounts: 30,
  pricing: 45,
  inventory: 40,
};
const SPREAD = 10;
const EXPRESS_SAMPLES_PER_S = 40;

/** How much the payments ramp hurts (0 when at or below the 15 % the backend can absorb). */
export function culpritImpact(app: App): number {
  const s = getFlag(app.db, SCENARIO.culprit)?.environments['production'];
  if (s === undefined || !s.enabled) return 0;
  return (Math.max(0, s.rollout_pct - 15) / 100) * 0.16;
}

function impactOn(service: string, impact: number): number {
  if (service === 'payments') return impact;
  if (service === 'pricing') return impact / 2;
  if (service === 'checkout') return impact * 0.6;
  return 0;
}

/** Records `seconds` of traffic ending at `now` for every service into the metrics store. */
export function recordTraffic(app: App, rng: Rng, now: number, seconds: number, impact: number): void {
  for (const service of SERVICES) {
    const n = Math.round((BASE_RPS[service] ?? 50) * seconds * (0.9 + rng.next() * 0.2));
    const hit = impactOn(service, impact);
    const rate = 0.003 + hit + rng.next() * 0.002;
    const errors = Math.round(n * rate);
    const base = (BASE_LATENCY_MS[service] ?? 50) * (1 + hit * 30);
    for (let k = 0; k < SPREAD; k++) {
      const latency = base * Math.exp(0.45 * rng.normal());
      const count = Math.round(n / SPREAD);
      const errCount = Math.round(errors / SPREAD + (k === 0 ? errors % SPREAD : 0));
      app.metrics.record(service, false, latency, now, Math.max(0, count - errCount));
      if (errCount > 0) app.metrics.record(service, true, latency * 1.5, now, errCount);
    }
  }
}

/** Evaluation samples of express pay (checkout calls payments synchronously, so it suffers too) through the breaker. */
export function expressPaySamples(app: App, rng: Rng, now: number, impact: number, seconds: number): void {
  const s = getFlag(app.db, SCENARIO.breakerTarget)?.environments['production'];
  if (s === undefined || !s.enabled) return;
  const rate = 0.002 + impact * 1.5;
  const samples: Sample[] = [];
  for (let i = 0; i < Math.round(EXPRESS_SAMPLES_PER_S * seconds); i++) {
    samples.push({
      service: 'checkout',
      environment: 'production',
      flag_key: SCENARIO.breakerTarget,
      error: rng.chance(rate),
      latency_ms: 120 * Math.exp(0.4 * rng.normal()),
      ts: now,
    });
  }
  ingestSamples(app, samples, now);
}
