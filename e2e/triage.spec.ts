/**
 * Triage of the demo incident end to end: the PagerDuty incident fires on `payments`, the ramped pricing flag is
 * candidate #1, the responder rolls it back from its card, the round trip completes and the chart marks the rollback.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import type { ControlPlaneProcess } from './support/processes.ts';
import {
  api,
  cleanUpStack,
  type ConsoleProcess,
  demoIncident,
  ledgerEntry,
  startConsoleAs,
  startDemoControlPlane,
  stopAll,
} from './support/stack.ts';
import {
  acknowledgeHistory,
  DEMO_SPEC_TIMEOUT_MS,
  giveReasonAndConfirm,
  openLiveConsole,
  recentBreakGlassUses,
  roundTripOf,
  shot as saveShot,
  VIEWPORT,
} from './support/ui.ts';

const CULPRIT = 'payments.pricing.v2-calculation-engine';
const BREAKER_TARGET = 'checkout.payments.express-pay';

const SIZES = [{ width: 1280, height: 720 }, VIEWPORT] as const;

test.afterEach(cleanUpStack);
// Beyond the demo boot and sync: a rollback round trip, then acknowledging and resolving the incident.
test.describe.configure({ timeout: DEMO_SPEC_TIMEOUT_MS + 45_000 });

/**
 * The chart marker of ledger entry `idx`: drawn alone, or — when it sits too close to others — inside a numbered group
 * that the keyboard opens (focus it, Enter) into a list of its changes.
 */
async function revealMarker(page: Page, idx: number): Promise<Locator> {
  const marker = page.getByTestId(`marker-${idx}`);
  await expect(
    page.locator(`[data-testid="marker-${idx}"], [data-testid="marker-group"][data-members~="${idx}"]`).first(),
  ).toBeAttached({ timeout: 20_000 });
  if ((await marker.count()) === 0) {
    await page.locator(`[data-testid="marker-group"][data-members~="${idx}"]`).focus();
    await page.keyboard.press('Enter');
  }
  await expect(marker).toBeVisible();
  return marker;
}

for (const size of SIZES) {
  const tag = `${size.width}x${size.height}`;
  test(`triage at ${tag}: the ramped payments flag is candidate #1; rolling it back completes the round trip, the card and dialog say so, the incident is acknowledged and resolved`, async ({
    browser,
  }) => {
    let cp: ControlPlaneProcess | null = null;
    let consoleHost: ConsoleProcess | null = null;
    const context = await browser.newContext({ viewport: size });
    const page = await context.newPage();
    const shot = (p: typeof page, name: string) => saveShot(p, size.width === VIEWPORT.width ? name : `${name}-${tag}`);
    try {
      cp = await startDemoControlPlane('5s');
      consoleHost = await startConsoleAs(cp, 'riley');
      await openLiveConsole(page, consoleHost.url);
      await expect(page.getByTestId('identity')).toHaveText('riley · responder');
      await acknowledgeHistory(page, await recentBreakGlassUses(cp)); // the demo history's earlier break-glass uses

      const incidentId = await demoIncident(cp);
      const incident = page.getByTestId(`incident-${incidentId}`);
      await expect(incident).toContainText(/^payments: error rate \d+\.\d% above the 3% SLO/);
      await expect(incident).toContainText('PagerDuty');
      await expect(incident).toContainText('critical');
      // The breaker usually trips on express pay before the monitor fires; selecting again re-ranks if it came later.
      const context = page.getByTestId('auto-rollbacks');
      await expect(async () => {
        await incident.click();
        await expect(context).toContainText(`system:evaluator rolled back ${BREAKER_TARGET} in production`, {
          timeout: 3000,
        });
      }).toPass({ timeout: 30_000 });
      await expect(incident).toHaveAttribute('aria-current', 'true');

      const first = page.getByTestId('candidate-1');
      await expect(first.getByTestId('candidate-flag')).toHaveText(CULPRIT);
      await expect(first).toContainText('maria.chen changed it');
      await expect(first.locator('.value-before')).toHaveText('on · 10 % · variation on');
      await expect(first.locator('.value-after')).toHaveText('on · 50 % · variation on');
      await expect(first.getByTestId('badge-verified')).toBeVisible();
      await expect(first.getByTestId('badge-scheduled')).toHaveCount(0);
      await expect(first.getByTestId('badge-after-alert')).toHaveCount(0);
      const culpritIdx = Number(/ledger #(\d+)/.exec((await first.textContent()) ?? '')?.[1]);
      const rampEntry = await ledgerEntry(cp, culpritIdx);
      expect(rampEntry).toMatchObject({
        action: 'flag.updated',
        flag: CULPRIT,
        env: 'production',
        actor: { type: 'user', id: 'maria.chen' },
        after: { rollout_pct: 50 },
      });
      // The circuit breaker's own response on express pay is listed as context (above), never as a candidate.
      await expect(
        page.locator('[data-testid^="candidate-"] [data-testid="candidate-flag"]').filter({ hasText: BREAKER_TARGET }),
      ).toHaveCount(0);
      // Every change is reachable on the chart: alone, or inside a numbered group opened from the keyboard.
      const breakerIdx = Number(/· #(\d+)/.exec((await context.textContent()) ?? '')?.[1]);
      await expect(await revealMarker(page, breakerIdx)).toHaveAttribute('data-kind', 'auto-rollback');
      const culpritMarker = await revealMarker(page, culpritIdx);
      await expect(culpritMarker).toHaveAttribute('data-kind', 'change');
      await expect(culpritMarker).toHaveAttribute('data-candidate', '1'); // the candidate's own change, marked apart
      await culpritMarker.hover();
      await expect(page.getByTestId('marker-hover')).toContainText(`#${culpritIdx}`);
      await expect(page.getByTestId('marker-hover')).toContainText('(candidate #1)');
      await shot(page, 'triage-chart-markers');
      await shot(page, 'triage-candidates'); // docs/screenshot-main.png is a copy of this one, refreshed by hand

      const rollbackButton = first.getByRole('button', { name: 'Roll back' });
      await rollbackButton.click();
      const dialog = page.getByTestId('rollback-dialog');
      await expect(dialog.getByRole('heading', { level: 2 })).toHaveText(`Roll back change #${culpritIdx}`);
      await expect(dialog.getByTestId('rollback-restores')).toHaveText('on · 10 % · variation on');
      await expect(dialog.getByTestId('flag-tier')).toHaveText('MEDIUM');
      const submit = dialog.getByTestId('rollback-submit');
      await dialog.locator('.reason-confirm textarea').fill('too short');
      await expect(submit).toBeDisabled();
      await expect(dialog.getByTestId('reason-hint')).toHaveText(
        '2 more characters needed (at least 10; spaces and invisible characters do not count).',
      );
      await giveReasonAndConfirm(dialog, 'payments error rate above SLO since the 50% ramp');
      await expect(submit).toBeEnabled();
      await submit.click();
      const trip = await roundTripOf(dialog);
      expect(trip.appliedMs).toBeGreaterThanOrEqual(0);
      expect(trip.verifiedMs).toBeGreaterThanOrEqual(trip.appliedMs);
      await shot(page, 'triage-rollback-round-trip');

      const rolledBack = await ledgerEntry(cp, trip.idx);
      expect(rolledBack).toMatchObject({
        action: 'flag.rolled_back',
        flag: CULPRIT,
        env: 'production',
        actor: { type: 'user', id: 'riley' },
        reason: 'payments error rate above SLO since the 50% ramp',
        refs: { rollback_of: String(culpritIdx) },
        after: { enabled: true, rollout_pct: 10 },
      });
      const flag = (await api(cp, 'vic', 'GET', `/api/v1/flags/${CULPRIT}`)).body;
      expect(flag).toMatchObject({ environments: { production: { enabled: true, rollout_pct: 10 } } });

      await expect(dialog.locator('.round-trip li').first()).toHaveText(/^Sent the rollback at \d\d:\d\d:\d\d UTC$/);
      // The dialog shows the state now, not the state it opened with.
      await expect(dialog.getByTestId('flag-current')).toHaveText('on · 10 % · variation on');
      await expect(dialog.getByTestId('rollback-moved')).toHaveCount(0);
      // Esc closes the dialog after the action; focus returns to where the responder was, and Ctrl+K still works.
      await page.keyboard.press('Escape');
      await expect(dialog).toHaveCount(0);
      const focused = await page.evaluate(() => document.activeElement?.tagName ?? '');
      expect(focused).not.toBe('BODY');
      await page.keyboard.press('Control+k');
      await expect(page.getByTestId('command-palette')).toBeVisible();
      await page.keyboard.press('Escape');
      await expect(page.getByTestId('command-palette')).toHaveCount(0);
      // The card says what happened instead of offering the same rollback again.
      await expect(first.getByTestId('candidate-outcome')).toHaveText(
        new RegExp(`^Rolled back by you at \\d\\d:\\d\\d:\\d\\d UTC \\(#${trip.idx}\\)$`),
      );
      await expect(first.getByRole('button', { name: 'Roll back' })).toHaveCount(0);
      await shot(page, 'triage-card-rolled-back');
      const marker = await revealMarker(page, trip.idx);
      await expect(marker).toHaveAttribute('data-kind', 'rollback');
      await page.mouse.move(0, 0); // the pointer left on another marker would keep showing that one
      await marker.focus(); // focus shows the same who/what/when as hover
      await expect(page.getByTestId('marker-hover')).toContainText(`#${trip.idx}`);
      await expect(page.getByTestId('marker-hover')).toContainText(`riley · flag.rolled_back ${CULPRIT} in production`);
      await shot(page, 'triage-chart-rollback-marker');

      // Acknowledge, then resolve the incident from the console: each is a ledger entry written by the control plane.
      const head = page.getByTestId('incident-head');
      await head.getByTestId('incident-acknowledge').click();
      await expect(head.getByTestId('incident-action-status')).toHaveText(/^Acknowledged by you \(ledger #\d+\)$/, {
        timeout: 20_000,
      });
      await expect(head.getByTestId('incident-status')).toHaveText('acknowledged', { timeout: 20_000 });
      const ackIdx = Number(/#(\d+)/.exec((await head.getByTestId('incident-action-status').textContent()) ?? '')?.[1]);
      expect(await ledgerEntry(cp, ackIdx)).toMatchObject({
        action: 'incident.acknowledged',
        actor: { type: 'user', id: 'riley' },
        refs: { incident: incidentId },
      });
      await head.getByTestId('incident-resolve').click();
      await expect(head.getByTestId('incident-action-status')).toHaveText(/^Resolved by you \(ledger #\d+\)$/, {
        timeout: 20_000,
      });
      await expect(head.getByTestId('incident-status')).toHaveText('resolved', { timeout: 20_000 });
      const resolvedIdx = Number(
        /#(\d+)/.exec((await head.getByTestId('incident-action-status').textContent()) ?? '')?.[1],
      );
      expect(await ledgerEntry(cp, resolvedIdx)).toMatchObject({
        action: 'incident.resolved',
        refs: { incident: incidentId },
      });
      expect((await api(cp, 'vic', 'GET', `/api/v1/incidents/${incidentId}`)).body).toMatchObject({
        status: 'resolved',
      });
      await shot(page, 'triage-incident-resolved');
    } finally {
      await context.close();
      await stopAll(consoleHost, cp);
    }
  });
}
