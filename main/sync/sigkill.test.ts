/**
 * Crash safety of the headless sync: the syncing process is SIGKILLed mid-backfill again and again (each time right
 * after it reported progress, so inside the next batch); every restart resumes where the replica stopped, and a final
 * `--once` run verifies the whole log at the server's root.
 */
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Replica } from '../ledger/replica.ts';
import { REPO_ROOT } from './test-support/control-plane-process.ts';
import { dropTemplates, serve, serverHead, tempDir } from './test-support/fixture.ts';

const ENTRIES = 10_000;
const KILLS = 10;
const NODE = [process.execPath, '--disable-warning=ExperimentalWarning', 'main/cli/index.ts', 'sync'];

/** Runs `sync` in follow mode and SIGKILLs it shortly after its first progress report; resolves with what it printed. */
function runAndKill(args: string[], jitterMs: number): Promise<string> {
  const [cmd, ...rest] = NODE as [string, ...string[]];
  const child = spawn(cmd, [...rest, ...args, '--json'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (/"kind":"backfilling","url":"[^"]+","done":[1-9]/.test(out))
        setTimeout(() => child.kill('SIGKILL'), jitterMs);
    });
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

function receivedSize(path: string, origin: string): number {
  const r = Replica.open({ path, origin });
  try {
    return r.status().receivedSize;
  } finally {
    r.close();
  }
}

describe('SIGKILL of the syncing process mid-batch', () => {
  afterAll(() => dropTemplates());

  it(`resumes after ${KILLS} kills and verifies the whole log`, async () => {
    const s = await serve(ENTRIES);
    const dir = tempDir('sigkill');
    try {
      const db = join(dir, 'r.sqlite');
      const args = [
        '--url',
        s.cp.url,
        '--token',
        s.token,
        '--db',
        db,
        '--trust',
        s.cp.verifierKeys[0] ?? '',
        '--page-size',
        '300',
      ];
      const sizes: number[] = [];
      for (let i = 0; i < KILLS; i++) {
        await runAndKill(args, (i * 7) % 40);
        sizes.push(receivedSize(db, s.cp.origin));
      }
      for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeGreaterThanOrEqual(sizes[i - 1] ?? 0);
      expect(sizes.filter((n) => n > 0 && n < ENTRIES).length).toBeGreaterThanOrEqual(KILLS / 2);
      const [cmd, ...rest] = NODE as [string, ...string[]];
      const final = spawnSync(cmd, [...rest, ...args, '--once', '--json'], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(final.status).toBe(0);
      const head = await serverHead(s.cp.url, s.token);
      expect(JSON.parse(final.stdout)).toEqual({ ok: true, origin: s.cp.origin, size: head.size, root: head.rootHex });
      expect(head.size).toBe(ENTRIES);
    } finally {
      await s.cp.kill();
      rmSync(dir, { recursive: true, force: true });
      rmSync(join(s.dataDir, '..'), { recursive: true, force: true });
    }
  }, 120_000);
});
