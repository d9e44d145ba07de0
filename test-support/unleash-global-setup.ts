/**
 * vitest globalSetup of the `unleash` project: installs the pinned Unleash on first use, starts one throwaway
 * PostgreSQL cluster and one Unleash for the whole run, provides their address to the test files, and tears both down
 * at the end. A failure is provided as an error (every Unleash test then fails with it), not thrown, so the other
 * projects' results still come out.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { startPostgres, type PostgresCluster } from './postgres.ts';
import type { UnleashContext } from './unleash-context.ts';
import { ensureUnleashInstalled } from './unleash-install.ts';
import { startUnleash, type UnleashServer } from './unleash-server.ts';

const LOG_DIR = fileURLToPath(new URL('../build/test-logs/', import.meta.url));

/** Starts PostgreSQL and Unleash; returns their teardown. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let cluster: PostgresCluster | null = null;
  let server: UnleashServer | null = null;
  const teardown = async (): Promise<void> => {
    await server?.stop();
    await cluster?.stop();
  };
  let ctx: UnleashContext;
  const started = Date.now();
  try {
    const install = ensureUnleashInstalled();
    if (install.installed)
      process.stderr.write(`[unleash] installed the test Unleash in ${install.seconds.toFixed(1)} s\n`);
    mkdirSync(LOG_DIR, { recursive: true });
    cluster = await startPostgres();
    server = await startUnleash({ cluster, logFile: `${LOG_DIR}unleash.log` });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stderr.write(`[unleash] PostgreSQL and Unleash ready in ${seconds} s (log: ${server.logFile})\n`);
    const { url, adminToken, databaseUrl, logFile, startMs } = server;
    ctx = { ok: true, url, adminToken, databaseUrl, logFile, startMs };
  } catch (err) {
    await teardown();
    ctx = { ok: false, error: err instanceof Error ? err.message : String(err) };
    process.stderr.write(`[unleash] the Unleash test suite cannot run: ${ctx.error}\n`);
  }
  project.provide('unleash', ctx);
  return teardown;
}
