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
          exclude: [...configDefaults.exclude, '**/*.unleash.test.ts', '**/*.pg.test.ts'],
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
      // The control plane on PostgreSQL: one throwaway cluster for the run, one database per test file (and the
      // console syncing from several control planes on one database, main/sync/multi-instance.pg.test.ts).
      {
        test: {
          name: 'control-plane-pg',
          environment: 'node',
          include: ['control-plane/**/*.pg.test.ts', 'main/**/*.pg.test.ts'],
          pool: 'forks',
          globalSetup: ['test-support/pg-global-setup.ts'],
        },
      },
      // The control plane's HTTP, domain, ledger and SDK-delivery suites once more, every server on PostgreSQL
      // (harness.ts reads TOMBSTONE_TEST_ENGINE). Left out: backup (SQLite's online backup), the restart tests that
      // reopen a data dir's SQLite file, and the demo's flagd check (seeding the demo's ~20k-entry history statement
      // by statement takes ~50 s on PostgreSQL; the demo is the embedded `npm start` product).
      {
        test: {
          name: 'control-plane-on-pg',
          environment: 'node',
          include: ['control-plane/{http,domain,ledger,sdk-delivery}/**/*.test.ts'],
          exclude: [
            ...configDefaults.exclude,
            '**/*.pg.test.ts',
            'control-plane/ledger/restart.test.ts',
            'control-plane/sdk-delivery/flagd-demo.test.ts',
            'control-plane/db/**',
          ],
          env: { TOMBSTONE_TEST_ENGINE: 'postgres' },
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
