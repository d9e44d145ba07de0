/**
 * The throwaway PostgreSQL cluster: it runs, listens on loopback only, and leaves nothing behind when stopped; and a
 * machine without PostgreSQL makes the Unleash suite fail with a clear message instead of skipping it.
 */
import { existsSync } from 'node:fs';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { findPostgresBin } from './postgres-bin.ts';
import { startPostgres } from './postgres.ts';
import setup from './unleash-global-setup.ts';
import type { UnleashContext } from './unleash-context.ts';

const saved = process.env['TOMBSTONE_PG_BIN'];
afterEach(() => {
  if (saved === undefined) delete process.env['TOMBSTONE_PG_BIN'];
  else process.env['TOMBSTONE_PG_BIN'] = saved;
});

describe('the throwaway PostgreSQL cluster', () => {
  it('starts on a loopback port with fsync off, creates databases, and is gone after stop()', async () => {
    const cluster = await startPostgres();
    expect(cluster.url()).toBe(`postgres://postgres@127.0.0.1:${cluster.port}/postgres`);
    const url = await cluster.createDatabase('probe_db');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const settings = await client.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings WHERE name IN ('listen_addresses', 'fsync', 'server_version_num') ORDER BY name`,
    );
    await client.end();
    const byName = Object.fromEntries(settings.rows.map((r) => [r.name, r.setting]));
    expect(byName['listen_addresses']).toBe('127.0.0.1');
    expect(byName['fsync']).toBe('off');
    expect(Number(byName['server_version_num'])).toBeGreaterThanOrEqual(150000);
    await cluster.stop();
    expect(existsSync(cluster.dir)).toBe(false);
    const after = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    await expect(after.connect()).rejects.toThrow();
    await cluster.stop();
  });

  it('says E_NO_POSTGRES, and what to do, when no PostgreSQL 15+ is where it is told to look', () => {
    process.env['TOMBSTONE_PG_BIN'] = '/nonexistent/postgresql/bin';
    expect(() => findPostgresBin()).toThrow(
      /^E_NO_POSTGRES: PostgreSQL 15 or newer is not installed\. `npm test` installs it/,
    );
  });

  it('makes the Unleash suite fail with that message rather than skip it', async () => {
    process.env['TOMBSTONE_PG_BIN'] = '/nonexistent/postgresql/bin';
    let provided: UnleashContext | undefined;
    const project = { provide: (_key: string, value: UnleashContext) => void (provided = value) };
    const teardown = await setup(project as unknown as Parameters<typeof setup>[0]);
    await teardown();
    expect(provided).toEqual({ ok: false, error: expect.stringMatching(/^E_NO_POSTGRES: /) });
  });
});
