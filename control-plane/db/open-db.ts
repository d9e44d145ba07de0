/** Opens (creating if needed) the control plane's SQLite database in a data dir, migrated to the latest schema. */
import Database from 'better-sqlite3';
import pg from 'pg';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { badDatabaseUrl, schemaNewer, unreachable } from './db-errors.ts';
import { migratePg } from './pg-schema.ts';
import { MIGRATIONS } from './schema.ts';
import { PgSql, SqliteSql } from './sql.ts';

/** File name of the database inside the data dir. */
export const DB_FILE = 'control-plane.sqlite';

/**
 * Creates the data dir (mode 0700) and opens the migrated database (WAL, foreign keys on). Throws E_SCHEMA_NEWER,
 * changing nothing, when a newer control plane migrated it.
 */
export function openDatabase(dataDir: string): Database.Database {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  const db = new Database(join(dataDir, DB_FILE));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // Foreign keys stay off while migrating: a migration that rebuilds a table (see schema.ts) drops the old one, and
  // SQLite only honours this pragma outside a transaction. migrate() checks every reference before each commit.
  db.pragma('foreign_keys = OFF');
  try {
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  db.pragma('foreign_keys = ON');
  return db;
}

/** The async seam over a data dir's migrated database (admin commands, tools); close() closes the database. */
export function openSqliteSql(dataDir: string): SqliteSql {
  return new SqliteSql(openDatabase(dataDir));
}

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * The async seam over a PostgreSQL database (`postgres://user@host:port/db`), migrated to the latest schema. Throws
 * E_DATABASE_URL for another kind of URL, E_DATABASE_UNREACHABLE when no connection can be made within 10 s (or the
 * login is refused) and E_SCHEMA_NEWER when a newer control plane migrated it; in every case nothing was changed.
 */
export async function openPgSql(url: string, maxConnections = 10): Promise<PgSql> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badDatabaseUrl(url);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') throw badDatabaseUrl(url);
  const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
  } catch (err) {
    throw unreachable(url, err);
  } finally {
    await probe.end().catch(() => undefined);
  }
  const sql = PgSql.connect(url, maxConnections);
  try {
    await migratePg(sql);
  } catch (err) {
    await sql.close();
    throw err;
  }
  return sql;
}

/**
 * Applies pending migrations, each in its own transaction (safe if another process migrates concurrently). Run with
 * foreign keys off (openDatabase); a migration that leaves a dangling reference is rolled back. A database at a
 * version past the last migration throws E_SCHEMA_NEWER.
 */
export function migrate(db: Database.Database): void {
  for (;;) {
    const done = db
      .transaction(() => {
        const version = Number(db.pragma('user_version', { simple: true }));
        if (version > MIGRATIONS.length) throw schemaNewer('the database', version, MIGRATIONS.length);
        const next = MIGRATIONS[version];
        if (next === undefined) return true;
        db.exec(next);
        const dangling = db.pragma('foreign_key_check') as unknown[];
        if (dangling.length > 0)
          throw new Error(`migration ${version + 1} left ${dangling.length} dangling references`);
        db.pragma(`user_version = ${version + 1}`);
        return false;
      })
      .immediate();
    if (done) return;
  }
}
