import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { DatabaseOpenError } from './db-errors.ts';
import { DB_FILE, openDatabase, openPgSql } from './open-db.ts';
import { MIGRATIONS } from './schema.ts';

const dir = mkdtempSync(join(tmpdir(), 'cp-open-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function caught(p: Promise<unknown>): Promise<DatabaseOpenError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DatabaseOpenError) return err;
    throw err;
  }
  throw new Error('expected a DatabaseOpenError');
}

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('opening a database', () => {
  it('refuses a SQLite database a newer control plane migrated (E_SCHEMA_NEWER) and leaves it unchanged', () => {
    const data = join(dir, 'newer');
    openDatabase(data).close();
    const raw = new Database(join(data, DB_FILE));
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    raw.close();
    let thrown: unknown;
    try {
      openDatabase(data);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(DatabaseOpenError);
    expect((thrown as DatabaseOpenError).code).toBe('E_SCHEMA_NEWER');
    expect((thrown as DatabaseOpenError).message).toBe(
      `E_SCHEMA_NEWER: the database has schema version ${MIGRATIONS.length + 1}, newer than the ${MIGRATIONS.length} ` +
        'this control plane knows; run the release that migrated it (or a later one). Nothing was changed.',
    );
    const after = new Database(join(data, DB_FILE), { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length + 1);
    after.close();
  });

  it('says E_DATABASE_UNREACHABLE, without the password, when PostgreSQL is not there', async () => {
    const port = await closedPort();
    const err = await caught(openPgSql(`postgres://ada:s3cret@127.0.0.1:${port}/tombstone`));
    expect(err.code).toBe('E_DATABASE_UNREACHABLE');
    expect(err.message).toMatch(
      new RegExp(
        `^E_DATABASE_UNREACHABLE: cannot reach the database at postgres://ada:\\*\\*\\*@127\\.0\\.0\\.1:${port}/tombstone \\(.*ECONNREFUSED.*\\); check the URL`,
      ),
    );
    expect(err.message).not.toContain('s3cret');
  });

  it('refuses anything but a postgres:// URL (E_DATABASE_URL)', async () => {
    const err = await caught(openPgSql('mysql://ada@127.0.0.1/tombstone'));
    expect(err.code).toBe('E_DATABASE_URL');
    expect(err.message).toBe(
      'E_DATABASE_URL: mysql://ada@127.0.0.1/tombstone is not a PostgreSQL URL; use postgres://user@host:port/database. Nothing was changed.',
    );
    expect((await caught(openPgSql('not a url'))).code).toBe('E_DATABASE_URL');
  });
});
