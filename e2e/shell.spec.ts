import { expect, test } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsole, startProcess } from './support/processes.ts';

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test.describe('console shell in browser mode', () => {
  test('opens with the session token and shows the honest empty state', async ({ page }) => {
    // Its own empty data dir: the user's default one may hold profiles (e.g. from an `npm start` on this machine).
    const consoleHost = await startConsole(['--data', mkdtempSync(join(tmpdir(), 'tsc-e2e-shell-'))]);
    try {
      await page.goto(consoleHost.url);
      await expect(page).toHaveTitle('Tombstone Console');
      await expect(page.getByTestId('connection-state')).toHaveText('No control plane configured');
      await expect(page.getByRole('heading', { name: 'No ledger replica yet' })).toBeVisible();
      await expect(page.getByRole('alert')).toHaveCount(0);
      expect(page.url()).not.toContain('token='); // the token leaves the address bar once exchanged
      await page.screenshot({ path: 'e2e/screenshots/shell-empty-state.png' });
    } finally {
      await consoleHost.stop();
    }
  });

  test('without the token every call is refused with E_NO_SESSION', async ({ page }) => {
    const consoleHost = await startConsole();
    try {
      await page.goto(consoleHost.url.replace(/#.*$/, ''));
      await expect(page.getByRole('alert')).toContainText('E_NO_SESSION');
    } finally {
      await consoleHost.stop();
    }
  });

  test('a control plane that does not answer is reported with its code', async ({ page }) => {
    const data = mkdtempSync(join(tmpdir(), 'tsc-e2e-'));
    const consoleHost = await startConsole(['--connect', `http://127.0.0.1:${await closedPort()}`, '--data', data], {
      TOMBSTONE_TOKEN: 'tsk_unused',
    });
    try {
      await page.goto(consoleHost.url);
      await expect(page.getByTestId('connection-state')).toContainText(
        /Reconnecting · retry in \d+ s|Offline · replica as of/,
      );
      // No replica yet: the calm empty state says so (code and sentence), not a screen of failing panels.
      await expect(page.getByTestId('empty-note')).toContainText('E_REPLICA_EMPTY The ledger replica is still empty');
      await expect(page.getByTestId('main-screen')).toHaveCount(0);
      await expect(page.getByRole('alert')).toHaveCount(0);
    } finally {
      await consoleHost.stop();
    }
  });

  test('a new control plane without a token is refused at start with E_TOKEN_REQUIRED', async () => {
    const data = mkdtempSync(join(tmpdir(), 'tsc-e2e-'));
    await expect(
      startProcess(
        ['main/cli/index.ts', 'serve', '--port', '0', '--connect', 'http://127.0.0.1:9', '--data', data],
        /console \(browser mode\)/,
        30_000,
        { TOMBSTONE_TOKEN: '' },
      ),
    ).rejects.toThrow(/E_TOKEN_REQUIRED: http:\/\/127\.0\.0\.1:9 is not a known profile yet/);
  });
});
