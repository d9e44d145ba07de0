/**
 * How control-plane test files reach the run's PostgreSQL cluster (started by pg-global-setup.ts): each file asks for
 * a fresh database of its own. A setup that failed provides its error, and every test that needs PostgreSQL fails
 * with it rather than being skipped.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/** What the global setup provides: the cluster's maintenance database URL, or why there is none. */
export type PgContext = { ok: true; url: string } | { ok: false; error: string };

declare module 'vitest' {
  export interface ProvidedContext {
    pg: PgContext;
  }
}

/** Creates an empty database in the run's cluster and resolves to its connection string. */
export async function freshPgDatabase(prefix = 'cp'): Promise<string> {
  const ctx = inject('pg') as PgContext | undefined;
  if (ctx === undefined) {
    throw new Error(
      'E_PG_SETUP: no test PostgreSQL in this vitest project; PostgreSQL tests are named *.pg.test.ts and run in ' +
        'the `control-plane-pg` project (vitest.config.ts), whose global setup starts the cluster.',
    );
  }
  if (!ctx.ok) throw new Error(ctx.error);
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: ctx.url });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return ctx.url.replace(/\/[^/]*$/, `/${name}`);
}
