/**
 * Two browser-mode consoles in one browser (e.g. the demo and a real control plane, or two people on a jump host):
 * each keeps its own session. Cookies are scoped by host, not port (RFC 6265 §8.5), so they must not share one name.
 */
import { expect, test } from '@playwright/test';
import { startConsole } from './support/processes.ts';
import { cleanUpStack, freshDir, stopAll, type ConsoleProcess } from './support/stack.ts';

test.afterEach(cleanUpStack);

test('two consoles on different ports in one browser keep their own sessions', async ({ context }) => {
  const started: Omit<ConsoleProcess, 'dataDir'>[] = [];
  try {
    started.push(
      await startConsole(['--data', freshDir('console-a')]),
      await startConsole(['--data', freshDir('console-b')]),
    );
    const [a, b] = started;
    if (!a || !b) throw new Error('consoles did not start');
    const first = await context.newPage();
    await first.goto(a.url);
    await expect(first.getByTestId('connection-state')).toHaveText('No control plane configured');
    const second = await context.newPage();
    await second.goto(b.url);
    await expect(second.getByTestId('connection-state')).toHaveText('No control plane configured');

    // The first console is still usable after the second one exchanged its token in the same browser.
    await first.reload();
    await expect(first.getByRole('heading', { name: 'No ledger replica yet' })).toBeVisible();
    await expect(first.getByTestId('connection-state')).toHaveText('No control plane configured');
    // The heading above appears once the calls answered; none may be refused for lack of a session.
    await expect(first.getByRole('alert').filter({ hasText: 'E_NO_SESSION' })).toHaveCount(0, { timeout: 2000 });
    await expect(first.getByRole('alert')).toHaveCount(0, { timeout: 2000 });
    await expect(second.getByRole('alert')).toHaveCount(0, { timeout: 2000 });
  } finally {
    await stopAll(...started);
  }
});
