import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startControlPlane } from '../server.ts';
import { DatabaseOpenError } from './db-errors.ts';
import { lockDataDir } from './data-dir-lock.ts';

const root = mkdtempSync(join(tmpdir(), 'cp-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(root, `d${++n}`);

function refusal(fn: () => unknown): DatabaseOpenError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DatabaseOpenError) return err;
    throw err;
  }
  throw new Error('expected E_DATA_DIR_IN_USE');
}

describe('one control plane per data dir', () => {
  it('a second lock is refused with E_DATA_DIR_IN_USE naming the holder; released, the dir can be locked again', () => {
    const dir = fresh();
    const first = lockDataDir(dir, () => Date.parse('2026-12-06T04:00:00Z'));
    const err = refusal(() => lockDataDir(dir));
    expect(err.code).toBe('E_DATA_DIR_IN_USE');
    expect(err.message).toBe(
      `E_DATA_DIR_IN_USE: another control plane is serving ${dir} (pid ${process.pid} since 2026-12-06T04:00:00.000Z); ` +
        'one data dir serves one instance. Stop it, or start this one with another --data. Nothing was changed.',
    );
    first.release();
    first.release(); // idempotent
    lockDataDir(dir).release();
  });

  it('a second server on the same data dir is refused while the first keeps serving; after close it starts', async () => {
    const dir = fresh();
    const a = await startControlPlane({ dataDir: dir, log: () => undefined });
    try {
      await expect(startControlPlane({ dataDir: dir, log: () => undefined })).rejects.toMatchObject({
        code: 'E_DATA_DIR_IN_USE',
      });
      expect((await fetch(`${a.url}/health`)).status).toBe(200);
    } finally {
      await a.close();
    }
    const b = await startControlPlane({ dataDir: dir, log: () => undefined });
    await b.close();
  });

  it('a holder killed with SIGKILL leaves no stale lock', async () => {
    const dir = fresh();
    const module = fileURLToPath(new URL('./data-dir-lock.ts', import.meta.url));
    const child = spawn(
      process.execPath,
      [
        '--disable-warning=ExperimentalWarning',
        '--input-type=module',
        '-e',
        `const { lockDataDir } = await import(${JSON.stringify(module)}); lockDataDir(${JSON.stringify(dir)}); ` +
          `process.stdout.write('held\\n'); setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the child did not take the lock in 10 s')), 10_000);
        child.stdout.on('data', (d: Buffer) => {
          if (d.toString().includes('held')) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('exit', (code) => reject(new Error(`the child exited (${String(code)})`)));
      });
      expect(refusal(() => lockDataDir(dir)).message).toContain(`(pid ${child.pid} since `);
    } finally {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
    }
    lockDataDir(dir).release();
  });
});
