import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeReplica, tamper, tempDir } from '../ledger/test-support/test-replica.ts';
import { Replica } from '../ledger/replica.ts';
import { TestLog, testSigner, trustedKeyOf } from '../ledger/test-support/fixtures.ts';
import { formatVerifierKey } from '../../shared/ledger/index.ts';
import { sha256 } from '../ledger/node-crypto.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const VKEY = formatVerifierKey(sha256, testSigner().name, testSigner().publicKey);

/** Runs the real CLI entry on the repository's Node 22; resolves to [exit status, stdout, stderr]. */
function cli(...args: string[]): Promise<[number, string, string]> {
  return new Promise((resolve) => {
    execFile(
      join(root, 'node_modules', '.bin', 'node'),
      ['--disable-warning=ExperimentalWarning', join(root, 'main', 'cli', 'index.ts'), ...args],
      { cwd: root, timeout: 30_000 },
      (err, stdout, stderr) => {
        const status = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve([status, stdout, stderr]);
      },
    );
  });
}

async function json(...args: string[]): Promise<[number, Record<string, unknown>]> {
  const [status, out] = await cli(...args, '--json');
  return [status, JSON.parse(out) as Record<string, unknown>];
}

describe('tombstone-console verify --db', () => {
  it('exit 0 with the documented JSON report for an intact replica (deep and quick)', async () => {
    const { path } = await makeReplica(30, [10, 30]);
    const [status, report] = await json('verify', '--db', path, '--key', VKEY);
    expect(status).toBe(0);
    expect(report).toMatchObject({
      ok: true,
      code: null,
      idx: null,
      verified_size: 30,
      checkpoints_checked: 2,
      high_water_mark: 'ok',
      trust: 'external',
    });
    expect(Object.keys(report)).toEqual(expect.arrayContaining(['code', 'idx', 'detail', 'verified_size', 'root']));
    expect((await json('verify', '--db', path, '--quick'))[1]).toMatchObject({ ok: true, mode: 'quick' });
    const [text, out] = await cli('verify', '--db', path);
    expect([text, out.split('\n')[0]]).toEqual([0, 'VERIFIED  example.com/flags-ledger']);
  });

  it('exit 1 naming code and idx for tampering; the human report says FAILED', async () => {
    const { path } = await makeReplica(30, [10, 30]);
    tamper(path, (db) =>
      db
        .prepare(
          'UPDATE entries SET leaf = CAST(replace(CAST(leaf AS TEXT), \'"ramp"\', \'"ramq"\') AS BLOB) WHERE idx = 12',
        )
        .run(),
    );
    const [status, report] = await json('verify', '--db', path);
    expect([status, report['code'], report['idx'], report['verified_size']]).toEqual([1, 'LEAF_HASH_MISMATCH', 12, 30]);
    const [, text] = await cli('verify', '--db', path);
    expect(text.split('\n')[0]).toBe('FAILED  LEAF_HASH_MISMATCH at idx 12  (example.com/flags-ledger)');
    tamper(path, (db) => db.prepare('DELETE FROM entries WHERE idx >= 20').run());
    expect((await json('verify', '--db', path, '--quick'))[1]).toMatchObject({
      ok: false,
      code: 'SIZE_MISMATCH',
      idx: 20,
    });
  });

  it('exit 1 HIGH_WATER_MARK_ROLLBACK when an older copy of the database is restored', async () => {
    const { dir, path, log } = await makeReplica(20, [10]);
    copyFileSync(path, join(dir, 'old.sqlite'));
    const r = Replica.open({ path, origin: log.origin, trustedKeys: [trustedKeyOf(testSigner())] });
    await r.appendEntries(log.entries(10));
    await r.applyCheckpoint(log.checkpoint(20));
    r.close();
    copyFileSync(join(dir, 'old.sqlite'), path);
    const [status, report] = await json('verify', '--db', path);
    expect([status, report['code'], report['verified_size']]).toEqual([1, 'HIGH_WATER_MARK_ROLLBACK', 10]);
    // The mark was read and compared: the report says so instead of "not-checked".
    expect(report['high_water_mark']).toBe('failed');
  });

  it('exit 1 naming the evidence when the replica holds EQUIVOCATION evidence (never VERIFIED)', async () => {
    const { path, log } = await makeReplica(20, [10, 20]);
    const r = Replica.open({ path, origin: log.origin, trustedKeys: [trustedKeyOf(testSigner())] });
    const forked = new TestLog();
    for (const t of log.texts.slice(0, 15)) forked.push(t);
    forked.add((l) => ({ ...l, reason: 'forked' }));
    forked.addMany(4);
    expect(await r.applyCheckpoint(forked.checkpoint(20))).toMatchObject({ kind: 'equivocation', size: 20 });
    r.close();
    const [status, report] = await json('verify', '--db', path, '--key', VKEY);
    expect([status, report['ok'], report['code'], report['idx'], report['high_water_mark']]).toEqual([
      1,
      false,
      'EQUIVOCATION',
      null,
      'ok',
    ]);
    expect(report['entries_checked']).toBe(20);
    expect(report['evidence']).toEqual([
      {
        id: 1,
        kind: 'EQUIVOCATION',
        idx: null,
        detected_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        detail: 'two validly signed checkpoints of the same size have different roots',
      },
    ]);
    expect(report['detail']).toContain('EQUIVOCATION evidence #1');
    const [text, out] = await cli('verify', '--db', path);
    expect(text).toBe(1);
    expect(out.split('\n')[0]).toBe('FAILED  EQUIVOCATION  (example.com/flags-ledger)');
    expect(out).toContain('  evidence #1: EQUIVOCATION, ');
  });

  it('exit 2 for usage and I/O errors (each names E_USAGE, E_IO or E_NOT_A_REPLICA)', async () => {
    const cases = [
      ['verify'],
      ['verify', '--db'],
      ['verify', '--db', 'a.sqlite', '--entries', 'b.ndjson'],
      ['verify', '--db', 'x.sqlite', '--bogus'],
      ['verify', '--db', '/nonexistent/replica.sqlite'],
      ['verify', '--db', 'package.json'],
      ['verify', '--entries', 'x.ndjson', '--checkpoint', 'y.txt'],
      ['verify', '--entries', 'x.ndjson', '--checkpoint', 'y.txt', '--key', 'not-a-key'],
      ['verify', '--db', 'x.sqlite', '--threads', '-1'],
      ['verify', '--entries', '/nonexistent.ndjson', '--checkpoint', '/nonexistent.txt', '--key', VKEY],
      ['export', '--db', '/nonexistent/replica.sqlite', '--out', '/tmp/x'],
      ['export', '--out', '/tmp/x'],
    ];
    const results = await Promise.all(
      cases.map(async (args) => {
        const [status, , stderr] = await cli(...args);
        return [args.join(' '), status, /^E_(USAGE|IO|NOT_A_REPLICA)/.test(stderr)];
      }),
    );
    expect(results).toEqual(cases.map((args) => [args.join(' '), 2, true]));
  });

  it('with --json, an error is also the one JSON document on stdout', async () => {
    const [status, out, err] = await cli('verify', '--db', '/nonexistent/replica.sqlite', '--json');
    expect(status).toBe(2);
    const code = /^(E_[A-Z_]+): /.exec(err)?.[1];
    expect(JSON.parse(out)).toEqual({ error: { code, message: err.trim().slice(`${code ?? ''}: `.length) } });
    const [exported, exportOut] = await cli('export', '--out', '/tmp/x', '--json');
    expect([exported, (JSON.parse(exportOut) as { error: { code: string } }).error.code]).toEqual([2, 'E_USAGE']);
  });
});

describe('tombstone-console export + verify --entries (auditor mode)', () => {
  it('round-trips: export, verify elsewhere; a tampered export line or an untrusted key exits 1', async () => {
    const { path } = await makeReplica(25, [10, 25]);
    const out = join(tempDir(), 'export');
    const [status, exported] = await cli('export', '--db', path, '--out', out, '--json');
    expect(status).toBe(0);
    expect(JSON.parse(exported)).toMatchObject({ entries: 25, verified_size: 25, checkpoints: 2 });
    expect(readFileSync(join(out, 'trusted-keys.txt'), 'utf8')).toBe(`${VKEY}\n`);
    const entries = join(out, 'entries.ndjson');
    const args = ['verify', '--entries', entries, '--checkpoint', join(out, 'checkpoint.txt'), '--key', VKEY];
    expect(await json(...args)).toEqual([0, expect.objectContaining({ ok: true, verified_size: 25, pending: 0 })]);
    expect(
      (
        await json('verify', '--entries', entries, '--checkpoint', join(out, 'checkpoints', '10.txt'), '--key', VKEY)
      )[1],
    ).toMatchObject({ ok: true, verified_size: 10, pending: 15 });
    const other = formatVerifierKey(
      sha256,
      testSigner().name,
      testSigner(testSigner().name, '55'.repeat(32)).publicKey,
    );
    expect((await json(...args.slice(0, -1), other))[1]).toMatchObject({ ok: false, code: 'NO_TRUSTED_SIGNATURE' });
    const lines = readFileSync(entries, 'utf8').split('\n');
    lines[7] = lines[7]!.replace('"ramp"', '"ramq"');
    writeFileSync(entries, lines.join('\n'));
    expect(await json(...args)).toEqual([1, expect.objectContaining({ ok: false, code: 'PREV_MISMATCH', idx: 8 })]);
    writeFileSync(entries, lines.slice(0, 20).join('\n'));
    expect((await json(...args))[1]).toMatchObject({ ok: false, code: 'SIZE_MISMATCH', idx: 20 });
  });
});
