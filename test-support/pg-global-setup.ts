/**
 * vitest globalSetup of the `control-plane-pg` project: one throwaway PostgreSQL cluster for the whole run (each test
 * file creates its own database in it, see pg-context.ts), torn down at the end. A failure is provided as an error, so
 * every PostgreSQL test fails with it (E_NO_POSTGRES, E_POSTGRES_START) instead of being skipped.
 */
import type { TestProject } from 'vitest/node';
import type { PgContext } from './pg-context.ts';
import { startPostgres, type PostgresCluster } from './postgres.ts';

/** Starts the cluster; returns its teardown. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let cluster: PostgresCluster | null = null;
  let ctx: PgContext;
  const started = Date.now();
  try {
    cluster = await startPostgres();
    ctx = { ok: true, url: cluster.url() };
    process.stderr.write(`[control-plane-pg] PostgreSQL ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  } catch (err) {
    await cluster?.stop();
    cluster = null;
    ctx = { ok: false, error: err instanceof Error ? err.message : String(err) };
    process.stderr.write(`[control-plane-pg] the PostgreSQL suite cannot run: ${ctx.error}\n`);
  }
  project.provide('pg', ctx);
  return async () => {
    await cluster?.stop();
  };
}
