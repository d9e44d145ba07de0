import { configDefaults, defineConfig } from 'vitest/config';

// better-sqlite3 13 (N-API prebuilds) needs Node >= 22; under the system Node 20 it segfaults.
if (Number(process.versions.node.split('.')[0]) < 22) {
  throw new Error(
    'E_NODE_VERSION: run tests on the repository Node 22: `PATH=$PWD/node_modules/.bin:$PATH vitest run ...` or `npm run test:unit`.',
  );
}

// One vitest project per layer, each in the environment that layer runs in.
export default defineConfig({
  test: {
    reporters: ['default'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { test: { name: 'shared', environment: 'node', include: ['shared/**/*.test.ts'] } },
      {
        test: {
          name: 'main',
          environment: 'node',
          include: ['main/**/*.test.ts'],
          exclude: [...configDefaults.exclude, '**/*.unleash.test.ts'],
          pool: 'forks',
        },
      },
      // Tests against a real Unleash (and PostgreSQL): one of each for the whole run, started by the global setup.
      {
        test: {
          name: 'unleash',
          environment: 'node',
          include: ['main/**/*.unleash.test.ts', 'test-support/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test-support/unleash/**'],
          pool: 'forks',
          globalSetup: ['test-support/unleash-global-setup.ts'],
        },
      },
      {
        test: {
          name: 'control-plane',
          environment: 'node',
          include: ['control-plane/**/*.test.ts'],
          exclude: [...configDefaults.exclude, '**/*.pg.test.ts'],
          pool: 'forks',
        },
      },
      // The control plane on both engines: one throwaway PostgreSQL cluster for the run, one database per test file.
      {
        test: {
          name: 'control-plane-pg',
          environment: 'node',
          include: ['control-plane/**/*.pg.test.ts'],
          pool: 'forks',
          globalSetup: ['test-support/pg-global-setup.ts'],
        },
      },
      // The SDK against a real control plane (started in-process on an ephemeral loopback port).
      { test: { name: 'sdk', environment: 'node', include: ['sdk/**/*.test.ts'], pool: 'forks' } },
      {
        test: {
          name: 'renderer',
          environment: 'happy-dom',
          include: ['renderer/**/*.test.ts', 'renderer/**/*.test.tsx'],
        },
      },
      { test: { name: 'tools', environment: 'node', include: ['scripts/**/*.test.ts'] } },
    ],
  },
});
