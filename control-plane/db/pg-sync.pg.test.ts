/**
 * PgSyncDatabase against the run's PostgreSQL: the better-sqlite3 subset with exact values, placeholder rewriting,
 * nested transactions, errors carrying their SQLSTATE, timeouts, unreachable and lost connections, and Store on top.
 */
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test-support/free-port.ts';
import { freshPgDatabase } from '../../test-support/pg-context.ts';
import { PgSyncDatabase, PgSyncError, toPgParams } from './pg-sync.ts';
import { Store } from './store.ts';

let url = '';
let db: PgSyncDatabase;
const opened: PgSyncDatabase[] = [];

function open(options?: ConstructorParameters<typeof PgSyncDatabase>[1]): PgSyncDatabase {
  const d = new PgSyncDatabase(url, options);
  opened.push(d);
  return d;
}

function thrown(fn: () => unknown): PgSyncError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PgSyncError) return err;
    throw err;
  }
  throw new Error('expected a PgSyncError');
}

beforeAll(async () => {
  url = await freshPgDatabase('pgsync');
  db = open();
  db.exec(`
    CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE, amount NUMERIC, blob BYTEA, ok BOOLEAN,
      CONSTRAINT name_short CHECK (length(name) < 10));
    CREATE FUNCTION no_bad() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.name = 'bad' THEN RAISE EXCEPTION 'KEY_TOMBSTONED: no bad rows'; END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER no_bad BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION no_bad();`);
});

afterAll(() => {
  for (const d of opened) d.close();
});

function reset(): void {
  db.exec('DELETE FROM t');
}

describe('statements', () => {
  it('get, all, run, pluck, raw and iterate return exact values', () => {
    reset();
    const ins = db.prepare('INSERT INTO t (id, name, amount, blob, ok) VALUES (?, ?, ?, ?, ?)');
    expect(ins.run(1, 'one', 1.5, Buffer.from([1, 2]), true)).toEqual({ changes: 1, lastInsertRowid: 0 });
    expect(ins.run(2, 'two', null, new Uint8Array([255]), false)).toEqual({ changes: 1, lastInsertRowid: 0 });
    const row = db.prepare('SELECT * FROM t WHERE id = ?').get(1) as Record<string, unknown>;
    expect(row).toEqual({ id: 1, name: 'one', amount: 1.5, blob: Buffer.from([1, 2]), ok: true });
    expect(Buffer.isBuffer(row.blob)).toBe(true);
    expect(db.prepare('SELECT id, name FROM t ORDER BY id').all()).toEqual([
      { id: 1, name: 'one' },
      { id: 2, name: 'two' },
    ]);
    expect(db.prepare('SELECT * FROM t WHERE id = ?').get(3)).toBeUndefined();
    expect(db.prepare('SELECT name FROM t ORDER BY id').pluck().all()).toEqual(['one', 'two']);
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(2);
    expect(db.prepare('SELECT sum(amount) FROM t').pluck().get()).toBe(1.5);
    const raw = db.prepare('SELECT id, blob FROM t ORDER BY id').raw().all() as unknown[][];
    expect(raw).toEqual([
      [1, Buffer.from([1, 2])],
      [2, Buffer.from([255])],
    ]);
    expect(Buffer.isBuffer(raw[1]?.[1])).toBe(true);
    const s = db.prepare('SELECT name, ok FROM t ORDER BY id').raw();
    expect([...s.iterate()]).toEqual([
      ['one', true],
      ['two', false],
    ]);
    expect(s.raw(false).get()).toEqual({ name: 'one', ok: true });
    expect(db.prepare('UPDATE t SET ok = NOT ok').run()).toEqual({ changes: 2, lastInsertRowid: 0 });
    expect(db.prepare('SELECT 9007199254740991::bigint AS big, 12.25::numeric AS n').get()).toEqual({
      big: 9007199254740991,
      n: 12.25,
    });
    expect(db.prepare('SELECT ?::bigint AS v').get(10n)).toEqual({ v: 10 });
    expect(db.prepare(`SELECT '{"a":1}'::jsonb AS j`).pluck().get()).toBe('{"a": 1}');
  });

  it('binds positional and named parameters; `?` and `@x` in literals and comments stay', () => {
    expect(toPgParams(`SELECT '?' , "a?" , ? -- ?\n, /* @x ? */ @x, @y, @x, $$ ? $$, ?`)).toEqual({
      text: `SELECT '?' , "a?" , $1 -- ?\n, /* @x ? */ $2, $3, $2, $$ ? $$, $4`,
      slots: [0, 'x', 'y', 1],
    });
    expect(db.prepare(`SELECT '?' AS q, 'it''s ?' AS r, ?::int AS v, ?::text AS w`).get(5, 'x')).toEqual({
      q: '?',
      r: "it's ?",
      v: 5,
      w: 'x',
    });
    expect(db.prepare('SELECT @a::int + @b::int AS s, @a::int AS a').get({ a: 2, b: 3 })).toEqual({ s: 5, a: 2 });
    expect(db.prepare('SELECT ?::int AS p, @n::text AS n').get(7, { n: 'named' })).toEqual({ p: 7, n: 'named' });
    expect(db.prepare('SELECT ?::int + ?::int AS s').pluck().get([1, 2])).toBe(3);
    expect(() => db.prepare('SELECT @a::int').get({ b: 1 })).toThrow('Missing named parameter "a"');
    expect(() => db.prepare('SELECT ?::int').get()).toThrow('Too few parameter values were provided');
    expect(() => db.prepare('SELECT ?::int').get(1, 2)).toThrow('Too many parameter values were provided');
    expect(db.prepare('SELECT 1 AS one').get()).toEqual({ one: 1 });
  });

  it('exec runs a script of several statements', () => {
    reset();
    expect(db.exec(`INSERT INTO t (id, name) VALUES (1, 'a'); INSERT INTO t (id, name) VALUES (2, 'b')`)).toBe(db);
    expect(db.prepare('SELECT name FROM t ORDER BY id').pluck().all()).toEqual(['a', 'b']);
  });
});

describe('transactions', () => {
  it('nests as savepoints: the inner one rolls back alone', () => {
    reset();
    const insert = db.prepare('INSERT INTO t (id, name) VALUES (?, ?)');
    const states: boolean[] = [db.inTransaction];
    const inner = db.transaction((id: number) => {
      insert.run(id, `n${id}`);
      states.push(db.inTransaction);
      throw new Error('inner fails');
    });
    const outer = db.transaction(() => {
      insert.run(1, 'n1');
      expect(() => inner(2)).toThrow('inner fails');
      insert.run(3, 'n3');
      return 'done';
    });
    expect(outer()).toBe('done');
    states.push(db.inTransaction);
    expect(states).toEqual([false, true, false]);
    expect(db.prepare('SELECT id FROM t ORDER BY id').pluck().all()).toEqual([1, 3]);
    const failing = db.transaction(() => {
      insert.run(4, 'n4');
      throw new Error('outer fails');
    });
    expect(() => failing()).toThrow('outer fails');
    expect(db.inTransaction).toBe(false);
    expect(db.prepare('SELECT id FROM t ORDER BY id').pluck().all()).toEqual([1, 3]);
  });

  it('a COMMIT of a transaction PostgreSQL aborted throws instead of rolling back silently', () => {
    reset();
    const tx = db.transaction(() => {
      db.prepare(`INSERT INTO t (id, name) VALUES (1, 'x')`).run();
      expect(() => db.prepare(`INSERT INTO t (id, name) VALUES (1, 'y')`).run()).toThrow();
    });
    const err = thrown(tx);
    expect([err.code, err.message]).toEqual([
      '25P02',
      'the transaction was rolled back at COMMIT because a statement in it had failed',
    ]);
    expect(db.inTransaction).toBe(false);
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(0);
  });
});

describe('errors', () => {
  it('rethrows PostgreSQL errors with SQLSTATE, constraint and detail', () => {
    reset();
    db.prepare(`INSERT INTO t (id, name) VALUES (1, 'a')`).run();
    const dup = thrown(() => db.prepare(`INSERT INTO t (id, name) VALUES (2, 'a')`).run());
    expect(dup).toMatchObject({
      code: '23505',
      constraint: 't_name_key',
      detail: 'Key (name)=(a) already exists.',
      message: 'duplicate key value violates unique constraint "t_name_key"',
    });
    const check = thrown(() => db.prepare(`INSERT INTO t (id, name) VALUES (3, 'much too long')`).run());
    expect([check.code, check.constraint]).toEqual(['23514', 'name_short']);
    const trigger = thrown(() => db.prepare(`INSERT INTO t (id, name) VALUES (4, 'bad')`).run());
    expect([trigger.code, trigger.message]).toEqual(['P0001', 'KEY_TOMBSTONED: no bad rows']);
    const syntax = thrown(() => db.prepare('SELEC 1').get());
    expect(syntax.code).toBe('42601');
  });

  it('a statement over statement_timeout gives E_DATABASE_TIMEOUT and the connection stays usable', () => {
    // A wide client-side wait, so only the server's statement_timeout can end the statement (even on a busy machine).
    const d = open({ timeoutMs: 20_000, statementTimeoutMs: 300 });
    const err = thrown(() => d.prepare('SELECT pg_sleep(5)').get());
    expect([err.code, err.sqlState]).toEqual(['E_DATABASE_TIMEOUT', '57014']);
    expect(err.message).toMatch(/^E_DATABASE_TIMEOUT: the server cancelled the statement \(canceling statement/);
    expect(d.prepare('SELECT 1 AS one').get()).toEqual({ one: 1 });
  });

  it('a wait past timeoutMs gives E_DATABASE_TIMEOUT and closes the connection', () => {
    const d = open({ timeoutMs: 300, statementTimeoutMs: 0 });
    const started = Date.now();
    const err = thrown(() => d.prepare('SELECT pg_sleep(30)').get());
    // Well before the statement would have ended: the wait, not the statement, ended the call.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(err.message).toBe(
      'E_DATABASE_TIMEOUT: no answer from the database within 300 ms; the connection was closed; make the ' +
        'statement cheaper (index, smaller batch) or raise the timeout, then retry.',
    );
    expect(d.open).toBe(false);
    expect(thrown(() => d.prepare('SELECT 1').get()).code).toBe('E_DATABASE_UNREACHABLE');
  });

  it('an unreachable server gives E_DATABASE_UNREACHABLE', async () => {
    const port = await freePort();
    const started = Date.now();
    const err = thrown(() => new PgSyncDatabase(`postgres://postgres@127.0.0.1:${port}/x`, { timeoutMs: 2000 }));
    // Refused at once; bounded by the first wait (timeoutMs plus the worker's start-up allowance of 5 s).
    expect(Date.now() - started).toBeLessThan(7000);
    expect(err.code).toBe('E_DATABASE_UNREACHABLE');
    expect(err.message).toMatch(
      /^E_DATABASE_UNREACHABLE: the database connection failed \(.*ECONNREFUSED.*\); check that PostgreSQL is running/,
    );
  });

  it('a connection lost inside a transaction fails it; the next one reconnects', () => {
    reset();
    const d = open();
    const pid = d.prepare('SELECT pg_backend_pid()').pluck().get() as number;
    const tx = d.transaction(() => {
      d.prepare(`INSERT INTO t (id, name) VALUES (1, 'a')`).run();
      db.prepare('SELECT pg_terminate_backend(?::int)').get(pid);
      d.prepare(`INSERT INTO t (id, name) VALUES (2, 'b')`).run();
    });
    const err = thrown(tx);
    expect(err.code).toBe('E_DATABASE_UNREACHABLE');
    // The server's FATAL 57P01 either answers the next statement or, if the worker read it first, marks the
    // transaction lost (08006): which one wins is a race, the outcome is the same.
    expect(['57P01', '08006']).toContain(err.sqlState);
    expect(d.inTransaction).toBe(false);
    expect(d.prepare('SELECT count(*) FROM t').pluck().get()).toBe(0);
    expect(d.prepare('SELECT pg_backend_pid()').pluck().get()).not.toBe(pid);
  });
});

describe('Store over PgSyncDatabase', () => {
  it('tx runs commit hooks after COMMIT and rollback hooks after ROLLBACK', () => {
    reset();
    const store = new Store(db as unknown as Database.Database);
    const log: string[] = [];
    const count = (): unknown => db.prepare('SELECT count(*) FROM t').pluck().get();
    store.tx(() => {
      db.prepare(`INSERT INTO t (id, name) VALUES (1, 'a')`).run();
      store.afterCommit(() => log.push(`commit ${String(count())}`));
      store.tx(() => db.prepare(`INSERT INTO t (id, name) VALUES (2, 'b')`).run());
      log.push(`inside ${String(store.inTx)}`);
    });
    expect(() =>
      store.tx(() => {
        db.prepare(`INSERT INTO t (id, name) VALUES (3, 'c')`).run();
        store.afterCommit(() => log.push('never'));
        store.onRollback(() => log.push('rolled back'));
        throw new Error('no');
      }),
    ).toThrow('no');
    expect(log).toEqual(['inside true', 'commit 2', 'rolled back']);
    expect(count()).toBe(2);
  });

  it('batch: the failing job rolls back alone, the others commit together', async () => {
    reset();
    const store = new Store(db as unknown as Database.Database);
    const insert = (id: number, name: string) => () => {
      db.prepare('INSERT INTO t (id, name) VALUES (@id, @name)').run({ id, name });
      return id;
    };
    const results = await Promise.allSettled([
      store.batch(insert(1, 'a')),
      store.batch(() => {
        insert(2, 'b')();
        return insert(3, 'a')();
      }),
      store.batch(insert(4, 'd')),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as PgSyncError).code))).toEqual([
      1,
      '23505',
      4,
    ]);
    expect(db.prepare('SELECT id FROM t ORDER BY id').pluck().all()).toEqual([1, 4]);
    expect(db.inTransaction).toBe(false);
  });
});
