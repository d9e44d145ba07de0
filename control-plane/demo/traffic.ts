/**
 * The hour before the demo booted: per-service request volume, error rate and latency written straight into the
 * metrics store, so the incident chart has a baseline to compare with. Only this pre-boot history is synthetic; from
 * boot on every sample comes from the demo's SDK instances (services.ts).
 */
import type { App } from '../domain/app.ts';
import { SERVICES } from './catalog.ts';
import type { Rng } from './rng.ts';
import { BASE_LATENCY_MS, BASE_RPS } from './services.ts';

const SPREAD = 10;

/** Records `seconds` of healthy pre-boot traffic ending at `now` for every service into the metrics store. */
export function recordTraffic(app: App, rng: Rng, now: number, seconds: number): void {
  for (const service of SERVICES) {
    const n = Math.round((BASE_RPS[service] ?? 50) * seconds * (0.9 + rng.next() * 0.2));
    const rate = 0.003 + rng.next() * 0.002;
    const errors = Math.round(n * rate);
    const base = BASE_LATENCY_MS[service] ?? 50;
    for (let k = 0; k < SPREAD; k++) {
      const latency = base * Math.exp(0.45 * rng.normal());
      const count = Math.round(n / SPREAD);
      const errCount = Math.round(errors / SPREAD + (k === 0 ? errors % SPREAD : 0));
      app.metrics.record(service, false, latency, now, Math.max(0, count - errCount));
      if (errCount > 0) app.metrics.record(service, true, latency * 1.5, now, errCount);
    }
  }
}
