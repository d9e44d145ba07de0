import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION, migrate, schemaVersion } from './migrations.ts';

function objects(db: Database.Database): string[] {
  return db
    .prepare("SELECT type || ':' || name AS o FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY o")
    .pluck()
    .all() as string[];
}

function seedState(db: Database.Database): void {
  db.prepare(
    "INSERT INTO verification_state (id, origin, verified_size, root, peaks, updated_at) VALUES (1, 'o', 0, zeroblob(32), x'', 0)",
  ).run();
}

describe('replica migrations (in-memory, one version at a time)', () => {
  it('version 1 creates the ledger tables', () => {
    const db = new Database(':memory:');
    expect(migrate(db, 1)).toBe(1);
    expect(objects(db)).toEqual([
      'table:checkpoints',
      'table:entries',
      'table:evidence',
      'table:held_entries',
      'table:trusted_keys',
      'table:verification_state',
    ]);
    db.prepare("INSERT INTO entries (idx, leaf, leaf_hash) VALUES (5, x'00', zeroblob(32))").run();
    expect(() =>
      db.prepare("INSERT INTO entries (idx, leaf, leaf_hash) VALUES (6, x'00', zeroblob(31))").run(),
    ).toThrow(/CHECK constraint/);
  });

  it('version 2 adds the covering index, the pending view and the append-only triggers', () => {
    const db = new Database(':memory:');
    migrate(db, 1);
    expect(migrate(db, 2)).toBe(2);
    expect(objects(db)).toContain('index:entries_idx_hash');
    expect(objects(db)).toContain('view:pending_entries');
    seedState(db);
    const insert = db.prepare("INSERT INTO entries (idx, leaf, leaf_hash) VALUES (?, x'00', zeroblob(32))");
    insert.run(0);
    insert.run(1);
    expect(() => insert.run(3)).toThrow(/LEDGER_GAP/);
    expect(() => db.prepare("UPDATE entries SET leaf = x'01' WHERE idx = 0").run()).toThrow(/LEDGER_APPEND_ONLY/);
    expect(db.prepare('SELECT count(*) FROM pending_entries').pluck().get()).toBe(2);
    db.prepare('UPDATE verification_state SET verified_size = 1').run();
    expect(() => db.prepare('DELETE FROM entries WHERE idx = 0').run()).toThrow(/LEDGER_APPEND_ONLY/);
    expect(db.prepare('DELETE FROM entries WHERE idx = 1').run().changes).toBe(1);
    expect(() => db.prepare('UPDATE verification_state SET verified_size = 0').run()).toThrow(/never shrinks/);
    db.prepare("INSERT INTO checkpoints VALUES (1, zeroblob(32), 'n', x'', 0)").run();
    expect(() => db.prepare('DELETE FROM checkpoints').run()).toThrow(/LEDGER_APPEND_ONLY/);
    db.prepare("INSERT INTO evidence (kind, detail, detected_at) VALUES ('FORK', 'd', 0)").run();
    expect(() => db.prepare("UPDATE evidence SET detail = 'x'").run()).toThrow(/LEDGER_APPEND_ONLY/);
  });

  it('is idempotent, records user_version and refuses a newer schema', () => {
    const db = new Database(':memory:');
    expect(schemaVersion(db)).toBe(0);
    expect(migrate(db)).toBe(SCHEMA_VERSION);
    expect(migrate(db)).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    expect(() => migrate(db)).toThrow(/E_SCHEMA_TOO_NEW/);
  });
});
