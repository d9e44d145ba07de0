/**
 * Incident first, at 1280×720 and 1440×900: the console opens on the live incident (never a resolved one), a new
 * incident takes the screen — or waits behind a keyboard-reachable jump bar while the responder is busy — the page
 * never scrolls with the incident list, candidates, timeline and approvals count in view, and break-glass uses sit
 * on one line whose acknowledgements are kept per person across a reload.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import type { ControlPlaneProcess } from './support/processes.ts';
import {
  cleanUpStack,
  type ConsoleProcess,
  demoIncident,
  openIncident,
  startConsoleAs,
  startDemoControlPlane,
  stopAll,
} from './support/stack.ts';
import { DEMO_SPEC_TIMEOUT_MS, openLiveConsole, recentBreakGlassUses, shot } from './support/ui.ts';

const SIZES = [
  { width: 1280, height: 720 },
  { width: 1440, height: 900 },
] as const;

test.afterEach(cleanUpStack);
test.describe.configure({ timeout: DEMO_SPEC_TIMEOUT_MS + 30_000 });

/** Asserts that `el` lies entirely inside the viewport. */
async function inViewport(page: Page, el: Locator, what: string): Promise<void> {
  const box = await el.boundingBox();
  const vp = page.viewportSize();
  expect(box, `${what} is rendered`).not.toBeNull();
  if (!box || !vp) return;
  expect(box.y, `${what} top`).toBeGreaterThanOrEqual(0);
  expect(box.x, `${what} left`).toBeGreaterThanOrEqual(0);
  expect(box.y + box.height, `${what} bottom (viewport ${vp.height})`).toBeLessThanOrEqual(vp.height);
  expect(box.x + box.width, `${what} right (viewport ${vp.width})`).toBeLessThanOrEqual(vp.width);
}

/** The page itself does not scroll: the document is exactly as tall and wide as the window. */
async function pageDoesNotScroll(page: Page): Promise<void> {
  const size = await page.evaluate(() => ({
    scrollHeight: document.documentElement.scrollHeight,
    scrollWidth: document.documentElement.scrollWidth,
    innerHeight: window.innerHeight,
    innerWidth: window.innerWidth,
    // What sticks out, for the failure message: elements whose box ends below the window while their parent's does not.
    culprits: [...document.querySelectorAll('body *')]
      .filter((el) => {
        if (el.getBoundingClientRect().bottom <= window.innerHeight + 1) return false;
        const pos = getComputedStyle(el).position;
        if (pos === 'absolute' || pos === 'fixed') return true;
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement)
          if (getComputedStyle(a).overflowY !== 'visible') return false;
        return true;
      })
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}.${String(el.className)}#${el.id} ${el.getBoundingClientRect().bottom}`),
  }));
  if (size.scrollHeight > size.innerHeight) console.log(size.culprits);
  expect(size.scrollHeight).toBeLessThanOrEqual(size.innerHeight);
  expect(size.scrollWidth).toBeLessThanOrEqual(size.innerWidth);
}

for (const size of SIZES) {
  const tag = `${size.width}x${size.height}`;
  test(`incident first at ${tag}: the live incident takes the screen, the jump bar waits while busy, nothing below the fold`, async ({
    browser,
  }) => {
    let cp: ControlPlaneProcess | null = null;
    let riley: ConsoleProcess | null = null;
    const context = await browser.newContext({ viewport: size });
    try {
      cp = await startDemoControlPlane('5s');
      riley = await startConsoleAs(cp, 'riley');
      const page = await context.newPage();
      const demoId = await demoIncident(cp);
      await openLiveConsole(page, riley.url);

      // Default selection: the most severe active incident (the demo's critical payments incident), never a resolved one.
      const demo = page.getByTestId(`incident-${demoId}`);
      await expect(demo).toHaveAttribute('aria-current', 'true');
      await expect(page.getByTestId('candidates-title')).toContainText('payments: error rate');
      await expect(page.locator('.incident-resolved[aria-current="true"]')).toHaveCount(0);
      // The resolved history is closed (and so out of the tab order) until opened.
      await expect(page.locator('details.resolved')).not.toHaveAttribute('open', '');
      await expect(page).toHaveTitle(/^\(\d+\) CRITICAL payments: error rate/);

      // Break-glass uses of the demo history: one compact line, not a banner that pushes the incident down.
      const history = await recentBreakGlassUses(cp);
      const line = page.getByTestId('break-glass-banner');
      if (history > 0) {
        const box = await line.boundingBox();
        expect(box?.height ?? 0).toBeLessThanOrEqual(40);
        await expect(page.getByTestId('break-glass-summary')).toContainText(
          history > 1 ? `· ${history} unacknowledged · latest:` : 'Break-glass used · latest:',
        );
      }

      // Nothing important below the fold; panels scroll inside themselves.
      await expect(page.getByTestId('candidate-1')).toBeVisible({ timeout: 30_000 });
      await expect(page.locator('#timeline .chart')).toBeVisible({ timeout: 30_000 });
      await shot(page, `incident-first-${tag}-live`);
      await pageDoesNotScroll(page);
      await inViewport(page, page.getByTestId('incidents'), 'incident list');
      await inViewport(page, demo, 'the selected incident in the list');
      await inViewport(page, page.getByTestId('candidates'), 'candidates panel');
      await inViewport(page, page.getByTestId('candidate-1').locator('header'), 'candidate #1');
      await inViewport(page, page.locator('#timeline .chart'), 'timeline chart');
      await inViewport(page, page.getByTestId('approvals-title'), 'approvals count');
      await expect(page.getByTestId('approvals-title')).toHaveText(/^Approvals · \d+ pending$/);

      // The break-glass list opens over the screen; acknowledging is kept per person (survives a reload).
      if (history > 0) {
        await page.getByTestId('break-glass-toggle').click();
        await shot(page, `incident-first-${tag}-break-glass-list`);
        if (history > 1) await line.getByRole('button', { name: `Acknowledge all ${history}` }).click();
        else await line.getByRole('button', { name: /^Acknowledge break-glass use #\d+$/ }).click();
        await expect(line).toHaveCount(0);
        const reloaded = page.waitForResponse((r) => r.url().endsWith('/api/ipc/breakGlass:recent'));
        await page.reload();
        const answer = (await (await reloaded).json()) as { ok: boolean; value: { acknowledgedBy: string | null }[] };
        expect(answer.ok).toBe(true);
        expect(answer.value.length).toBe(history);
        expect(answer.value.map((u) => u.acknowledgedBy)).toEqual(Array<string>(history).fill('riley'));
        await expect(page.getByTestId('main-screen')).toBeVisible();
        await expect(line).toHaveCount(0);
      }

      // A new critical incident while the responder is idle takes the screen, and is announced.
      const first = await openIncident(cp, 'checkout', 'checkout: card authorisations failing');
      await expect(page.getByTestId(`incident-${first}`)).toHaveAttribute('aria-current', 'true', { timeout: 20_000 });
      await expect(page.getByTestId('candidates-title')).toContainText('checkout: card authorisations failing');
      await expect(page.getByTestId('incident-live-region')).toHaveText(
        'New critical incident — checkout: card authorisations failing',
      );
      await expect(page).toHaveTitle(/^\(\d+\) CRITICAL checkout: card authorisations failing — Tombstone Console$/);
      await expect(page.getByTestId('jump-bar')).toHaveCount(0);
      await shot(page, `incident-first-${tag}-taken-over`);

      // Busy (a dialog open, typing in it): the next one waits behind the jump bar instead.
      await page.keyboard.press('i');
      const dialog = page.getByTestId('manual-incident-dialog');
      await expect(dialog).toBeVisible();
      await dialog.locator('#manual-service').fill('paym');
      const second = await openIncident(cp, 'search', 'search: query latency above 2 s');
      const bar = page.getByTestId('jump-bar');
      await expect(bar).toBeVisible({ timeout: 20_000 });
      await expect(bar).toContainText('New critical incident');
      await expect(bar).toContainText('search: query latency above 2 s');
      await expect(page.getByTestId(`incident-${first}`)).toHaveAttribute('aria-current', 'true');
      await expect(dialog).toBeVisible(); // what the responder was doing is left alone
      await shot(page, `incident-first-${tag}-jump-bar`);
      await page.keyboard.press('Escape');
      await expect(dialog).toHaveCount(0);
      await inViewport(page, bar, 'jump bar');
      await pageDoesNotScroll(page);
      await page.keyboard.press('j');
      await expect(page.getByTestId(`incident-${second}`)).toHaveAttribute('aria-current', 'true');
      await expect(bar).toHaveCount(0);
      await expect(page.getByTestId('candidates-title')).toContainText('search: query latency above 2 s');

      // Refused inputs: a time in the future, a misspelled service (the known one is offered).
      await page.keyboard.press('i');
      await expect(dialog).toBeVisible();
      await dialog.locator('#manual-at').fill('2030-01-01T00:00:00');
      await expect(dialog.getByTestId('error-line')).toContainText('E_TIME_IN_FUTURE');
      await expect(dialog.getByTestId('error-line')).toContainText('is in the future');
      await expect(dialog.getByTestId('manual-submit')).toBeDisabled();
      await dialog.locator('#manual-at').fill('2026-01-01T00:00:00');
      await dialog.locator('#manual-service').fill('paymnts');
      await expect(dialog.getByTestId('service-unknown')).toContainText(
        '“paymnts” is not a service this replica knows',
      );
      await expect(dialog.getByTestId('manual-submit')).toBeDisabled();
      await shot(page, `incident-first-${tag}-refused-input`);
      await dialog.getByTestId('service-suggestion-payments').click();
      await expect(dialog.locator('#manual-service')).toHaveValue('payments');
      await expect(dialog.getByTestId('manual-submit')).toBeEnabled();
      await page.keyboard.press('Escape');
      await expect(dialog).toHaveCount(0);
    } finally {
      await context.close();
      await stopAll(riley, cp);
    }
  });
}
