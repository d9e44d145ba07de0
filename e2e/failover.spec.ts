/**
 * One control plane, two addresses (two loopback TCP forwarders in front of the demo control plane, as two instances
 * behind their own addresses would be): the console is given both, says which one it is live through, and when the
 * first one dies mid-stream it continues through the second and says that it failed over, and when — at 1280x720.
 */
import { expect, test } from '@playwright/test';
import { startTcpProxy, type TcpProxy } from '../main/sync/test-support/tcp-proxy.ts';
import { cleanUpStack, freshDir, startDemoControlPlane, tokenOf } from './support/stack.ts';
import { startConsole, type ControlPlaneProcess, type Started } from './support/processes.ts';
import { DEMO_SPEC_TIMEOUT_MS, SYNC_TIMEOUT_MS, shot } from './support/ui.ts';

test.afterEach(cleanUpStack);

test('failover at 1280x720: live via the first instance, then via the second after the first dies, with the time', async ({
  browser,
}) => {
  test.setTimeout(DEMO_SPEC_TIMEOUT_MS);
  let cp: ControlPlaneProcess | null = null;
  let consoleHost: (Started & { url: string }) | null = null;
  const proxies: TcpProxy[] = [];
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  try {
    cp = await startDemoControlPlane('1h', ['--no-telemetry']);
    const a = await startTcpProxy(cp.url);
    const b = await startTcpProxy(cp.url);
    proxies.push(a, b);
    const hostA = new URL(a.url).host;
    const hostB = new URL(b.url).host;
    consoleHost = await startConsole(
      ['--connect', `${a.url},${b.url}`, '--trust', cp.keys[0] ?? '', '--data', freshDir('console-failover')],
      { TOMBSTONE_TOKEN: tokenOf(cp, 'riley') },
    );
    await page.goto(consoleHost.url);
    const connection = page.getByTestId('connection-state');
    const esc = (s: string): string => s.replaceAll('.', '\\.');
    await expect(connection).toHaveText(new RegExp(`^Live via ${esc(hostA)} \\(1 of 2\\)$`), {
      timeout: SYNC_TIMEOUT_MS,
    });
    await expect(page.getByTestId('main-screen')).toBeVisible({ timeout: SYNC_TIMEOUT_MS });
    // The launch check's deep re-verification runs in the background: under load it can take a while.
    await expect(page.getByTestId('verification-badge')).toHaveAttribute('data-state', 'verified', {
      timeout: SYNC_TIMEOUT_MS,
    });
    await expect(page.getByTestId('failover')).toHaveCount(0);

    await a.close(); // every connection through the first address is cut, and it refuses new ones
    await expect(connection).toHaveText(new RegExp(`^Live via ${esc(hostB)} \\(2 of 2\\)$`), {
      timeout: 20_000,
    });
    const failover = page.getByTestId('failover');
    await expect(failover).toHaveText(/^Failed over at \d\d:\d\d:\d\d UTC$/);
    await expect(failover).toHaveAttribute(
      'title',
      new RegExp(`^Failed over from ${esc(hostA)} to ${esc(hostB)} at \\d\\d:\\d\\d:\\d\\d UTC: .+\\.$`),
    );
    await expect(page.getByTestId('verification-badge')).toHaveAttribute('data-state', 'verified', {
      timeout: SYNC_TIMEOUT_MS,
    });
    await shot(page, 'failover-1280x720');
    // The status, the failover note and the verification badge fit the bar at 1280 px (none cut off by an ellipsis).
    for (const el of [connection, failover, page.getByTestId('verification-badge')]) {
      const size = await el.evaluate((n) => `${n.scrollWidth}/${n.clientWidth}`);
      const [content, box] = size.split('/').map(Number);
      expect(content, `${size} ${await el.textContent()}`).toBeLessThanOrEqual(box ?? 0);
    }
  } finally {
    await context.close();
    await consoleHost?.stop();
    for (const p of proxies) await p.close();
    await cp?.stop();
  }
});
