#!/usr/bin/env node
// One command builds every bundle: Electron main, preload and renderer (electron-vite), and the
// control plane (a Node bundle). Run with the repository's Node 22 (`npm run build`).
import { build as electronViteBuild } from 'electron-vite';
import { build as viteBuild } from 'vite';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { buildSdk } from './build-sdk.mjs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function sizeOf(dir) {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    total += entry.isDirectory() ? sizeOf(p) : statSync(p).size;
  }
  return total;
}

const started = Date.now();
await electronViteBuild({ root, configFile: join(root, 'electron.vite.config.ts'), logLevel: 'warn' });
const cpEntry = join(root, 'control-plane', 'cli.ts');
if (existsSync(cpEntry)) {
  await viteBuild({
    root,
    configFile: false,
    logLevel: 'warn',
    build: {
      ssr: cpEntry,
      outDir: join(root, 'out', 'control-plane'),
      emptyOutDir: true,
      target: 'node22',
      rollupOptions: { external: ['better-sqlite3', 'canonicalize', /^node:/], output: { entryFileNames: 'cli.js' } },
    },
  });
}
// The Node SDK (docs/sdk.md): a standalone ES module package in out/sdk, not part of the desktop app.
await buildSdk(root, join(root, 'out', 'sdk'));
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
const sizes = ['main', 'preload', 'renderer', 'control-plane', 'sdk'].map(
  (d) => `${d} ${kb(sizeOf(join(root, 'out', d)))}`,
);
process.stdout.write(`built in ${((Date.now() - started) / 1000).toFixed(1)} s: ${sizes.join(', ')}\n`);
