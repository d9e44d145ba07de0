/**
 * The SDK fleet end to end, on the demo whose services are real SDK instances: triage the payments incident, open
 * the paging service's fleet from the incident, roll back the causal flag and see the round trip end at the SDK
 * instances (k of n with milliseconds, every instance that did not apply it named), kill it and see the demo's
 * straggler named in the round trip, on the alert line and in the fleet view, then stop an SDK instance mid-demo and
 * see it turn disconnected; once the control plane is gone, the fleet stays on screen as of when it was received.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import type { FleetAppliedReport, FleetSnapshot } from '../shared/protocol/fleet.ts';
import { TombstoneClient } from '../sdk/client.ts';
import type { ControlPlaneProcess } from './support/processes.ts';
import {
  api,
  cleanUpStack,
  type ConsoleProcess,
  demoIncident,
  list,
  startConsoleAs,
  startDemoControlPlane,
  stopAll,
  str,
} from './support/stack.ts';
import { DEMO_SPEC_TIMEOUT_MS, giveReasonAndConfirm, openLiveConsole, roundTripOf, shot } from './support/ui.ts';

const CULPRIT = 'payments.pricing.v2-calculation-engine';

test.afterEach(cleanUpStack);
// Beyond the demo boot and sync: a rollback and a kill with their fleet steps (5 s alert), and a disconnect.
test.describe.configure({ timeout: DEMO_SPEC_TIMEOUT_MS + 90_000 });

async function fleetOf(cp: ControlPlaneProcess): Promise<FleetSnapshot> {
  const res = await api(cp, 'vic', 'GET', '/api/v1/sdk/fleet?environment=production');
  expect(res.status).toBe(200);
  return res.body as FleetSnapshot;
}

async function appliedOf(cp: ControlPlaneProcess, idx: number): Promise<FleetAppliedReport> {
  const res = await api(cp, 'vic', 'GET', `/api/v1/sdk/fleet/applied?environment=production&idx=${idx}`);
  expect(res.status).toBe(200);
  return res.body as FleetAppliedReport;
}

/**
 * The fleet step of the round trip in `scope` once the console stopped asking: k, n, p50 and max from its sentence,
 * and the instances it names as not having applied the entry.
 */
async function fleetStepOf(
  scope: Locator,
): Promise<{ status: string; k: number; n: number; p50: number; max: number; named: string[] }> {
  const step = scope.getByTestId('round-trip-fleet');
  await expect(step).toHaveAttribute('data-status', /^(complete|partial)$/, { timeout: 30_000 });
  const text = (await step.getByTestId('round-trip-fleet-summary').textContent()) ?? '';
  const m = /^Applied by (\d+) of (\d+) SDK instances \(p50 (\d+) ms, max (\d+) ms after the commit\)/.exec(text);
  if (!m) throw new Error(`unexpected fleet step: "${text}"`);
  const ids = await step
    .locator('[data-testid^="round-trip-straggler-"]')
    .evaluateAll((els) => els.map((e) => (e.getAttribute('data-testid') ?? '').replace('round-trip-straggler-', '')));
  return {
    status: (await step.getAttribute('data-status')) ?? '',
    k: Number(m[1]),
    n: Number(m[2]),
    p50: Number(m[3]),
    max: Number(m[4]),
    named: ids.sort(),
  };
}

/** Opens the palette and runs the first command matching `words`. */
async function palette(page: Page, words: string): Promise<void> {
  await page.keyboard.press('Control+k');
  await page.getByTestId('palette-input').fill(words);
  await page.keyboard.press('Enter');
}

test('fleet: the rollback reaches the SDK instances with milliseconds, the straggler is named in the kill round trip and the fleet view, a stopped instance turns disconnected, offline the fleet stays dated', async ({
  browser,
}) => {
  let cp: ControlPlaneProcess | null = null;
  let consoleHost: ConsoleProcess | null = null;
  let probe: TombstoneClient | null = null;
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  try {
    // A stopped instance is disconnected after 4 s here (15 s by default).
    cp = await startDemoControlPlane('5s', ['--fleet-disconnect', '4s']);
    consoleHost = await startConsoleAs(cp, 'riley');
    await openLiveConsole(page, consoleHost.url);
    // The demo history's break-glass line may stay on screen: the fleet's alert line must fit beside it.

    // The demo's services are SDK instances; one checkout instance serves its last-known-good (the straggler).
    let stale: string[] = [];
    await expect
      .poll(
        async () => {
          const f = await fleetOf(cp as ControlPlaneProcess);
          stale = f.instances.filter((i) => i.state === 'last_known_good').map((i) => i.instance_id);
          return f.instances.length > 12 && stale.length > 0;
        },
        { timeout: 30_000, message: 'the demo SDK instances and its straggler are in the fleet' },
      )
      .toBe(true);
    const straggler = stale[0] ?? '';

    const incidentId = await demoIncident(cp);
    await page.getByTestId(`incident-${incidentId}`).click();
    const first = page.getByTestId('candidate-1');
    await expect(first.getByTestId('candidate-flag')).toHaveText(CULPRIT, { timeout: 30_000 });

    // From the incident: the paging service's instances first, live.
    await page.getByTestId('incident-fleet').click();
    const fleet = page.getByTestId('fleet-dialog');
    await expect(fleet.getByTestId('fleet-freshness')).toHaveAttribute('data-live', 'true', { timeout: 20_000 });
    await expect(fleet.getByTestId('fleet-filter')).toHaveValue('payments');
    await expect(fleet.locator('.fleet-service').first()).toHaveAttribute('data-testid', 'fleet-service-payments');
    await expect(fleet.getByTestId('fleet-service-payments').locator('tbody tr')).not.toHaveCount(0);
    await fleet.getByTestId('fleet-filter').selectOption('checkout');
    const row = fleet.getByTestId(`fleet-instance-${straggler}`);
    await expect(row).toHaveAttribute('data-state', 'last_known_good');
    await expect(row.getByTestId('fleet-instance-state')).toHaveText(
      /^on last-known-good for \d+ (s|min) \(since \d\d:\d\d:\d\d UTC\)$/,
    );
    await fleet.getByTestId('fleet-filter').selectOption('');
    await shot(page, 'fleet-view-1280x720'); // docs/screenshot-fleet.png is a copy of this one, refreshed by hand
    // One screen: the dialog scrolls inside itself, the page never does.
    expect(await page.evaluate(() => document.scrollingElement?.scrollHeight ?? 0)).toBeLessThanOrEqual(720);
    await page.keyboard.press('Escape');
    await expect(fleet).toHaveCount(0);

    // Roll back the causal flag: the round trip ends at the SDK instances, with milliseconds.
    await first.getByRole('button', { name: 'Roll back' }).click();
    const dialog = page.getByTestId('rollback-dialog');
    await giveReasonAndConfirm(dialog, 'payments error rate above SLO since the 50% ramp');
    await dialog.getByTestId('rollback-submit').click();
    const trip = await roundTripOf(dialog);
    const rolled = await fleetStepOf(dialog);
    const report = await appliedOf(cp, trip.idx);
    // What the console says is what the control plane reports: the same n, no more applied than it saw.
    expect(rolled.n).toBe(report.n);
    expect(rolled.k).toBeLessThanOrEqual(report.k);
    expect(rolled.max).toBeGreaterThanOrEqual(rolled.p50);
    // Every instance applied it except the ones serving their last-known-good, and those are named.
    const notLive = report.instances.filter((i) => i.stale || i.state === 'disconnected').map((i) => i.instance_id);
    expect(rolled.k).toBe(rolled.n - rolled.named.length);
    expect(rolled.named.every((id) => notLive.includes(id))).toBe(true);
    await dialog.getByTestId('round-trip-fleet').scrollIntoViewIfNeeded();
    await shot(page, 'fleet-rollback-round-trip-1280x720');
    // The SDKs stop serving the 50 % ramp, so the payments error rate falls back under the SLO (3 %).
    const rolledAt = Date.now();
    await expect
      .poll(
        async () => {
          const from = Math.max(rolledAt + 2000, Date.now() - 10_000);
          if (from > Date.now() - 5000) return false; // at least one whole bucket after the rollback
          const res = await api(
            cp as ControlPlaneProcess,
            'vic',
            'GET',
            `/api/v1/metrics?service=payments&from=${from}&to=${Date.now()}&step=5`,
          );
          const points = list(res.body, 'points') as { requests: number; error_rate: number }[];
          const served = points.filter((p) => p.requests > 0);
          return served.length > 0 && served.every((p) => p.error_rate < 0.03);
        },
        { timeout: 40_000, message: 'the payments error rate falls after the rollback' },
      )
      .toBe(true);
    await page.keyboard.press('Escape');

    // Kill it: the straggler cannot apply it; 5 s later the alert line names it and the console notifies.
    await palette(page, 'kill candidate #1');
    const kill = page.getByTestId('kill-dialog');
    await expect(kill.getByTestId('flag-impact').locator('dd').first()).toContainText(CULPRIT);
    await giveReasonAndConfirm(kill, 'the v2 engine still fails for the 10% cohort');
    await kill.getByTestId('kill-submit').click();
    await roundTripOf(kill);
    await expect(kill.getByTestId('round-trip-fleet-alert')).toBeVisible({ timeout: 20_000 });
    const killed = await fleetStepOf(kill);
    expect(killed.named).toContain(straggler);
    expect(killed.k).toBe(killed.n - killed.named.length);
    await expect(kill.getByTestId(`round-trip-straggler-${straggler}`)).toHaveText(
      new RegExp(
        `^${straggler} \\(checkout\\) on host \\S+ — on config version \\d+, serving its last-known-good since \\d\\d:\\d\\d:\\d\\d UTC`,
      ),
    );
    const line = page.getByTestId('fleet-alert-banner');
    await expect(line).toContainText('The kill switch');
    await expect(line).toContainText(straggler);
    const log = readFileSync(join(consoleHost.dataDir, 'logs', 'console.log'), 'utf8');
    expect(log).toMatch(/notification: The kill has not reached \d+ SDK instances?/);
    await kill.getByTestId('round-trip-fleet').scrollIntoViewIfNeeded();
    await shot(page, 'fleet-kill-straggler-1280x720');
    await page.keyboard.press('Escape');
    // The alert line takes its place under the top bar without pushing the screen below the fold.
    expect(
      await page.evaluate(() => ({
        h: document.documentElement.scrollHeight,
        w: document.documentElement.scrollWidth,
      })),
    ).toEqual({ h: 720, w: 1280 });
    await line.getByTestId('fleet-alert-open').click();
    await expect(page.getByTestId('fleet-filter')).toHaveValue('checkout');
    await expect(page.getByTestId(`fleet-instance-${straggler}`)).toHaveAttribute('data-state', 'last_known_good');
    await page.keyboard.press('Escape');

    // An SDK instance joins mid-demo (a real SDK client with its own key), then stops: it turns disconnected.
    const made = await api(cp, 'dana', 'POST', '/api/v1/sdk/keys', { environment: 'production', name: 'e2e-probe' });
    expect(made.status).toBe(201);
    probe = new TombstoneClient({
      url: cp.url,
      sdkKey: str(made.body, 'key'),
      service: 'checkout',
      instanceId: 'checkout-e2e',
      host: 'e2e-host',
      telemetryIntervalMs: 0,
    });
    await probe.ready();
    await palette(page, 'sdk fleet of checkout');
    const probeRow = page.getByTestId('fleet-instance-checkout-e2e');
    await expect(probeRow).toHaveAttribute('data-state', 'current', { timeout: 20_000 });
    await probe.close();
    probe = null;
    await expect(probeRow).toHaveAttribute('data-state', 'disconnected', { timeout: 20_000 });
    await expect(probeRow.getByTestId('fleet-instance-state')).toHaveText(
      /^disconnected for \d+ s \(since \d\d:\d\d:\d\d UTC\)$/,
    );

    // The control plane goes away: the last fleet stays on screen, dated, and is no longer called live.
    await cp.stop();
    const freshness = page.getByTestId('fleet-freshness');
    await expect(freshness).toHaveAttribute('data-live', 'false', { timeout: 20_000 });
    await expect(freshness).toContainText(/Not live As of \d\d:\d\d:\d\d UTC \(\d+ s ago\)/);
    await expect(page.getByTestId(`fleet-instance-${straggler}`)).toHaveAttribute('data-state', 'last_known_good');
  } finally {
    await probe?.close();
    await context.close();
    await stopAll(consoleHost, cp);
  }
});
