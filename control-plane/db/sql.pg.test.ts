/**
 * The async seam on both engines: the same transaction discipline (savepoints, commit / rollback hooks), the same
 * invariants enforced by the database with the same error texts, and the sequenced ledger read back by a follower.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freshPgDatabase } from '../../test-support/pg-context.ts';
import { toDomainError } from '../domain/errors.ts';
import { openDatabase, openPgSql } from './open-db.ts';
import { migratePg, PG_MIGRATIONS } from './pg-schema.ts';
import { PgSql, SqliteSql, toPgPlaceholders, type Sql } from './sql.ts';

const dir = mkdtempSync(join(tmpdir(), 'cp-sql-'));
const opened: Sql[] = [];
afterAll(async () => {
  for (const s of opened) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
const engines: Record<'sqlite' | 'postgres', () => Promise<Sql>> = {
  sqlite: async () => {
    const sql = new SqliteSql(openDatabase(join(dir, `db-${n++}`)));
    opened.push(sql);
    return sql;
  },
  postgres: async () => {
    const sql = PgSql.connect(await freshPgDatabase('sql'));
    opened.push(sql);
    await migratePg(sql);
    return sql;
  },
};

const HASH = Buffer.alloc(32, 7);

async function insertLedger(sql: Sql, idx: number): Promise<void> {
  await sql.run('INSERT INTO ledger (idx, leaf, leaf_hash, action, flag, env, ts) VALUES (?, ?, ?, ?, ?, ?, ?)', [
    idx,
    `leaf ${idx}`,
    HASH,
    'flag.create',
    'a.b',
    null,
    '2026-01-01T00:00:00.000Z',
  ]);
}

async function insertFlag(sql: Sql, key: string): Promise<void> {
  await sql.run(
    `INSERT INTO flags (key, type, owner, description, tier, stage, safe_default, services, created_at, updated_at)
     VALUES (?, 'ops', 'team', '', 'HIGH', 'ACTIVE', '{}', '[]', 0, 0)`,
    [key],
  );
}

it('rewrites ? placeholders to $n outside quoted text', () => {
  expect(toPgPlaceholders('SELECT ? AS a, \'?\' AS b, "?" AS c, ? AS d')).toBe(
    'SELECT $1 AS a, \'?\' AS b, "?" AS c, $2 AS d',
  );
});

describe.each(['sqlite', 'postgres'] as const)('the seam on %s', (engine) => {
  it('commits, runs commit hooks only after COMMIT, and rolls back with rollback hooks', async () => {
    const sql = await engines[engine]();
    const events: string[] = [];
    await sql.tx(async () => {
      await sql.run("INSERT INTO meta (key, value) VALUES ('a', '1')");
      sql.afterCommit(() => events.push('committed a'));
      sql.onRollback(() => events.push('rolled back a'));
      events.push('in tx');
    });
    await expect(
      sql.tx(async () => {
        await sql.run("INSERT INTO meta (key, value) VALUES ('b', '2')");
        sql.afterCommit(() => events.push('committed b'));
        sql.onRollback(() => events.push('rolled back b'));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(events).toEqual(['in tx', 'committed a', 'rolled back b']);
    expect(await sql.all('SELECT key, value FROM meta ORDER BY key')).toEqual([{ key: 'a', value: '1' }]);
    expect(sql.inTx).toBe(false);
  });

  it('rolls a failing nested tx back alone (rows and hooks), keeping the outer work', async () => {
    const sql = await engines[engine]();
    const events: string[] = [];
    await sql.tx(async () => {
      await sql.run("INSERT INTO meta (key, value) VALUES ('outer', '1')");
      sql.afterCommit(() => events.push('outer committed'));
      await expect(
        sql.tx(async () => {
          await sql.run("INSERT INTO meta (key, value) VALUES ('inner', '2')");
          sql.afterCommit(() => events.push('inner committed'));
          sql.onRollback(() => events.push('inner rolled back'));
          throw new Error('inner fails');
        }),
      ).rejects.toThrow('inner fails');
      await sql.tx(async () => {
        await sql.run("INSERT INTO meta (key, value) VALUES ('second', '3')");
        sql.afterCommit(() => events.push('second committed'));
      });
    });
    expect(events).toEqual(['inner rolled back', 'outer committed', 'second committed']);
    expect(await sql.all<{ key: string }>('SELECT key FROM meta ORDER BY key')).toEqual([
      { key: 'outer' },
      { key: 'second' },
    ]);
  });

  it('group-commits batch jobs: a failing job rolls back alone, the others commit, and each settles after COMMIT', async () => {
    const sql = await engines[engine]();
    const events: string[] = [];
    const job = (key: string, fail: boolean) =>
      sql
        .batch(async () => {
          await sql.run('INSERT INTO meta (key, value) VALUES (?, ?)', [key, 'v']);
          sql.afterCommit(() => events.push(`committed ${key}`));
          sql.onRollback(() => events.push(`rolled back ${key}`));
          events.push(`ran ${key}`);
          if (fail) throw new Error(`job ${key} fails`);
          return key;
        })
        .then(
          (v) => events.push(`settled ${v}`),
          (e: unknown) => events.push(`refused: ${e instanceof Error ? e.message : String(e)}`),
        );
    await Promise.all([job('x', false), job('y', true), job('z', false)]);
    expect(await sql.all('SELECT key FROM meta ORDER BY key')).toEqual([{ key: 'x' }, { key: 'z' }]);
    if (engine === 'sqlite') {
      // One transaction: every job ran before the shared COMMIT, then the hooks, then the callers heard back.
      expect(events).toEqual([
        'ran x',
        'ran y',
        'rolled back y',
        'ran z',
        'committed x',
        'committed z',
        'settled x',
        'refused: job y fails',
        'settled z',
      ]);
    } else {
      // One transaction per job, side by side on the pool.
      expect(events.filter((e) => e.endsWith('x'))).toEqual(['ran x', 'committed x', 'settled x']);
      expect(events.filter((e) => e.endsWith('y'))).toEqual(['ran y', 'rolled back y']);
      expect(events).toContain('refused: job y fails');
      expect(events.filter((e) => e.endsWith('z'))).toEqual(['ran z', 'committed z', 'settled z']);
    }
  });

  it('never shows a transaction that is still open to a statement outside it', async () => {
    const sql = await engines[engine]();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const didInsert = new Promise<void>((r) => (inserted = r));
    const tx = sql.tx(async () => {
      await sql.run("INSERT INTO meta (key, value) VALUES ('pending', 'x')");
      inserted();
      await gate;
    });
    await didInsert;
    const read = sql.all('SELECT key FROM meta');
    const first = await Promise.race([read, new Promise((r) => setTimeout(() => r('still waiting'), 100))]);
    release();
    await tx;
    // SQLite waits for the open transaction (one connection); PostgreSQL reads the last committed state.
    if (engine === 'sqlite') {
      expect(first).toBe('still waiting');
      expect(await read).toEqual([{ key: 'pending' }]);
    } else expect(first).toEqual([]);
  });

  it('enforces the append-only, contiguous ledger and growing, one-per-size checkpoints', async () => {
    const sql = await engines[engine]();
    await insertLedger(sql, 0);
    await expect(insertLedger(sql, 2)).rejects.toThrow(/^LEDGER_GAP: /);
    await expect(insertLedger(sql, 0)).rejects.toThrow();
    await expect(sql.run("UPDATE ledger SET leaf = 'x'")).rejects.toThrow(
      'LEDGER_APPEND_ONLY: ledger entries are never updated',
    );
    await expect(sql.run('DELETE FROM ledger')).rejects.toThrow('LEDGER_APPEND_ONLY: ledger entries are never deleted');
    const cp = 'INSERT INTO checkpoints (size, root, note, created_at) VALUES (?, ?, ?, 0)';
    await sql.run(cp, [1, HASH, 'n1']);
    await expect(sql.run(cp, [1, Buffer.alloc(32, 9), 'n1b'])).rejects.toThrow();
    await expect(sql.run(cp, [0, HASH, 'n0'])).rejects.toThrow('CHECKPOINT_ORDER: checkpoints only grow');
    await expect(sql.run('DELETE FROM checkpoints')).rejects.toThrow(/^LEDGER_APPEND_ONLY: /);
    expect(await sql.all('SELECT size, note FROM checkpoints')).toEqual([{ size: 1, note: 'n1' }]);
    expect(await sql.get('SELECT idx, leaf, leaf_hash FROM ledger')).toEqual({
      idx: 0,
      leaf: 'leaf 0',
      leaf_hash: HASH,
    });
  });

  it('never reuses a tombstoned key and keeps tombstones forever', async () => {
    const sql = await engines[engine]();
    await sql.run(
      `INSERT INTO tombstones (flag_key, archived_at, archived_by, final_ledger_idx, final_leaf_hash, definition)
       VALUES ('old.flag', 1, 'amy', 0, ?, '{}')`,
      [HASH],
    );
    const reuse = insertFlag(sql, 'old.flag');
    await expect(reuse).rejects.toThrow('KEY_TOMBSTONED: this flag key was archived and can never be used again');
    expect(toDomainError(await reuse.catch((e: unknown) => e)).code).toBe('KEY_TOMBSTONED');
    await insertFlag(sql, 'new.flag');
    await expect(sql.run("UPDATE flags SET key = 'old.flag' WHERE key = 'new.flag'")).rejects.toThrow(
      /^KEY_TOMBSTONED: /,
    );
    await expect(sql.run('DELETE FROM tombstones')).rejects.toThrow(
      'TOMBSTONE_PERMANENT: tombstones are never removed',
    );
    await expect(sql.run("UPDATE tombstones SET archived_by = 'x'")).rejects.toThrow(/^TOMBSTONE_PERMANENT: /);
  });

  it('rejects self-approval and a second use of a break-glass token, and keeps prerequisite edges', async () => {
    const sql = await engines[engine]();
    await sql.run(
      `INSERT INTO change_requests (id, flag_key, operation, env, requested_by, reason, before, after, payload_hash,
       required_approvals, status, created_at, updated_at) VALUES ('cr-1', 'a.b', 'state', 'prod', 'rita', 'r', '{}',
       '{}', 'h', 1, 'PENDING', 0, 0)`,
    );
    await expect(sql.run("INSERT INTO approvals VALUES ('cr-1', 'rita', 'h', '', 0)")).rejects.toThrow(
      'SELF_APPROVAL: the requester of a change cannot approve it',
    );
    await sql.run(
      `INSERT INTO break_glass_tokens (id, token_hash, issued_by, justification, scope, expires_at, created_at)
       VALUES ('bg-1', 'th', 'rita', 'outage', '{}', 99, 0)`,
    );
    await sql.run("UPDATE break_glass_tokens SET used_at = 5, used_idx = 3 WHERE id = 'bg-1'");
    const second = sql.run("UPDATE break_glass_tokens SET used_at = 6, used_idx = 4 WHERE id = 'bg-1'");
    await expect(second).rejects.toThrow('BREAK_GLASS_USED: break-glass tokens are single use');
    const refused = toDomainError(await second.catch((e: unknown) => e));
    expect([refused.code, refused.message]).toEqual([
      'BREAK_GLASS_USED',
      'this break-glass token was already used; tokens are single use, issue a new one',
    ]);
    expect(await sql.get("SELECT used_at, used_idx FROM break_glass_tokens WHERE id = 'bg-1'")).toEqual({
      used_at: 5,
      used_idx: 3,
    });
    await insertFlag(sql, 'a.b');
    await sql.run(`INSERT INTO flag_envs VALUES ('a.b', 'prod', '{"prerequisites":["p.q","r.s"]}', 1, 0)`);
    const edges = 'SELECT prerequisite FROM prerequisite_edges ORDER BY prerequisite';
    expect(await sql.all(edges)).toEqual([{ prerequisite: 'p.q' }, { prerequisite: 'r.s' }]);
    await sql.run(`UPDATE flag_envs SET state = '{"prerequisites":["t.u"]}' WHERE flag_key = 'a.b'`);
    expect(await sql.all(edges)).toEqual([{ prerequisite: 't.u' }]);
    await sql.run('DELETE FROM flag_envs');
    expect(await sql.all(edges)).toEqual([]);
  });
});

describe('LISTEN on PostgreSQL', () => {
  it('listens again after the server drops the listening connection, and says so with one empty wake-up', async () => {
    const url = await freshPgDatabase('listen');
    const sql = PgSql.connect(url, 3);
    opened.push(sql);
    const got: string[] = [];
    const until = async (what: string, cond: () => boolean): Promise<void> => {
      const end = Date.now() + 10_000;
      while (!cond()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(got)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const stop = await sql.listen('tombstone_test', (p) => got.push(p));
    await sql.notify('tombstone_test', 'one');
    await until('the first notification', () => got.includes('one'));
    const killed = await sql.all<{ ok: boolean }>(
      "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE query = 'LISTEN tombstone_test'",
    );
    expect(killed).toEqual([{ ok: true }]);
    await until('the wake-up after listening again', () => got.includes(''));
    await sql.notify('tombstone_test', 'two');
    await until('a notification on the new connection', () => got.includes('two'));
    expect(got).toEqual(['one', '', 'two']);
    await stop();
    await sql.notify('tombstone_test', 'three');
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toEqual(['one', '', 'two']);
  });
});

describe('PostgreSQL migrations', () => {
  it('migrate a database once when several instances start at the same time', async () => {
    const url = await freshPgDatabase('mig');
    const a = PgSql.connect(url);
    const b = PgSql.connect(url);
    opened.push(a, b);
    expect(await Promise.all([migratePg(a), migratePg(b), migratePg(a)])).toEqual([5, 5, 5]);
    expect(PG_MIGRATIONS.length).toBe(5);
    expect(await a.all('SELECT version FROM schema_version')).toEqual([{ version: 5 }]);
    // The second migration gives the insertion-ordered tables SQLite's rowid, as an identity column.
    for (const id of ['inc-b', 'inc-a'])
      await a.run(
        "INSERT INTO incidents (id, source, service, title, severity, env, status, triggered_at, updated_at) VALUES (?, 'manual', 's', 't', 'critical', NULL, 'triggered', '2026-12-06T00:00:00.000Z', 1)",
        [id],
      );
    expect(await a.all('SELECT id, rowid FROM incidents ORDER BY rowid')).toEqual([
      { id: 'inc-b', rowid: 1 },
      { id: 'inc-a', rowid: 2 },
    ]);
  });

  it('open through openPgSql, and refuse a database a newer control plane migrated (E_SCHEMA_NEWER)', async () => {
    const url = await freshPgDatabase('newer');
    const sql = await openPgSql(url, 2);
    opened.push(sql);
    expect(await sql.all('SELECT version FROM schema_version')).toEqual([{ version: PG_MIGRATIONS.length }]);
    await sql.run('UPDATE schema_version SET version = ?', [PG_MIGRATIONS.length + 1]);
    await expect(openPgSql(url, 2)).rejects.toMatchObject({
      code: 'E_SCHEMA_NEWER',
      message:
        `E_SCHEMA_NEWER: the database has schema version ${PG_MIGRATIONS.length + 1}, newer than the ` +
        `${PG_MIGRATIONS.length} this control plane knows; run the release that migrated it (or a later one). ` +
        'Nothing was changed.',
    });
    expect(await sql.all('SELECT version FROM schema_version')).toEqual([{ version: PG_MIGRATIONS.length + 1 }]);
  });

  it('keep the sequence row naming the last entry, whatever appends, and refuse direct changes to it', async () => {
    const sql = await engines.postgres();
    const head = 'SELECT size, last_hash FROM ledger_head';
    expect(await sql.get(head)).toEqual({ size: 0, last_hash: null });
    await insertLedger(sql, 0);
    expect(await sql.get(head)).toEqual({ size: 1, last_hash: HASH });
    await expect(sql.run('UPDATE ledger_head SET size = 7')).rejects.toThrow(
      'LEDGER_APPEND_ONLY: the sequence row follows the ledger and is never changed directly',
    );
    await expect(sql.run('DELETE FROM ledger_head')).rejects.toThrow(/^LEDGER_APPEND_ONLY: /);
    expect(await sql.get(head)).toEqual({ size: 1, last_hash: HASH });
  });
});
