/** Page-level helpers shared by the browser-mode specs: open a console, wait for live sync, save screenshots. */
import { expect, type Locator, type Page } from '@playwright/test';
import { ROOT, type ControlPlaneProcess } from './processes.ts';
import { ledgerEntries } from './stack.ts';

/** The viewport of every e2e page (also the size of docs/screenshot-main.png). */
export const VIEWPORT = { width: 1440, height: 900 } as const;

/**
 * Cap of a spec that boots the demo control plane and syncs a console: ~25–50 s on an idle 2-core machine, but the
 * playwright.config.ts default (60 s) leaves no slack when the other worker and other jobs share the cores.
 */
export const DEMO_SPEC_TIMEOUT_MS = 90_000;

/** Time allowed for a fresh console to back-fill and verify the ~20k-entry demo ledger on a busy 2-core machine. */
export const SYNC_TIMEOUT_MS = 45_000;

/** Opens the console page and waits until ledger sync is live and the triage screen is up. */
export async function openLiveConsole(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await expect(page.getByTestId('connection-state')).toHaveText(/^Live( · \d+ ms)?$/, { timeout: SYNC_TIMEOUT_MS });
  await expect(page.getByTestId('main-screen')).toBeVisible({ timeout: SYNC_TIMEOUT_MS });
  await expect(page.getByTestId('verification-badge')).toHaveAttribute('data-state', 'verified');
}

/** Saves a screenshot of the current state under e2e/screenshots/ (git-ignored). */
export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${ROOT}e2e/screenshots/${name}.png` });
}

/** Fills the reason textarea of a destructive dialog and ticks its confirmation box. */
export async function giveReasonAndConfirm(dialog: Locator, reason: string): Promise<void> {
  await dialog.locator('.reason-confirm textarea').fill(reason);
  await dialog.locator('.reason-confirm input[type="checkbox"]').check();
}

/** The ledger index and milliseconds of a completed round trip (`round-trip-applied` / `round-trip-verified`). */
export async function roundTripOf(scope: Locator): Promise<{ idx: number; appliedMs: number; verifiedMs: number }> {
  const trip = scope.getByTestId('round-trip');
  await expect(trip).toHaveAttribute('data-status', 'verified', { timeout: 30_000 });
  const applied = (await trip.getByTestId('round-trip-applied').textContent()) ?? '';
  const verified = (await trip.getByTestId('round-trip-verified').textContent()) ?? '';
  const a = /^Applied by the control plane as ledger entry #(\d+) \((\d+) ms\)$/.exec(applied);
  const v = /^Arrived verified in this replica \((\d+) ms after sending\)$/.exec(verified);
  if (!a || !v) throw new Error(`unexpected round trip texts: "${applied}" / "${verified}"`);
  return { idx: Number(a[1]), appliedMs: Number(a[2]), verifiedMs: Number(v[1]) };
}

/** How many break-glass uses of the last 24 hours the ledger holds (a console lists them until acknowledged there). */
export async function recentBreakGlassUses(cp: ControlPlaneProcess): Promise<number> {
  const since = Date.now() - 24 * 3600_000;
  return (await ledgerEntries(cp, 0)).filter(
    (e) => e['action'] === 'break_glass.used' && Date.parse(String(e['ts'])) >= since,
  ).length;
}

/** Acknowledges the `n` earlier break-glass uses of the demo history in one console, so only new ones show. */
export async function acknowledgeHistory(page: Page, n: number): Promise<void> {
  const line = page.getByTestId('break-glass-banner');
  if (n === 0) return;
  await line.getByTestId('break-glass-toggle').click();
  if (n > 1) await line.getByRole('button', { name: `Acknowledge all ${n}` }).click();
  if (n === 1) await line.getByRole('button', { name: /^Acknowledge break-glass use #\d+$/ }).click();
  await expect(line).toHaveCount(0);
}
