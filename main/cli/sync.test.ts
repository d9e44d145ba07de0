/**
 * `tombstone-console sync` as a user runs it: the real CLI in a child process against a real control plane (child
 * process, seeded data dir). Covers what the replica file may look like before a run (empty, half-created, not a
 * replica) and what stdout carries with --json.
 */
import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, spawnControlPlane, type ControlPlaneProcess } from '../sync/test-support/control-plane-process.ts';
import { tamper } from '../ledger/test-support/test-replica.ts';
import {
  FAST_CP,
  changeFlag,
  createFlag,
  dropTemplates,
  seededDataDir,
  serve,
  serverHead,
  tempDir,
  type Served,
} from '../sync/test-support/fixture.ts';

/** Runs the real CLI on the repository's Node 22; resolves to [exit status, stdout, stderr]. */
function cli(args: readonly string[], env: Record<string, string> = {}): Promise<[number, string, string]> {
  return new Promise((resolve) => {
    execFile(
      join(REPO_ROOT, 'node_modules', '.bin', 'node'),
      ['--disable-warning=ExperimentalWarning', join(REPO_ROOT, 'main', 'cli', 'index.ts'), ...args],
      { cwd: REPO_ROOT, timeout: 60_000, env: { ...process.env, TOMBSTONE_TOKEN: '', ...env } },
      (err, stdout, stderr) => {
        const status = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve([status, stdout, stderr]);
      },
    );
  });
}

const ENTRIES = 300;

describe('tombstone-console sync: the replica file before the first run', () => {
  let s: Served;
  let dir: string;
  let once: (db: string) => Promise<[number, string, string]>;

  beforeAll(async () => {
    s = await serve(ENTRIES);
    dir = tempDir('cli-file');
    once = (db) =>
      cli(['sync', '--url', s.cp.url, '--db', db, '--trust', s.cp.verifierKeys[0] ?? '', '--once', '--json'], {
        TOMBSTONE_TOKEN: s.token,
      });
  });
  afterAll(async () => {
    await s.cp.kill();
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(s.dataDir, '..'), { recursive: true, force: true });
    dropTemplates();
  });

  it('a zero-byte file is an empty replica: the first sync fills and verifies it', async () => {
    const db = join(dir, 'zero.sqlite');
    writeFileSync(db, '');
    const [status, out] = await once(db);
    const head = await serverHead(s.cp.url, s.token);
    expect([status, JSON.parse(out)]).toEqual([
      0,
      { ok: true, origin: s.cp.origin, size: head.size, root: head.rootHex },
    ]);
  });

  it('a file left by a run killed during creation (SQLite header, no schema) is an empty replica too', async () => {
    const db = join(dir, 'half.sqlite');
    const raw = new Database(db);
    raw.pragma('journal_mode = WAL');
    raw.close();
    const [status, out] = await once(db);
    expect([status, JSON.parse(out)]).toMatchObject([0, { ok: true, size: ENTRIES }]);
  });

  it('a file that is not a database: exit 2, E_NOT_A_REPLICA with the way forward, one JSON document, file untouched', async () => {
    const db = join(dir, 'garbage.sqlite');
    writeFileSync(db, 'this is not an SQLite database, just some text that happens to be here\n'.repeat(80));
    const before = readFileSync(db);
    const [status, out, err] = await once(db);
    expect(status).toBe(2);
    const doc = JSON.parse(out) as { error: { code: string; message: string } };
    expect(doc.error.code).toBe('E_NOT_A_REPLICA');
    expect(doc.error.message).toContain('Move it aside');
    expect(err).toBe(`E_NOT_A_REPLICA: ${doc.error.message}\n`);
    expect(out.trim().split('\n')).toHaveLength(1);
    expect(readFileSync(db).equals(before)).toBe(true);
  });

  it("another program's SQLite database is refused, not migrated into", async () => {
    const db = join(dir, 'foreign.sqlite');
    const raw = new Database(db);
    raw.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('keep me');");
    raw.close();
    const [status, out] = await once(db);
    expect([status, (JSON.parse(out) as { error: { code: string } }).error.code]).toEqual([2, 'E_NOT_A_REPLICA']);
    const check = new Database(db, { readonly: true });
    expect(check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all()).toEqual(['notes']);
    check.close();
  });

  it('takes the token from --token-file (mode 0600); refuses a file others can read with E_TOKEN_FILE_MODE', async () => {
    const file = join(dir, 'token');
    writeFileSync(file, `${s.token}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    const args = ['sync', '--url', s.cp.url, '--trust', s.cp.verifierKeys[0] ?? '', '--once', '--json'];
    const [ok, out, err] = await cli([...args, '--db', join(dir, 'file-token.sqlite'), '--token-file', file]);
    expect([ok, (JSON.parse(out) as { size: number }).size, err]).toEqual([0, ENTRIES, '']);
    chmodSync(file, 0o644);
    const [refused, refusedOut, refusedErr] = await cli([
      ...args,
      '--db',
      join(dir, 'open-token.sqlite'),
      '--token-file',
      file,
    ]);
    expect(refused).toBe(2);
    const doc = JSON.parse(refusedOut) as { error: { code: string; message: string } };
    expect(doc.error.code).toBe('E_TOKEN_FILE_MODE');
    expect(doc.error.message).toContain(`chmod 600 ${file}`);
    expect(refusedErr.startsWith('E_TOKEN_FILE_MODE: ')).toBe(true);
    // --token still works, with a warning that it shows in the process list.
    const [flag, flagOut, flagErr] = await cli([...args, '--db', join(dir, 'flag-token.sqlite'), '--token', s.token]);
    expect([flag, (JSON.parse(flagOut) as { ok: boolean }).ok]).toEqual([0, true]);
    expect(flagErr).toContain('W_TOKEN_ON_COMMAND_LINE: --token is visible to every user of this machine');
  });

  it('with --json a usage error is one JSON document on stdout too', async () => {
    const [status, out, err] = await cli(['sync', '--db', join(dir, 'x.sqlite'), '--once', '--json']);
    expect(status).toBe(2);
    expect(JSON.parse(out)).toEqual({ error: { code: 'E_USAGE', message: '--url and --db are required' } });
    expect(err.startsWith('E_USAGE: --url and --db are required\n')).toBe(true);
  });
});

/** The replica's sizes, read without opening it as a Replica (which would write its mark and keys). */
function sizes(db: string): { received: number; verified: number } {
  const raw = new Database(db, { readonly: true });
  try {
    const received = raw.prepare('SELECT coalesce(max(idx) + 1, 0) FROM entries').pluck().get() as number;
    const verified = raw.prepare('SELECT verified_size FROM verification_state').pluck().get() as number;
    return { received, verified };
  } finally {
    raw.close();
  }
}

describe('tombstone-console sync on a replica edited since the last run', () => {
  let s: Served;
  let dir: string;

  beforeAll(async () => {
    s = await serve(ENTRIES);
    dir = tempDir('cli-tamper');
  });
  afterAll(async () => {
    await s.cp.kill();
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(s.dataDir, '..'), { recursive: true, force: true });
    dropTemplates();
  });

  it('refuses with the code and index (exit 1, --once and follow mode) and never advances the replica', async () => {
    const db = join(dir, 'r.sqlite');
    const args = ['sync', '--url', s.cp.url, '--db', db, '--trust', s.cp.verifierKeys[0] ?? ''];
    const env = { TOMBSTONE_TOKEN: s.token };
    expect((await cli([...args, '--once', '--json'], env))[0]).toBe(0);
    expect(sizes(db)).toEqual({ received: ENTRIES, verified: ENTRIES });
    // One leaf edited with the append-only trigger dropped, its stored hash left alone (what `verify --db` catches).
    tamper(db, (raw) =>
      raw
        .prepare(
          "UPDATE entries SET leaf = CAST(replace(CAST(leaf AS TEXT), 'seeded change 7\"', 'seeded change X\"') AS BLOB) WHERE idx = 7",
        )
        .run(),
    );
    expect((await cli(['verify', '--db', db, '--json']))[0]).toBe(1);
    await createFlag(s.cp.url, s.token, 'cli.tamper.after');
    const [status, out, err] = await cli([...args, '--once', '--json'], env);
    expect(status).toBe(1);
    const doc = JSON.parse(out) as Record<string, unknown>;
    expect(doc).toMatchObject({ ok: false, code: 'LEAF_HASH_MISMATCH', idx: 7 });
    expect(doc['message']).toContain('nothing was synced into it');
    expect(err).toBe('');
    expect(sizes(db)).toEqual({ received: ENTRIES, verified: ENTRIES });
    const [followed, , followErr] = await cli(args, env);
    expect(followed).toBe(1);
    expect(followErr).toMatch(/^LEAF_HASH_MISMATCH \(idx 7\): The replica cannot be vouched for/);
    expect(sizes(db)).toEqual({ received: ENTRIES, verified: ENTRIES });
  });
});

/** The evidence rows and halt of a replica file. */
function evidenceOf(db: string): { halted: string | null; rows: { kind: string; noteA: string; noteB: string }[] } {
  const raw = new Database(db, { readonly: true });
  try {
    const halted = raw.prepare('SELECT halted FROM verification_state').pluck().get() as string | null;
    const rows = raw.prepare('SELECT kind, note_a AS noteA, note_b AS noteB FROM evidence ORDER BY id').all() as {
      kind: string;
      noteA: string;
      noteB: string;
    }[];
    return { halted, rows };
  } finally {
    raw.close();
  }
}

describe('tombstone-console sync against a longer fork (same key, a copy of the data dir that went on separately)', () => {
  let honest: ControlPlaneProcess;
  let token: string;
  let dir: string;
  const forks: string[] = [];
  const running: ControlPlaneProcess[] = [];

  beforeAll(async () => {
    const seeded = seededDataDir(ENTRIES);
    token = seeded.token;
    dir = tempDir('cli-fork');
    for (const name of ['fork-a', 'fork-b']) {
      forks.push(join(dir, name));
      cpSync(seeded.dataDir, join(dir, name), { recursive: true });
    }
    honest = await spawnControlPlane({ dataDir: seeded.dataDir, args: FAST_CP });
    running.push(honest);
    await createFlag(honest.url, token, 'cli.honest.flag');
    for (let n = 0; n < 2; n++) await changeFlag(honest.url, token, n, 'cli.honest.flag');
  });
  afterAll(async () => {
    for (const cp of running) await cp.kill();
    rmSync(dir, { recursive: true, force: true });
    dropTemplates();
  });

  /** A replica synced from the honest control plane, then pointed at a fork started with `args` that grew longer. */
  async function forkContact(fork: string, args: string[]): Promise<{ db: string; result: [number, string, string] }> {
    const db = join(dir, `${fork.split('/').pop() ?? 'x'}.sqlite`);
    const env = { TOMBSTONE_TOKEN: token };
    const base = ['sync', '--db', db, '--trust', honest.verifierKeys[0] ?? '', '--once', '--json'];
    const first = await cli([...base, '--url', honest.url], env);
    expect(first[0]).toBe(0);
    expect((JSON.parse(first[1]) as { size: number }).size).toBe(ENTRIES + 3);
    const other = await spawnControlPlane({ dataDir: fork, args });
    running.push(other);
    await createFlag(other.url, token, 'cli.fork.flag');
    for (let n = 0; n < 5; n++) await changeFlag(other.url, token, n + 40, 'cli.fork.flag');
    expect((await serverHead(other.url, token)).size).toBe(ENTRIES + 6);
    return { db, result: await cli([...base, '--url', other.url], env) };
  }

  it('a fork that signed a checkpoint at our verified size: EQUIVOCATION on first contact, both notes stored, halted', async () => {
    const { db, result } = await forkContact(forks[0] ?? '', FAST_CP);
    const [status, out] = result;
    expect(status).toBe(1);
    expect(JSON.parse(out)).toMatchObject({ ok: false, code: 'EQUIVOCATION' });
    const ev = evidenceOf(db);
    expect(ev.halted).toBe('EQUIVOCATION');
    expect(ev.rows).toHaveLength(1);
    expect(ev.rows[0]?.kind).toBe('EQUIVOCATION');
    expect([ev.rows[0]?.noteA.split('\n')[1], ev.rows[0]?.noteB.split('\n')[1]]).toEqual([
      String(ENTRIES + 3),
      String(ENTRIES + 3),
    ]);
    expect(ev.rows[0]?.noteA).not.toBe(ev.rows[0]?.noteB);
    const [verified, report] = await cli(['verify', '--db', db, '--json']);
    expect([verified, (JSON.parse(report) as { code: string }).code]).toEqual([1, 'EQUIVOCATION']);
  });

  it('a fork with no checkpoint at our size: FORK from its signed checkpoint and a failing consistency proof', async () => {
    const quiet = ['--heartbeat', '300ms', '--checkpoint-every', '100000', '--checkpoint-interval', '1h'];
    const { db, result } = await forkContact(forks[1] ?? '', quiet);
    const [status, out] = result;
    expect(status).toBe(1);
    expect(JSON.parse(out)).toMatchObject({ ok: false, code: 'FORK' });
    const ev = evidenceOf(db);
    expect(ev.halted).toBe('FORK');
    expect(ev.rows.map((r) => r.kind)).toEqual(['FORK']);
    expect([ev.rows[0]?.noteA.split('\n')[1], ev.rows[0]?.noteB.split('\n')[1]]).toEqual([
      String(ENTRIES + 3),
      String(ENTRIES + 6),
    ]);
    const [again, second] = await cli(
      ['sync', '--db', db, '--url', honest.url, '--trust', honest.verifierKeys[0] ?? '', '--once', '--json'],
      { TOMBSTONE_TOKEN: token },
    );
    expect([again, (JSON.parse(second) as { code: string }).code]).toEqual([1, 'FORK']);
  });
});
