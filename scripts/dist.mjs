#!/usr/bin/env node
// `npm run dist`: builds the bundles and packages them with electron-builder for this platform.
// electron-builder downloads Electron itself; where that is impossible we stop with a clear
// message rather than produce a broken artifact.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(join(root, 'node_modules', 'electron', 'path.txt'))) {
  process.stderr.write(
    'E_NO_ELECTRON: the Electron binary is not available on this machine (its download failed or is blocked), so no\n' +
      'installable package can be produced here. Nothing was written to dist/. Run `npm run dist` on a machine that can\n' +
      'download Electron (see docs/install.md); browser mode (`npm start`) works without it.\n',
  );
  process.exit(1);
}
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit' }).status === 0;
if (!run(process.execPath, [join(root, 'scripts', 'build.mjs')])) process.exit(1);
process.exit(
  run(join(root, 'node_modules', '.bin', 'electron-builder'), [
    '--config',
    'electron-builder.yml',
    '--publish',
    'never',
    ...process.argv.slice(2),
  ])
    ? 0
    : 1,
);
