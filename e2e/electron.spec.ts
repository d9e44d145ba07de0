import { _electron as electron, expect, test } from '@playwright/test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './support/processes.ts';

const binaryPresent = existsSync(join(ROOT, 'node_modules', 'electron', 'path.txt'));
const reason =
  'Electron binary not installed (its download is unavailable on this machine); browser-mode tests cover the UI.';

test.describe('Electron shell', () => {
  test.skip(!binaryPresent, reason);
  if (!binaryPresent) process.stdout.write(`[electron project] skipped: ${reason}\n`);

  test('launches the packaged main and shows the window title', async () => {
    const app = await electron.launch({ args: [join(ROOT, 'out', 'main', 'index.js')], cwd: ROOT });
    try {
      const window = await app.firstWindow();
      await expect(window).toHaveTitle('Tombstone Console');
    } finally {
      await app.close();
    }
  });
});
