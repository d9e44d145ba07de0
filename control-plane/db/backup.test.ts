import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startControlPlane } from '../server.ts';
import { makeFlag, startHarness, waitFor, type Harness } from '../test-support/harness.ts';
import { BackupError, backupDataDir, checkBackup } from './backup.ts';
import { DB_FILE } from './open-db.ts';

const out = mkdtempSync(join(tmpdir(), 'cp-backup-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

async function refusal(p: Promise<unknown>): Promise<BackupError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof BackupError) return err;
    throw err;
  }
  throw new Error('expected a BackupError');
}

/** Resolves once the latest signed checkpoint covers every entry. */
async function signed(x: Harness): Promise<void> {
  await waitFor(() => x.cp.app.checkpoints.latest?.size === x.cp.app.ledger.size);
}

describe('control-plane backup', () => {
  it('copies a running server consistently, checks it, and a server started on the copy serves the same log', async () => {
    h = await startHarness();
    for (let i = 0; i < 5; i++) await makeFlag(h, `payments.backup.flag-${i}`);
    await signed(h);
    const file = join(out, 'a.sqlite');
    const report = await backupDataDir(h.dataDir, file);
    const size = h.cp.app.ledger.size;
    expect(report).toMatchObject({ file, entries: size, checkpoint: { size } });
    expect(report.checkpoint?.rootHex).toMatch(/^[0-9a-f]{64}$/);
    expect(existsSync(`${file}.partial`)).toBe(false);
    // One self-contained file (not WAL): restoring it is copying it into a data dir, beside the keys and secret.
    const restored = join(out, 'restored');
    mkdirSync(join(restored, 'keys'), { recursive: true });
    copyFileSync(file, join(restored, DB_FILE));
    for (const k of ['keys/k1.seed', 'secret']) copyFileSync(join(h.dataDir, k), join(restored, k));
    const again = await startControlPlane({ dataDir: restored, log: () => undefined });
    try {
      expect(again.app.ledger.size).toBe(size);
      expect(again.app.checkpoints.latest?.size).toBeGreaterThanOrEqual(size);
    } finally {
      await again.close();
    }
    expect(checkBackup(file)).toEqual({ entries: size, checkpoint: report.checkpoint });
  });

  it('never overwrites, says when there is no database, and refuses a copy whose leaves were edited', async () => {
    h = await startHarness();
    await makeFlag(h, 'payments.backup.only');
    await signed(h);
    const taken = join(out, 'b.sqlite');
    writeFileSync(taken, 'keep me');
    const exists = await refusal(backupDataDir(h.dataDir, taken));
    expect([exists.code, exists.message]).toEqual([
      'E_BACKUP_EXISTS',
      `E_BACKUP_EXISTS: ${taken} exists; name a new file (a backup never overwrites one).`,
    ]);
    const empty = join(out, 'empty');
    mkdirSync(empty);
    expect((await refusal(backupDataDir(empty, join(out, 'c.sqlite')))).code).toBe('E_NO_DATABASE');
    expect(existsSync(join(out, 'c.sqlite'))).toBe(false);

    const good = join(out, 'd.sqlite');
    await backupDataDir(h.dataDir, good);
    const edited = join(out, 'e.sqlite');
    copyFileSync(good, edited);
    const raw = new Database(edited);
    // Triggers keep the ledger append-only; an attacker with the file drops them first.
    for (const t of raw
      .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'ledger'")
      .pluck()
      .all())
      raw.exec(`DROP TRIGGER "${String(t)}"`);
    raw.prepare("UPDATE ledger SET leaf = replace(leaf, 'payments', 'paymentz') WHERE idx = 0").run();
    raw.close();
    expect(() => checkBackup(edited)).toThrow(
      `E_BACKUP_INVALID: ${edited} holds entry #0 whose bytes do not match its stored hash. Do not restore it; take a new backup.`,
    );
  });

  it('the CLI prints what the backup holds, and exits 1 with the code when refused', () => {
    const dir = join(out, 'cli');
    const node = process.execPath;
    const cli = fileURLToPath(new URL('../cli.ts', import.meta.url));
    const run = (...args: string[]) =>
      spawnSync(node, ['--disable-warning=ExperimentalWarning', cli, ...args], { encoding: 'utf8' });
    expect(run('user', 'add', 'ada', '--role', 'admin', '--data', dir).status).toBe(0);
    const file = join(out, 'cli.sqlite');
    const made = run('backup', '--data', dir, '--out', file);
    expect(made.status).toBe(0);
    expect(made.stdout).toMatch(
      new RegExp(
        `^backup of ${dir} written to ${file} \\(\\d+ bytes\\): 0 entries, every leaf matches its hash; no signed checkpoint yet\\. The signing keys \\(keys/\\) and the secret are not in it: back them up separately\\.\\n$`,
      ),
    );
    const again = run('backup', '--data', dir, '--out', file);
    expect([again.status, again.stderr]).toEqual([
      1,
      `E_BACKUP_EXISTS: ${file} exists; name a new file (a backup never overwrites one).\n`,
    ]);
    const checked = run('backup', '--check', file);
    expect([checked.status, checked.stdout]).toEqual([
      0,
      `${file}: 0 entries, every leaf matches its hash; no signed checkpoint yet\n`,
    ]);
    expect(run('backup', '--data', dir).status).toBe(2);
    const missing = join(out, 'no-such.sqlite');
    const notThere = run('backup', '--check', missing);
    expect([notThere.status, notThere.stderr]).toEqual([
      1,
      `E_BACKUP_INVALID: ${missing} is not a readable control-plane database (unable to open database file). Do not restore it; check the path or take a new backup.\n`,
    ]);
  });
});
