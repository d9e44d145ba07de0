import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { DB_FILE, openDatabase } from './open-db.ts';
import { MIGRATIONS } from './schema.ts';

const dir = mkdtempSync(join(tmpdir(), 'cp-migrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A data dir as the first schema version left it, with a request, its approval and its schedule. */
let dirs = 0;
function versionOneDir(): string {
  const data = join(dir, `v1-${dirs++}`);
  mkdirSync(data);
  const db = new Database(join(data, DB_FILE));
  db.exec(MIGRATIONS[0] ?? '');
  db.pragma('user_version = 1');
  db.prepare(
    `INSERT INTO change_requests (id, flag_key, env, requested_by, reason, before, after, scheduled_at, payload_hash,
    required_approvals, status, created_at, updated_at, applied_idx)
    VALUES ('cr-7', 'a.b.c', 'production', 'rita', 'ramp', '{}', '{"enabled":true}', 99, 'h1', 1, 'SCHEDULED', 1, 2, NULL)`,
  ).run();
  db.prepare("INSERT INTO approvals VALUES ('cr-7', 'amy', 'h1', 'ok', 3)").run();
  db.prepare("INSERT INTO schedules VALUES ('sch-9', 'cr-7', 99, 'h1', '[\"amy\"]', 'PENDING', 3)").run();
  for (const key of ['a.b.c', 'a.b.pre', 'a.b.other'])
    db.prepare(
      `INSERT INTO flags (key, type, owner, description, tier, stage, safe_default, services, created_at, updated_at)
      VALUES (?, 'ops', 'a', '', 'HIGH', 'ACTIVE', '{}', '[]', 0, 0)`,
    ).run(key);
  db.prepare(`INSERT INTO flag_envs VALUES ('a.b.c', 'production', '{"prerequisites":["a.b.pre"]}', 1, 0)`).run();
  db.close();
  return data;
}

describe('migration 2: change request operations', () => {
  it('keeps every existing request as a state request, with its approvals, schedule and invariants', () => {
    const db = openDatabase(versionOneDir());
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.prepare("SELECT * FROM change_requests WHERE id = 'cr-7'").get()).toEqual({
      id: 'cr-7',
      flag_key: 'a.b.c',
      operation: 'state',
      env: 'production',
      requested_by: 'rita',
      reason: 'ramp',
      before: '{}',
      after: '{"enabled":true}',
      scheduled_at: 99,
      payload_hash: 'h1',
      required_approvals: 1,
      status: 'SCHEDULED',
      created_at: 1,
      updated_at: 2,
      applied_idx: null,
    });
    expect(db.prepare('SELECT approver FROM approvals').pluck().all()).toEqual(['amy']);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(() => db.prepare("INSERT INTO approvals VALUES ('cr-404', 'bob', 'h', '', 0)").run()).toThrow(/FOREIGN KEY/);
    expect(() => db.prepare("INSERT INTO approvals VALUES ('cr-7', 'rita', 'h1', '', 0)").run()).toThrow(
      /^SELF_APPROVAL/,
    );
    const insert = (operation: string, env: string | null): void => {
      db.prepare(
        `INSERT INTO change_requests (id, flag_key, operation, env, requested_by, reason, before, after, payload_hash,
        required_approvals, status, created_at, updated_at) VALUES (?, 'a.b.c', ?, ?, 'rita', 'r', '{}', '{}', 'h', 1, 'PENDING', 1, 1)`,
      ).run(`cr-${operation}-${env ?? 'all'}`, operation, env);
    };
    expect(() => insert('archive', null)).not.toThrow();
    expect(() => insert('archive', 'production')).toThrow(/CHECK/);
    expect(() => insert('state', null)).toThrow(/CHECK/);
    db.close();
  });

  it('indexes prerequisite edges from the existing states, and triggers keep them equal to the states', () => {
    const db = openDatabase(versionOneDir());
    const edges = (): unknown[] =>
      db.prepare('SELECT prerequisite, env, flag_key FROM prerequisite_edges ORDER BY 1, 2, 3').all();
    expect(edges()).toEqual([{ prerequisite: 'a.b.pre', env: 'production', flag_key: 'a.b.c' }]);
    db.prepare(
      `UPDATE flag_envs SET state = '{"prerequisites":["a.b.other","a.b.pre"]}' WHERE flag_key = 'a.b.c'`,
    ).run();
    db.prepare(`INSERT INTO flag_envs VALUES ('a.b.c', 'staging', '{"prerequisites":["a.b.other"]}', 1, 0)`).run();
    expect(edges()).toEqual([
      { prerequisite: 'a.b.other', env: 'production', flag_key: 'a.b.c' },
      { prerequisite: 'a.b.other', env: 'staging', flag_key: 'a.b.c' },
      { prerequisite: 'a.b.pre', env: 'production', flag_key: 'a.b.c' },
    ]);
    db.prepare(`UPDATE flag_envs SET state = '{"prerequisites":[]}' WHERE env = 'production'`).run();
    expect(edges()).toEqual([{ prerequisite: 'a.b.other', env: 'staging', flag_key: 'a.b.c' }]);
    db.prepare("DELETE FROM flags WHERE key = 'a.b.c'").run(); // cascades to flag_envs
    expect(edges()).toEqual([]);
    db.close();
  });
});
