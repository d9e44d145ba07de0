import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { Replica } from './replica.ts';
import { isEmptyReplica } from './replica-db.ts';
import { verifyReplicaFile } from './verify-run.ts';
import { tempDir, testTrust } from './test-support/test-replica.ts';
import { TEST_ORIGIN, TestLog } from './test-support/fixtures.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const child = join(root, 'main', 'ledger', 'test-support', 'crash-child.ts');

/** Runs the child until it dies; in "loop" mode the parent SIGKILLs it `afterMs` after it reports ready. */
function runChild(path: string, mode: string, afterMs = 0): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      join(root, 'node_modules', '.bin', 'node'),
      ['--disable-warning=ExperimentalWarning', child, path, mode],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.stdout.on('data', (d: Buffer) => {
      if (mode === 'loop' && d.toString().includes('ready')) setTimeout(() => p.kill('SIGKILL'), afterMs);
    });
    p.on('error', reject);
    p.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve(signal);
    });
  });
}

/** Reopens, checks the state is consistent and verifies, then resumes ingestion from where it stopped. */
async function assertConsistent(path: string): Promise<{ verified: number; received: number }> {
  const replica = Replica.open({ path, origin: TEST_ORIGIN, trustedKeys: testTrust });
  const status = replica.status();
  const cps = replica.checkpoints();
  expect(status.verifiedSize).toBe(cps.at(-1)?.size ?? 0);
  expect(status.receivedSize).toBeGreaterThanOrEqual(status.verifiedSize);
  const log = new TestLog();
  log.addMany(status.receivedSize + 5);
  expect(replica.entries(0, status.receivedSize).map((e) => e.text)).toEqual(log.texts.slice(0, status.receivedSize));
  await replica.appendEntries(log.entries(status.receivedSize));
  expect((await replica.applyCheckpoint(log.checkpoint())).kind).toBe('promoted');
  replica.close();
  expect(await verifyReplicaFile(path, { threads: 0, trustedKeys: testTrust })).toMatchObject({
    ok: true,
    verifiedSize: status.receivedSize + 5,
  });
  return { verified: status.verifiedSize, received: status.receivedSize };
}

describe('crash consistency (SIGKILLed child process)', () => {
  it('killed inside the promotion transaction: the checkpoint and the state roll back together', async () => {
    const path = join(tempDir(), 'r.sqlite');
    expect(await runChild(path, 'hook')).toBe('SIGKILL');
    expect(await assertConsistent(path)).toEqual({ verified: 40, received: 60 });
  });

  it('killed between inserting entries and updating the state: entries stay pending, state unchanged', async () => {
    const path = join(tempDir(), 'r.sqlite');
    expect(await runChild(path, 'between')).toBe('SIGKILL');
    expect(await assertConsistent(path)).toEqual({ verified: 40, received: 60 });
  });

  it('killed while creating the replica: creation is one transaction, the file left behind is an empty replica', async () => {
    const path = join(tempDir(), 'r.sqlite');
    expect(await runChild(path, 'create')).toBe('SIGKILL');
    expect(existsSync(path)).toBe(true);
    const db = new Database(path, { readonly: true });
    expect(isEmptyReplica(db)).toBe(true); // no half-made schema: the migration rolled back with the state row
    db.close();
    expect(await assertConsistent(path)).toEqual({ verified: 0, received: 0 });
  });

  it('killed at arbitrary moments, three times in a row: always consistent and resumable', async () => {
    const path = join(tempDir(), 'r.sqlite');
    let last = -1;
    for (const afterMs of [50, 120, 200]) {
      expect(await runChild(path, 'loop', afterMs)).toBe('SIGKILL');
      const { received } = await assertConsistent(path);
      expect(received).toBeGreaterThan(last);
      last = received + 5;
    }
  });
});
