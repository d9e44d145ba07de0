/**
 * A 1,000,000-entry replica at launch: the console serves its screen after the cheap launch check while the deep
 * re-verification runs in the background ("verifying n / 1,000,000" in the badge, "verification in progress" on
 * candidates and entries), then shows it verified. The same replica edited in the middle (below the previous
 * checkpoint, so only the deep check can see it) is served too, and ends red with the index, sync halted, without any
 * candidate ever having been shown as verified.
 *
 * The replica is the `bench:ui` one (scripts/bench-ui/replica-cache.ts): built once (about a minute) and cached in the
 * temp dir for later runs; each test copies it into a fresh data dir whose profile points at a dead loopback port.
 */
import { expect, test, type Page } from '@playwright/test';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { startProcess, type Started } from './support/processes.ts';
import { cleanUpStack, freshDir } from './support/stack.ts';
import { shot, VIEWPORT } from './support/ui.ts';
import { cachedReplica, consoleDataDir, deadUrl } from '../scripts/bench-ui/replica-cache.ts';

const N = 1_000_000;
const TAMPERED_IDX = 500_000;
/** Bounds: the background check (seconds on a quiet machine, more when others share the cores). */
const DEEP_TIMEOUT_MS = 90_000;

test.use({ viewport: VIEWPORT });
test.describe.configure({ mode: 'serial', timeout: 180_000 });
test.afterEach(cleanUpStack);

let replica = '';
test.beforeAll(async () => {
  test.setTimeout(600_000);
  replica = (await cachedReplica(N, 30, (line) => process.stderr.write(`${line}\n`))).file;
});

/** A console over a copy of the 1M replica (edited first by `edit`, if given), offline. */
async function startLargeConsole(edit?: (db: Database.Database) => void): Promise<Started & { url: string }> {
  const dataDir = join(freshDir('large'), 'data');
  const path = consoleDataDir(dataDir, replica, await deadUrl());
  if (edit) {
    const db = new Database(path);
    try {
      for (const name of db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'entries'")
        .pluck()
        .all())
        db.exec(`DROP TRIGGER "${String(name)}"`);
      edit(db);
    } finally {
      db.close();
    }
  }
  const started = await startProcess(
    ['main/cli/index.ts', 'serve', '--port', '0', '--data', dataDir],
    /console \(browser mode\) at (\S+)/,
    60_000,
  );
  return { ...started, url: started.match[1] ?? '' };
}

/** Records, from the first paint, every state of the badge and whether a candidate ever said verified. */
async function recordBadge(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as {
      __badge: { state: string; text: string; screen: boolean }[];
      __candidates: { verified: number; verifying: number; shown: number };
    };
    w.__badge = [];
    w.__candidates = { verified: 0, verifying: 0, shown: 0 };
    let last = '';
    new MutationObserver(() => {
      const b = document.querySelector('[data-testid="verification-badge"]');
      if (b !== null) {
        const state = b.getAttribute('data-state') ?? '';
        const text = b.textContent ?? '';
        if (`${state}|${text}` !== last) {
          last = `${state}|${text}`;
          w.__badge.push({ state, text, screen: document.querySelector('[data-testid="main-screen"]') !== null });
        }
      }
      if (document.querySelector('[data-testid="candidate-1"]') !== null) w.__candidates.shown++;
      if (document.querySelector('[data-testid="badge-verified"]') !== null) w.__candidates.verified++;
      if (document.querySelector('[data-testid="badge-verifying"]') !== null) w.__candidates.verifying++;
    }).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  });
}

const recorded = (page: Page) =>
  page.evaluate(() => {
    const w = window as unknown as {
      __badge: { state: string; text: string; screen: boolean }[];
      __candidates: { verified: number; verifying: number; shown: number };
    };
    return { badge: w.__badge, candidates: w.__candidates };
  });

test('launch check: a 1M-entry replica serves its screen while the deep check runs, then shows it verified', async ({
  page,
}) => {
  const host = await startLargeConsole();
  try {
    await recordBadge(page);
    await page.goto(host.url);
    await expect(page.getByTestId('main-screen')).toBeVisible();
    const badge = page.getByTestId('verification-badge');
    // No control plane runs here (the console is offline), so the finished badge says "verified N as of <time>"
    // (stale); with one it says "✓ verified N". Either way it follows the deep check, never precedes it.
    await expect(badge).toHaveAttribute('data-state', /^(verified|stale)$/, { timeout: DEEP_TIMEOUT_MS });
    await expect(badge).toContainText('verified 1,000,000');
    const { badge: states } = await recorded(page);
    const verifying = states.filter((s) => s.state === 'verifying');
    // The screen was served while the badge said so, with the progress counting up to the verified size.
    expect(verifying.some((s) => s.screen)).toBe(true);
    for (const s of verifying) expect(s.text).toMatch(/^verifying [\d,]+ \/ 1,000,000$/);
    expect(states.findIndex((s) => s.state === 'verifying')).toBeLessThan(
      states.findIndex((s) => s.state === 'verified' || s.state === 'stale'),
    );
    expect(states.some((s) => s.state === 'alert')).toBe(false);
    await shot(page, 'launch-check-verified');
  } finally {
    await host.stop();
  }
});

test('launch check: a 1M-entry replica edited in the middle is served, then ends red with the index; no candidate was ever verified', async ({
  page,
}) => {
  const host = await startLargeConsole((db) =>
    db
      .prepare(
        `UPDATE entries SET leaf = CAST(replace(CAST(leaf AS TEXT), '"reason":"bench"', '"reason":"bencH"') AS BLOB) WHERE idx = ?`,
      )
      .run(TAMPERED_IDX),
  );
  try {
    await recordBadge(page);
    await page.goto(host.url);
    await expect(page.getByTestId('main-screen')).toBeVisible();
    const badge = page.getByTestId('verification-badge');
    await expect(badge).toHaveAttribute('data-state', 'alert', { timeout: DEEP_TIMEOUT_MS });
    await expect(badge).toHaveText(`ALERT LEAF_HASH_MISMATCH at entry #${TAMPERED_IDX}`);
    await expect(page.getByTestId('connection-state')).toHaveText('Sync halted · LEAF_HASH_MISMATCH');
    await expect(page.getByTestId('candidate-1')).toBeVisible({ timeout: DEEP_TIMEOUT_MS });
    await expect(page.getByTestId('candidate-1').getByTestId('badge-unverified')).toBeVisible();
    const { badge: states, candidates } = await recorded(page);
    expect(states.some((s) => s.state === 'verifying' && s.screen)).toBe(true);
    expect(states.some((s) => s.state === 'verified' || s.state === 'stale')).toBe(false);
    expect(candidates.shown).toBeGreaterThan(0);
    expect(candidates.verified).toBe(0);
    await badge.click();
    const panel = page.getByTestId('verification-panel');
    await expect(panel.getByTestId('verification-status')).toHaveText('ALERT LEAF_HASH_MISMATCH');
    await expect(
      panel.locator('[data-testid^="evidence-"]').filter({ hasText: 'LEAF_HASH_MISMATCH ' }).first(),
    ).toContainText(
      `the leaf bytes of entry ${TAMPERED_IDX} do not hash to its stored leaf hash (found when the console opened this replica)`,
    );
    await shot(page, 'launch-check-tampered');
  } finally {
    await host.stop();
  }
});
