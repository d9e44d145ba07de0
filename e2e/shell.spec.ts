import { expect, test } from '@playwright/test';
import { startConsole } from './support/processes.ts';

test.describe('console shell in browser mode', () => {
  test('opens with the session token and shows the honest empty state', async ({ page }) => {
    const consoleHost = await startConsole();
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
    const consoleHost = await startConsole(['--connect', 'http://127.0.0.1:9']);
    try {
      await page.goto(consoleHost.url);
      await expect(page.getByTestId('connection-state')).toContainText('Control plane unreachable');
      await expect(page.getByTestId('empty-explanation')).toContainText('did not answer');
    } finally {
      await consoleHost.stop();
    }
  });
});
