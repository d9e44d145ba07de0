import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app-setup.ts';
import type { App } from '../domain/app.ts';
import { resolveOptions } from '../options.ts';
import type { RunningControlPlane } from '../server.ts';
import { startControlPlane } from '../server.ts';
import { waitFor } from '../test-support/harness.ts';
import { SCENARIO, SERVICES } from './catalog.ts';
import { STRAGGLER_ID } from './services.ts';
import { buildHistory } from './history.ts';

const dirs: string[] = [];
const ANCHOR = Date.parse('2026-11-25T03:00:00.000Z');

function history(seed: number, anchor = ANCHOR, flags = 60, entries = 2500): { texts: string[]; note: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cp-demo-'));
  dirs.push(dir);
  const app: App = createApp(
    resolveOptions({ dataDir: dir, demo: { seed, incidentAfterMs: 1000, anchor }, log: () => undefined }),
  );
  buildHistory(app, { seed, anchor, flags, entries });
  const note = app.checkpoints.signNow().note;
  const texts = app.ledger.texts(0, app.ledger.size);
  app.hub.close();
  app.db.close();
  return { texts, note };
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('demo history', () => {
  it('is byte-identical for the same seed and anchor, and differs for another seed', () => {
    const a = history(7);
    const b = history(7);
    const c = history(8);
    expect(a.texts.length).toBeGreaterThan(2400);
    expect(b.texts).toEqual(a.texts);
    expect(b.note).toBe(a.note);
    expect(c.texts).not.toEqual(a.texts);
  });

  it('keeps random follow-ups (approvals, kill undos, break-glass use) out of the incident lookback window at any boot time', () => {
    const hours = [3, 9, 14, 20];
    for (const h of hours) {
      const anchor = Date.parse(`2026-11-2${(h % 3) + 3}T${String(h).padStart(2, '0')}:17:00.000Z`);
      const late = history(1, anchor, 120, 6000)
        .texts.map((t) => JSON.parse(t) as { ts: string; action: string; actor: { id: string } })
        .filter((e) => Date.parse(e.ts) >= anchor - 35 * 60_000);
      expect(late.length, `anchor ${new Date(anchor).toISOString()}`).toBeGreaterThan(0); // the scripted noise is there
      const followUps = late.filter((e) =>
        ['change_request.approved', 'change_request.rejected', 'flag.rolled_back', 'break_glass.used'].includes(
          e.action,
        ),
      );
      expect(
        followUps.map((e) => `${e.ts} ${e.action} ${e.actor.id}`),
        `anchor ${new Date(anchor).toISOString()}`,
      ).toEqual([]);
    }
  });
});

describe('demo scenario', () => {
  let cp: RunningControlPlane;
  let bootMs = 0;
  const auth = (role: string): Record<string, string> => ({
    Authorization: `Bearer ${cp.demoTokens.find((t) => t.role === role)?.token ?? ''}`,
  });
  const get = async (path: string): Promise<unknown> =>
    (await fetch(`${cp.url}${path}`, { headers: auth('viewer') })).json();

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cp-demo-live-'));
    dirs.push(dir);
    const t0 = Date.now();
    cp = await startControlPlane({
      dataDir: dir,
      demo: { seed: 1, incidentAfterMs: 300, tickMs: 200, monitorWindowMs: 2000 },
      log: () => undefined,
    });
    bootMs = Date.now() - t0;
  }, 60_000);
  afterAll(async () => cp.close());

  it('boots quickly with three weeks of history for 12 services and ~200 flags', async () => {
    expect(bootMs).toBeLessThan(15_000);
    expect(cp.app.ledger.size).toBeGreaterThan(19_000);
    expect(cp.app.ledger.size).toBeLessThan(21_000);
    const first = JSON.parse(cp.app.ledger.texts(0, 1)[0] ?? '{}') as { ts: string };
    expect(Date.now() - Date.parse(first.ts)).toBeGreaterThan(20 * 86_400_000);
    expect(((await get('/api/v1/services')) as { services: string[] }).services.length).toBe(12);
    expect(((await get('/api/v1/flags')) as { flags: unknown[] }).flags.length).toBe(199);
    expect(
      ((await get('/api/v1/tombstones')) as { tombstones: { flag_key: string }[] }).tombstones.map((t) => t.flag_key),
    ).toContain(SCENARIO.tombstoned);
  });

  it('signs with the demo key shipped in resources/demo/trusted-keys.json', () => {
    const shipped = JSON.parse(readFileSync(join(process.cwd(), 'resources', 'demo', 'trusted-keys.json'), 'utf8')) as {
      origin: string;
      keys: { vkey: string }[];
    };
    expect(shipped.origin).toBe(cp.origin);
    expect(shipped.keys.map((k) => k.vkey)).toEqual(cp.verifierKeys);
  });

  it('prints working tokens for admin, responder and two approvers', async () => {
    expect(cp.demoTokens.map((t) => `${t.role} ${t.name}`)).toEqual([
      'admin dana',
      'responder riley',
      'approver avery',
      'approver blake',
      'viewer vic',
    ]);
    expect(await (await fetch(`${cp.url}/api/v1/me`, { headers: auth('responder') })).json()).toEqual({
      name: 'riley',
      role: 'responder',
    });
  });

  it('has pending change requests waiting for a second approver', async () => {
    const pending = (
      (await get('/api/v1/change-requests?status=PENDING')) as {
        change_requests: { flag_key: string; valid_approvals: number; required_approvals: number }[];
      }
    ).change_requests;
    expect(pending.find((c) => c.flag_key === 'payments.card.3ds-v2-challenge')).toMatchObject({
      valid_approvals: 1,
      required_approvals: 2,
    });
  });

  it('runs the live incident: payments ramp, circuit breaker on a HIGH flag elsewhere, PagerDuty incident', async () => {
    const tail = (): Record<string, unknown>[] =>
      cp.app.ledger
        .texts(Math.max(0, cp.app.ledger.size - 40), cp.app.ledger.size)
        .map((t) => JSON.parse(t) as Record<string, unknown>);
    await waitFor(
      () =>
        tail().some(
          (e) =>
            e['action'] === 'flag.updated' &&
            e['flag'] === SCENARIO.culprit &&
            (e['after'] as { rollout_pct: number }).rollout_pct === 50,
        ),
      5000,
    );
    await waitFor(
      () => tail().some((e) => e['action'] === 'flag.auto_rolled_back' && e['flag'] === SCENARIO.breakerTarget),
      20_000,
    );
    await waitFor(
      () =>
        tail().some(
          (e) => e['action'] === 'incident.triggered' && (e['after'] as { service: string }).service === 'payments',
        ),
      20_000,
    );
    // The live entries are the last of their kind: the history's own incidents and trips can sit in the same tail.
    const breaker = tail().findLast(
      (e) => e['action'] === 'flag.auto_rolled_back' && e['flag'] === SCENARIO.breakerTarget,
    );
    expect(breaker).toMatchObject({ actor: { type: 'system', id: 'system:evaluator' }, env: 'production' });
    const incident = tail().findLast(
      (e) => e['action'] === 'incident.triggered' && (e['after'] as { service: string }).service === 'payments',
    );
    expect(incident).toMatchObject({
      actor: { type: 'service', id: 'pagerduty' },
      after: { source: 'pagerduty', severity: 'critical' },
    });
  }, 45_000);

  it('serves through real SDK instances: the fleet with its straggler, per-flag error rates, and a kill that ends the errors', async () => {
    type Fleet = { latest_version: number; instances: Record<string, unknown>[] };
    const fleet = async (): Promise<Fleet> => (await get('/api/v1/sdk/fleet?environment=production')) as Fleet;
    // 12 services × 3 instances, plus checkout's fourth: the straggler, whose stream was cut early.
    await waitFor(async () => {
      const f = await fleet();
      return (
        f.instances.length === 37 &&
        f.instances.filter((i) => i['state'] === 'current').length === 36 &&
        f.instances.some((i) => i['instance_id'] === STRAGGLER_ID && i['state'] === 'last_known_good')
      );
    }, 20_000);
    const f = await fleet();
    const straggler = f.instances.find((i) => i['instance_id'] === STRAGGLER_ID);
    expect(straggler).toMatchObject({ service: 'checkout', stale: true, connected_since: null });
    expect(straggler?.['applied_version']).toBeLessThan(f.latest_version);
    expect(new Set(f.instances.map((i) => i['service']))).toEqual(new Set(SERVICES));
    // Per-flag error rates from the SDKs' telemetry, for flags other than the breaker's.
    const perFlag = async (flag: string): Promise<{ requests: number; errors: number }> => {
      const m = (await get(`/api/v1/metrics?flag=${flag}&environment=production&step=60`)) as {
        points: { requests: number; errors: number }[];
      };
      return m.points.reduce((a, p) => ({ requests: a.requests + p.requests, errors: a.errors + p.errors }), {
        requests: 0,
        errors: 0,
      });
    };
    const culprit = await perFlag(SCENARIO.culprit);
    expect(culprit.requests).toBeGreaterThan(100);
    expect(culprit.errors / culprit.requests).toBeGreaterThan(0.03);
    expect((await perFlag('payments.card.3ds-v2-challenge')).requests).toBeGreaterThan(0);
    // Kill the culprit: every instance but the straggler applies it, and the payments error rate falls.
    const kill = await fetch(`${cp.url}/api/v1/flags/${SCENARIO.culprit}/kill`, {
      method: 'POST',
      headers: { ...auth('responder'), 'Content-Type': 'application/json' },
      body: JSON.stringify({ environment: 'production', reason: 'payments errors since the ramp' }),
    });
    expect(kill.status).toBe(200);
    const idx = ((await kill.json()) as { idx: number }).idx;
    const killedAt = Date.now();
    type Applied = { n: number; k: number; instances: { instance_id: string; ms: number | null }[] };
    const applied = async (): Promise<Applied> =>
      (await get(`/api/v1/sdk/fleet/applied?environment=production&idx=${idx}`)) as Applied;
    await waitFor(async () => (await applied()).k === 36, 5000);
    const report = await applied();
    expect(report.n).toBe(37);
    expect(report.instances.filter((i) => i.ms === null).map((i) => i.instance_id)).toEqual([STRAGGLER_ID]);
    const bucket = Math.ceil((killedAt + 1000) / 5000) * 5000;
    await waitFor(() => Date.now() > bucket + 5400, 15_000);
    const after = cp.app.metrics.window('payments', bucket, bucket + 5000);
    expect(after.requests).toBeGreaterThan(100);
    expect(after.error_rate).toBeLessThan(0.02);
  }, 60_000);
});
