/**
 * Break-glass: the kill of a BLOCKED flag routes to break-glass; the responder issues a single-use token, the kill uses
 * it, and the use is announced as a persistent banner in every connected console (here a second one, as blake).
 */
import { expect, test } from '@playwright/test';
import type { ControlPlaneProcess } from './support/processes.ts';
import {
  api,
  cleanUpStack,
  type ConsoleProcess,
  field,
  ledgerEntry,
  list,
  startConsoleAs,
  startDemoControlPlane,
  stopAll,
  str,
} from './support/stack.ts';
import {
  acknowledgeHistory,
  DEMO_SPEC_TIMEOUT_MS,
  giveReasonAndConfirm,
  openLiveConsole,
  recentBreakGlassUses,
  roundTripOf,
  shot,
  VIEWPORT,
} from './support/ui.ts';

test.use({ viewport: VIEWPORT });
test.afterEach(cleanUpStack);

const JUSTIFICATION = 'card payments failing for all EU customers, both approvers asleep';
const KILL_REASON = 'emergency kill during the EU card outage';

/** A BLOCKED flag that is on in production (so a kill changes it), chosen from the live demo catalogue. */
async function blockedFlagOn(cp: ControlPlaneProcess): Promise<string> {
  const flags = list((await api(cp, 'vic', 'GET', '/api/v1/flags')).body, 'flags');
  const hit = flags.find(
    (f) =>
      str(f, 'tier') === 'BLOCKED' &&
      field(f, 'environments', 'production', 'enabled') === true &&
      field(f, 'safe_default', 'enabled') === false,
  );
  if (!hit) throw new Error('the demo has no BLOCKED flag enabled in production');
  return str(hit, 'key');
}

test('break-glass: a BLOCKED kill routes to break-glass, uses the token once, and every console shows the banner', async ({
  browser,
}) => {
  test.setTimeout(DEMO_SPEC_TIMEOUT_MS + 30_000); // two consoles back-fill and verify the ~20k-entry demo ledger side by side
  let cp: ControlPlaneProcess | null = null;
  let riley: ConsoleProcess | null = null;
  let blake: ConsoleProcess | null = null;
  // Two people, two browsers: one context each (browser-mode session cookies are per host, see the report).
  const contexts = await Promise.all([
    browser.newContext({ viewport: VIEWPORT }),
    browser.newContext({ viewport: VIEWPORT }),
  ]);
  try {
    cp = await startDemoControlPlane('1h', ['--no-telemetry']);
    [riley, blake] = await Promise.all([startConsoleAs(cp, 'riley'), startConsoleAs(cp, 'blake')]);
    const [page, other] = await Promise.all(contexts.map((c) => c.newPage()));
    if (!page || !other) throw new Error('no page');
    await Promise.all([openLiveConsole(page, riley.url), openLiveConsole(other, blake.url)]);
    await expect(other.getByTestId('identity')).toHaveText('blake · approver');
    const history = await recentBreakGlassUses(cp);
    await acknowledgeHistory(page, history);
    await acknowledgeHistory(other, history);
    const flag = await blockedFlagOn(cp);

    // Kill switch from the keyboard, type-ahead search for the flag.
    await page.getByTestId('main-screen').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('k');
    const kill = page.getByTestId('kill-dialog');
    await kill.getByTestId('flag-search').fill(flag);
    await expect(kill.getByRole('option').first()).toContainText(flag);
    await kill.getByTestId('flag-search').press('Enter');
    await expect(kill.getByTestId('flag-impact').locator('dd').first()).toContainText(flag);
    await expect(kill.getByTestId('flag-tier')).toHaveText('BLOCKED');
    await expect(kill.getByTestId('flag-current')).toHaveText(/^on · \d+ %/);
    await expect(kill.getByTestId('flag-safe-default')).toHaveText('off · 0 %');
    await expect(kill.getByTestId('blast-radius')).toContainText('Environments: production:');
    await giveReasonAndConfirm(kill, KILL_REASON);
    await expect(kill.getByTestId('kill-submit')).toBeDisabled(); // four-eyes: no direct kill of a BLOCKED flag
    const routes = kill.getByTestId('blocked-routes');
    await expect(routes).toContainText(
      `${flag} is BLOCKED tier: a direct change needs four-eyes approval (two other approvers).`,
    );
    await expect(routes.getByTestId('route-change-request')).toBeEnabled();
    await shot(page, 'break-glass-blocked-routes');
    await routes.getByTestId('route-break-glass').click();

    const bg = page.getByTestId('break-glass-dialog');
    await expect(bg.getByLabel('Flags in scope')).toHaveValue(flag);
    await expect(bg.getByLabel('Environments in scope')).toHaveValue('production');
    await expect(bg.getByTestId('break-glass-warning')).toContainText(
      'Every connected console and the on-call lead will be notified',
    );
    await giveReasonAndConfirm(bg, 'too short for a justification');
    await bg.locator('.reason-confirm textarea').fill('approvers asleep');
    await expect(bg.getByTestId('break-glass-submit')).toBeDisabled(); // under 20 characters
    await bg.locator('.reason-confirm textarea').fill(JUSTIFICATION);
    await expect(bg.getByTestId('break-glass-submit')).toBeEnabled();
    await shot(page, 'break-glass-dialog');
    await bg.getByTestId('break-glass-submit').click();

    // Back in the kill dialog with the token held in memory; the reason draft came back with it.
    await expect(bg).toHaveCount(0);
    await expect(kill.locator('.reason-confirm textarea')).toHaveValue(KILL_REASON);
    await expect(kill).toContainText('A break-glass token covers this flag; the kill will use it');
    await kill.locator('.reason-confirm input[type="checkbox"]').check();
    const submit = kill.getByTestId('kill-submit');
    await expect(submit).toHaveText('Kill with break-glass token');
    await submit.click();
    const trip = await roundTripOf(kill);

    const used = await ledgerEntry(cp, trip.idx);
    expect(used).toMatchObject({
      action: 'break_glass.used',
      flag,
      env: 'production',
      actor: { type: 'user', id: 'riley' },
      reason: KILL_REASON,
      refs: { operation: 'flag.killed' },
      after: { enabled: false, rollout_pct: 0 },
    });
    const tokenId = str(used, 'refs', 'break_glass_token');
    const issued = list((await api(cp, 'vic', 'GET', '/api/v1/break-glass/tokens')).body, 'tokens').find(
      (t) => str(t, 'token_id') === tokenId,
    );
    expect(issued).toMatchObject({
      issued_by: 'riley',
      justification: JUSTIFICATION,
      scope: { flags: [flag], envs: ['production'] },
    });
    expect(field(issued, 'used_idx')).toBe(trip.idx);

    // Announced everywhere, and persistent: one compact line names the use until the person at that console
    // acknowledges it; the acknowledgement is kept per person in main, so a reload does not bring it back.
    const line = new RegExp(
      `^Break-glass used · latest: riley at \\d\\d:\\d\\d:\\d\\d UTC on ${flag.replaceAll('.', '\\.')} in production — “${KILL_REASON}” \\(ledger #${trip.idx}\\)$`,
    );
    for (const p of [page, other]) {
      const summary = p.getByTestId('break-glass-summary');
      await expect(summary).toHaveAttribute('role', 'alert');
      await expect(summary).toHaveText(line);
    }
    // After the kill completed, focus is still inside the dialog (not dropped to the page body), Esc closes it and
    // the keyboard keeps working (Ctrl+K opens the palette).
    expect(await kill.evaluate((d) => d.contains(document.activeElement))).toBe(true);
    await page.keyboard.press('Escape');
    await expect(kill).toHaveCount(0);
    expect(await page.evaluate(() => document.activeElement === document.body)).toBe(false);
    await page.keyboard.press('Control+k');
    await expect(page.getByTestId('command-palette')).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('command-palette')).toHaveCount(0);
    await shot(page, 'break-glass-banner-riley');
    await shot(other, 'break-glass-banner-second-console');
    await other.reload();
    await expect(other.getByTestId('break-glass-summary')).toHaveText(line);
    await other.getByTestId('break-glass-toggle').click();
    await other.getByRole('button', { name: `Acknowledge break-glass use #${trip.idx}` }).click();
    await expect(other.getByTestId('break-glass-banner')).toHaveCount(0);
    const reloaded = other.waitForResponse((r) => r.url().endsWith('/api/ipc/breakGlass:recent'));
    await other.reload();
    expect((await (await reloaded).json()) as unknown).toMatchObject({
      ok: true,
      value: expect.arrayContaining([expect.objectContaining({ idx: trip.idx, acknowledgedBy: 'blake' })]) as unknown,
    });
    await expect(other.getByTestId('main-screen')).toBeVisible();
    await expect(other.getByTestId('break-glass-banner')).toHaveCount(0); // blake's acknowledgement is kept in main
    await expect(page.getByTestId('break-glass-banner')).toHaveCount(1); // acknowledged per person, not for everyone
  } finally {
    await Promise.all(contexts.map((c) => c.close()));
    await stopAll(riley, blake, cp);
  }
});
