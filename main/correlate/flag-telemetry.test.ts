import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rankCandidates } from '../../shared/correlate/index.ts';
import { created, entry, incidentEntry, state } from '../../shared/correlate/test-support/entries.ts';
import { addUser, spawnControlPlane, type ControlPlaneProcess } from '../sync/test-support/control-plane-process.ts';
import { tempDir } from '../sync/test-support/fixture.ts';
import { deadLoopbackUrl } from '../sync/test-support/dead-url.ts';
import { fetchFlagTelemetry, samplesOf } from './flag-telemetry.ts';

const FLAG = 'checkout.pay.v2';
const MINUTE = 60_000;

describe('per-flag telemetry from the real control plane', () => {
  const dir = tempDir('flag-telemetry');
  let cp: ControlPlaneProcess;
  let token = '';
  // Whole minutes in the recent past, so the control plane keeps them (6 h retention) and the buckets are exact.
  const alert = Math.floor(Date.now() / MINUTE) * MINUTE - 5 * MINUTE;
  const change = alert - 6 * MINUTE;

  beforeAll(async () => {
    const dataDir = join(dir, 'cp');
    cp = await spawnControlPlane({ dataDir, timeoutMs: 60_000 });
    token = addUser(dataDir, 'telemetry-test', 'responder');
    // 50 requests a minute through the flag in production: 1 error before the change, 10 after; staging stays clean.
    const samples = [];
    for (let t = alert - 20 * MINUTE; t < alert; t += MINUTE) {
      const errors = t < change ? 1 : 10;
      for (let i = 0; i < 50; i++) {
        samples.push({
          service: 'checkout-api',
          flag_key: FLAG,
          environment: 'production',
          error: i < errors,
          latency_ms: 30,
          ts: new Date(t + 1000).toISOString(),
        });
      }
      samples.push({
        service: 'checkout-api',
        flag_key: FLAG,
        environment: 'staging',
        error: false,
        latency_ms: 30,
        ts: new Date(t + 1000).toISOString(),
      });
    }
    const res = await fetch(new URL('/api/v1/telemetry', cp.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ samples }),
    });
    expect(res.status).toBe(202);
  }, 90_000);

  afterAll(async () => {
    await cp?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it("fetches each changed flag's error rate in the incident's environment; a flag nobody evaluated has no series", async () => {
    const target = { baseUrl: cp.url, token };
    const got = await fetchFlagTelemetry(target, [FLAG, 'search.rank.v3'], 'production', alert - 20 * MINUTE, alert, {
      stepSeconds: 60,
    });
    expect(Object.keys(got)).toEqual([FLAG]);
    expect(got[FLAG]!.map((s) => s.error_rate)).toEqual(
      Array.from({ length: 20 }, (_, i) => (alert - 20 * MINUTE + i * MINUTE < change ? 0.02 : 0.2)),
    );
    expect(got[FLAG]![0]).toEqual({ at: new Date(alert - 20 * MINUTE).toISOString(), error_rate: 0.02, requests: 50 });
    const staging = await fetchFlagTelemetry(target, [FLAG], 'staging', alert - 20 * MINUTE, alert, {
      stepSeconds: 60,
    });
    expect(staging[FLAG]!.every((s) => s.error_rate === 0 && s.requests === 1)).toBe(true);

    // What the ranking makes of it: the flag's own errors rose after its change.
    const entries = [
      created(0, FLAG, ['checkout-api']),
      entry(1, { flag: FLAG, ts: new Date(change).toISOString(), before: state(false, 0), after: state(true, 50) }),
      {
        ...incidentEntry(2, 'PD-1', 'checkout-api', 0),
        ts: new Date(alert + 20_000).toISOString(),
        after: {
          id: 'PD-1',
          service: 'checkout-api',
          title: 'errors',
          severity: 'critical',
          source: 'pagerduty',
          triggered_at: new Date(alert).toISOString(),
        },
      },
    ];
    const ranked = rankCandidates({
      entries,
      incident: { id: 'PD-1', service: 'checkout-api', environment: 'production', at: new Date(alert).toISOString() },
      telemetry: { flags: got },
    });
    expect(ranked.candidates[0]!.explanation.find((f) => f.factor === 'telemetry')).toEqual({
      factor: 'telemetry',
      multiplier: 2.5,
      text: 'flag error rate 2% → 20% after the change',
    });
  });

  it('gives up within its budget when the control plane does not answer, and returns nothing', async () => {
    const started = performance.now();
    expect(
      await fetchFlagTelemetry(
        { baseUrl: await deadLoopbackUrl(), token },
        [FLAG],
        'production',
        alert - MINUTE,
        alert,
        { budgetMs: 500 },
      ),
    ).toEqual({});
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('leaves out points without requests and malformed ones', () => {
    expect(
      samplesOf([
        { ts: 'a', error_rate: 0, requests: 0 },
        { ts: 'b', error_rate: 0.1, requests: 3 },
        { ts: 'c', error_rate: 2, requests: 3 },
        null,
        'x',
      ]),
    ).toEqual([{ at: 'b', error_rate: 0.1, requests: 3 }]);
    expect(samplesOf({})).toEqual([]);
  });
});
