/** Opens (creating if needed) the control plane's SQLite database in a data dir, migrated to the latest schema. */
import Database from 'better-sqlite3';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS } from './schema.ts';
import { SqliteSql } from './sql.ts';

/** File name of the database inside the data dir. */
export const DB_FILE = 'control-plane.sqlite';

/** Creates the data dir (mode 0700) and opens the migrated database (WAL, foreign keys on). */
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
  migrate(db);
  db.pragma('foreign_keys = ON');
  return db;
}

/** The async seam over a data dir's migrated database (admin commands, tools); close() closes the database. */
export function openSqliteSql(dataDir: string): SqliteSql {
  return new SqliteSql(openDatabase(dataDir));
}

/**
 * Applies pending migrations, each in its own transaction (safe if another process migrates concurrently). Run with
 * foreign keys off (openDatabase); a migration that leaves a dangling reference is rolled back.
 */
export function migrate(db: Database.Database): void {
  for (;;) {
    const done = db
      .transaction(() => {
        const version = Number(db.pragma('user_version', { simple: true }));
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
