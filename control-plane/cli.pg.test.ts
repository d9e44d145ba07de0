/** The admin commands on PostgreSQL (`--database`): they write the same rows the server reads on SQLite. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sha256Hex } from './crypto/node-crypto.ts';
import { freshPgDatabase } from '../test-support/pg-context.ts';
import { PgSql } from './db/sql.ts';
import { principalForToken } from './db/users.ts';
import { sdkForKey } from './sdk-delivery/keys.ts';

const NODE = join(process.cwd(), 'node_modules', '.bin', 'node');
const CLI = join(process.cwd(), 'control-plane', 'cli.ts');
const opened: PgSql[] = [];
afterAll(async () => {
  for (const s of opened) await s.close();
});

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(NODE, ['--disable-warning=ExperimentalWarning', CLI, ...args], { encoding: 'utf8' });
}

describe('admin commands with --database', () => {
  it('user add and sdk-key add migrate the database and store only hashes; the server-side lookups find them', async () => {
    const url = await freshPgDatabase('cli');
    const user = cli('user', 'add', 'ann', '--role', 'approver', '--database', url);
    expect(user.stderr).toBe('');
    expect(user.status).toBe(0);
    const token = user.stdout.trimEnd().split('\n').at(-1) ?? '';
    expect(token).toMatch(/^tsk_[0-9a-f]{64}$/);
    expect(user.stdout).toContain(`user ann (approver) added to ${url}; the token below is shown only once:`);
    const key = cli('sdk-key', 'add', '--environment', 'staging', '--name', 'checkout', '--database', url);
    expect(key.status).toBe(0);
    const sdkKey = key.stdout.trimEnd().split('\n').at(-1) ?? '';
    expect(sdkKey).toMatch(/^tsdk_staging_[0-9a-f]{64}$/);

    const sql = PgSql.connect(url, 2);
    opened.push(sql);
    expect(await sql.all('SELECT hash, user_name FROM tokens')).toEqual([{ hash: sha256Hex(token), user_name: 'ann' }]);
    expect(await principalForToken(sql, token)).toEqual({ name: 'ann', role: 'approver' });
    expect(await sdkForKey(sql, sdkKey)).toMatchObject({ env: 'staging', name: 'checkout' });
    expect(await sql.get('SELECT count(*)::int AS n FROM sdk_keys WHERE hash = ?', [sha256Hex(sdkKey)])).toEqual({
      n: 1,
    });

    const again = cli('user', 'add', 'ann', '--role', 'admin', '--database', url);
    expect(again.status).toBe(0);
    expect(await sql.all('SELECT name, role FROM users')).toEqual([{ name: 'ann', role: 'admin' }]);
    expect(await sql.get('SELECT count(*)::int AS n FROM tokens')).toEqual({ n: 2 });
  });
});
