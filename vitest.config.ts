import { defineConfig } from 'vitest/config';

// One vitest project per layer, each in the environment that layer runs in.
export default defineConfig({
  test: {
    reporters: ['default'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { test: { name: 'shared', environment: 'node', include: ['shared/**/*.test.ts'] } },
      { test: { name: 'main', environment: 'node', include: ['main/**/*.test.ts'], pool: 'forks' } },
      { test: { name: 'control-plane', environment: 'node', include: ['control-plane/**/*.test.ts'], pool: 'forks' } },
      { test: { name: 'renderer', environment: 'happy-dom', include: ['renderer/**/*.test.ts', 'renderer/**/*.test.tsx'] } },
      { test: { name: 'tools', environment: 'node', include: ['scripts/**/*.test.ts'] } },
    ],
  },
});
