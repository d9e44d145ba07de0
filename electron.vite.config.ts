// Builds the three Electron bundles: main (ESM, Node), preload (CommonJS: sandboxed preloads cannot
// be ES modules) and the renderer (React, served from app:// in Electron and from 127.0.0.1 in browser mode).
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  main: {
    define: { 'process.env.TOMBSTONE_VERSION': JSON.stringify(pkg.version) },
    build: {
      outDir: 'out/main',
      externalizeDeps: true,
      rollupOptions: { input: { index: 'main/app/index.ts', 'verify-worker': 'main/ledger/verify-worker.ts' } },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      externalizeDeps: false,
      rollupOptions: {
        input: { index: 'preload/index.ts' },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'renderer',
    plugins: [react()],
    build: {
      outDir: 'out/renderer',
      minify: true,
      rollupOptions: { input: { index: 'renderer/index.html' } },
    },
  },
});
