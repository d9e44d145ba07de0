#!/usr/bin/env node
// `npm run bench`: runs every benchmark script that exists, one after another, each printing its
// own numbers and ratios against a baseline measured in the same run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const benches = ['bench-ledger', 'bench-control-plane', 'bench-sync', 'bench-ui', 'bench-correlate', 'bench-sdk'];
let failed = 0;
for (const name of benches) {
  const file = join(root, 'scripts', `${name}.ts`);
  if (!existsSync(file)) continue;
  process.stdout.write(`\n=== ${name} ===\n`);
  const r = spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', file], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
