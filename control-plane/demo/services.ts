/**
 * The demo's services as real SDK instances: three per service (four for checkout), each a TombstoneClient with its
 * own SDK key streaming from this control plane over loopback HTTP and SSE, evaluating the service's flags for
 * synthetic users. A request fails according to what the SDK actually served it:
 *
 * - payments and pricing call the v2 pricing engine for users the culprit flag serves `on`; its backend absorbs 15 %
 *   of the traffic, beyond that the share it cannot absorb fails (so the error rate follows the rollout: none at the
 *   10 % soak, ~8 % at 50 %, none again once rolled back or killed);
 * - checkout's express pay (when served `on`) charges through payments synchronously, so it fails when payments
 *   would fail for that user; those requests count for express pay's circuit breaker window.
 *
 * Every request is reported with the flags it evaluated (per-flag error rates for the correlation ranking), through
 * the SDKs' telemetry — the control plane's metrics, breaker and fleet view get nothing else from the live demo.
 * One checkout instance ("the straggler") reaches the control plane through a loopback proxy whose stream path fails
 * early: it goes on serving what it had, reports itself stale, and its telemetry and acks still arrive — the fleet
 * view shows it on its last-known-good, behind every change made after that.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TombstoneClient } from '../../sdk/client.ts';
import type { App } from '../domain/app.ts';
import { listFlags } from '../domain/flag-repo.ts';
import { addSdkKey, listSdkKeys, revokeSdkKey } from '../sdk-delivery/keys.ts';
import { SCENARIO, SERVICES } from './catalog.ts';
import type { Rng } from './rng.ts';

/** Requests per second of each service. */
export const BASE_RPS: Record<string, number> = {
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
/** Median latency of each service. */
export const BASE_LATENCY_MS: Record<string, number> = {
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
const BASE_ERROR_RATE = 0.004;
/** Share of payments traffic the v2 engine's backend absorbs. */
const V2_CAPACITY = 0.15;
/** How hard an overloaded v2 backend fails (fraction of the overflow that errors). */
const V2_FAILURE = 0.24;
const INSTANCES = 3;
const KEY_CREATOR = 'demo';
const COUNTRIES = ['DE', 'FR', 'NL', 'US', 'GB', 'JP', 'BR'];
const PLANS = ['free', 'pro', 'enterprise'];
const ENV = 'production';

/** The straggler's instance id. */
export const STRAGGLER_ID = 'checkout-4';

interface Instance {
  id: string;
  service: string;
  client: TombstoneClient;
}

/** Probability that a request the v2 engine serves fails when `share` of the traffic is on v2. */
export function v2FailureRate(share: number): number {
  return share > V2_CAPACITY ? (V2_FAILURE * (share - V2_CAPACITY)) / share : 0;
}

/**
 * A loopback proxy to the control plane for one instance: everything passes, until `cut()` — then open streams end
 * and new stream requests fail (a network path that lost its long-lived connections), while short requests
 * (telemetry, acks) still pass.
 */
class PartitionProxy {
  private readonly server: Server;
  private readonly streams = new Set<ServerResponse>();
  private cutOff = false;
  private readonly target: string;

  constructor(target: string) {
    this.target = target;
    this.server = createServer((req, res) => this.forward(req, res));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  cut(): void {
    this.cutOff = true;
    for (const s of this.streams) s.destroy();
    this.streams.clear();
  }

  close(): void {
    this.cut();
    this.server.closeAllConnections();
    this.server.close();
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const isStream = (req.url ?? '').startsWith('/api/v1/sdk/stream');
    if (isStream && this.cutOff) {
      res.destroy();
      return;
    }
    const up = request(`${this.target}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', () => res.destroy());
    res.on('close', () => {
      this.streams.delete(res);
      up.destroy();
    });
    if (isStream) this.streams.add(res);
    req.pipe(up);
  }
}

/** The running SDK instances of the demo. */
export class DemoServices {
  private readonly app: App;
  private readonly rng: Rng;
  private readonly instances: Instance[] = [];
  private readonly byService = new Map<string, Instance[]>();
  private flagsOf = new Map<string, string[]>();
  private proxy: PartitionProxy | null = null;
  private turn = 0;
  private ticks = 0;
  private stopped = false;
  private readonly only: readonly string[] | null;

  /** `only`: run just these services' instances (null: every service). */
  constructor(app: App, rng: Rng, only: readonly string[] | null = null) {
    this.app = app;
    this.rng = rng;
    this.only = only;
  }

  /** Makes the SDK keys (revoking the previous boot's) and starts every instance. */
  async start(tickMs: number): Promise<void> {
    for (const k of await listSdkKeys(this.app.sql)) {
      if (k.created_by === KEY_CREATOR) await revokeSdkKey(this.app.sql, k.id);
    }
    this.refreshFlags();
    this.proxy = new PartitionProxy(this.app.baseUrl);
    const proxyUrl = await this.proxy.listen();
    if (this.stopped) {
      this.proxy.close();
      return;
    }
    for (const [s, service] of SERVICES.entries()) {
      if (this.only !== null && !this.only.includes(service)) continue;
      const { key } = await addSdkKey(this.app.sql, ENV, `demo-${service}`, KEY_CREATOR, this.app.clock());
      const count = service === 'checkout' ? INSTANCES + 1 : INSTANCES;
      const list: Instance[] = [];
      for (let i = 1; i <= count; i++) {
        const id = `${service}-${i}`;
        const straggler = id === STRAGGLER_ID;
        const client = new TombstoneClient({
          url: straggler ? proxyUrl : this.app.baseUrl,
          sdkKey: key,
          service,
          instanceId: id,
          host: `ip-10-2-${s + 1}-${i}`,
          telemetryIntervalMs: tickMs,
          backoffMinMs: 250,
          backoffMaxMs: 2000,
          staleAfterMs: Math.max(200, tickMs),
        });
        let reported = false;
        client.on('error', (e: { code: string; message: string }) => {
          // A refused report would silently starve the demo's metrics: say so once per instance.
          if (e.code !== 'E_SDK_TELEMETRY_REFUSED' || reported) return;
          reported = true;
          this.app.options.log(`demo: ${id}: ${e.code}: ${e.message}`);
        });
        const inst = { id, service, client };
        list.push(inst);
        this.instances.push(inst);
      }
      this.byService.set(service, list);
    }
  }

  /** Cuts the straggler's stream once it is live (it then serves what it had). */
  async cutStraggler(): Promise<void> {
    const straggler = this.instances.find((i) => i.id === STRAGGLER_ID);
    await straggler?.client.ready(30_000).catch(() => undefined);
    this.proxy?.cut();
  }

  /** One tick of traffic: `seconds` worth of requests for every service, outcomes from what the SDKs serve. */
  tick(seconds: number): void {
    if (++this.ticks % 30 === 0) this.refreshFlags();
    // Payments first: its share of v2 traffic decides how the v2 backend behaves for this tick.
    const payments = this.requests('payments', seconds);
    const share = payments.length === 0 ? 0 : payments.filter((r) => r.v2).length / payments.length;
    const failV2 = v2FailureRate(share);
    for (const service of SERVICES) {
      const reqs = service === 'payments' ? payments : this.requests(service, seconds);
      const latency = BASE_LATENCY_MS[service] ?? 50;
      for (const r of reqs) {
        let error = this.rng.chance(BASE_ERROR_RATE);
        let ms = latency * Math.exp(0.45 * this.rng.normal());
        let guard: string | undefined;
        if ((service === 'payments' || service === 'pricing') && r.v2) {
          const factor = service === 'pricing' ? 0.5 : 1;
          if (this.rng.chance(failV2 * factor)) {
            error = true;
            ms *= 6;
          }
        }
        if (service === 'checkout' && r.express) {
          guard = SCENARIO.breakerTarget;
          // Express pay charges through payments: the same user's payments request, served by a payments instance.
          if (this.servesV2(r.user) && this.rng.chance(failV2)) {
            error = true;
            ms *= 6;
          }
        }
        const opts: { guard?: string; flags: string[] } = { flags: r.flags };
        if (guard !== undefined) opts.guard = guard;
        r.instance.client.recordRequest({ error, latencyMs: ms }, opts);
      }
    }
  }

  /** Stops every instance (each flushes its telemetry and writes nothing: no last-known-good path). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.proxy?.close();
    await Promise.all(this.instances.map((i) => i.client.close()));
  }

  private refreshFlags(): void {
    const m = new Map<string, string[]>();
    for (const f of listFlags(this.app.db, {})) {
      for (const s of f.definition.services) {
        let list = m.get(s);
        if (list === undefined) m.set(s, (list = []));
        list.push(f.definition.key);
      }
    }
    this.flagsOf = m;
  }

  private next(service: string): Instance | undefined {
    const list = this.byService.get(service) ?? [];
    return list[this.turn++ % Math.max(1, list.length)];
  }

  private servesV2(user: string): boolean {
    const inst = this.next('payments');
    const v = inst?.client.evaluate(SCENARIO.culprit, { targetingKey: user }, false).variant;
    return v !== undefined && v !== 'off';
  }

  private requests(
    service: string,
    seconds: number,
  ): { instance: Instance; user: string; flags: string[]; v2: boolean; express: boolean }[] {
    const n = Math.round((BASE_RPS[service] ?? 50) * seconds * (0.9 + this.rng.next() * 0.2));
    const keys = this.flagsOf.get(service) ?? [];
    const out = [];
    for (let i = 0; i < n; i++) {
      const instance = this.next(service);
      if (instance === undefined) break;
      const user = `u-${this.rng.int(1, 50_000)}`;
      const ctx = { targetingKey: user, country: this.rng.pick(COUNTRIES), plan: this.rng.pick(PLANS) };
      let v2 = false;
      let express = false;
      for (const key of keys) {
        const variant = instance.client.evaluate(key, ctx, false).variant;
        const on = variant !== undefined && variant !== 'off';
        if (key === SCENARIO.culprit) v2 = on;
        if (key === SCENARIO.breakerTarget) express = on;
      }
      out.push({ instance, user, flags: keys, v2, express });
    }
    return out;
  }
}
