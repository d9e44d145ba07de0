/**
 * `tombstone-console sync --unleash` as a user runs it: the real CLI in a child process against the suite's real
 * Unleash. Changes made through Unleash's admin API arrive in order as sealed leaves; `verify` and `correlate --db`
 * work on the result unchanged; a tampered replica is refused with its code; an event rewritten in Unleash's database
 * raises E_UPSTREAM_REWRITE with both versions; bad tokens, URLs, key files and servers get their codes.
 */
import Database from 'better-sqlite3';
import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tamper } from '../../ledger/test-support/test-replica.ts';
import { connectTestUnleash, uniqueFlag, type TestUnleash } from './test-support/unleash.ts';

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

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

interface Leaf {
  idx: number;
  action: string;
  flag: string | null;
  env: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  refs: Record<string, string>;
  actor: { type: string; id: string };
}

function leavesOf(path: string, flag: string): Leaf[] {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare('SELECT idx, leaf FROM entries ORDER BY idx').all() as { idx: number; leaf: Buffer }[];
    return rows
      .map((r) => ({ ...(JSON.parse(r.leaf.toString('utf8')) as Leaf), idx: r.idx }))
      .filter((l) => l.flag === flag);
  } finally {
    db.close();
  }
}

let u: TestUnleash;
let dir: string;
let tokenFile: string;
let pgc: pg.Client;

beforeAll(async () => {
  u = connectTestUnleash();
  dir = mkdtempSync(join(tmpdir(), 'unleash-cli-'));
  tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, `${u.ctx.adminToken}\n`, { mode: 0o600 });
  pgc = new pg.Client({ connectionString: u.ctx.databaseUrl });
  await pgc.connect();
});
afterAll(async () => {
  await pgc?.end();
  rmSync(dir, { recursive: true, force: true });
});

function once(db: string, extra: string[] = []): Promise<[number, string, string]> {
  return cli(['sync', '--unleash', u.ctx.url, '--token-file', tokenFile, '--db', db, '--once', '--json', ...extra]);
}

async function jsonOnce(db: string, extra: string[] = []): Promise<[number, Record<string, unknown>, string]> {
  const [status, out, err] = await once(db, extra);
  return [status, JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, unknown>, err];
}

/** A flag with a history: created, tagged, enabled with a 20 % rollout, then raised to 50 %. */
async function flagWithHistory(prefix: string): Promise<string> {
  const flag = uniqueFlag(prefix);
  await u.admin.createFlag(flag, { type: 'release', description: 'checkout path' });
  await u.admin.tag(flag, 'simple', 'service:payments');
  await u.admin.tag(flag, 'simple', 'tier:HIGH');
  await u.admin.setEnabled(flag, 'production', true);
  const [auto] = await u.admin.strategies(flag, 'production');
  const params = (pct: string) => ({ rollout: pct, stickiness: 'default', groupId: flag });
  await u.admin.updateStrategy(flag, 'production', auto!.id, { name: 'flexibleRollout', parameters: params('20') });
  await u.admin.updateStrategy(flag, 'production', auto!.id, { name: 'flexibleRollout', parameters: params('50') });
  return flag;
}

describe('tombstone-console sync --unleash', () => {
  it('mirrors admin-API changes in order into a sealed replica that verify accepts; a second run appends', async () => {
    const flag = await flagWithHistory('cli.order');
    const db = join(dir, 'order.sqlite');
    const [status, doc] = await jsonOnce(db);
    expect(status).toBe(0);
    expect(doc).toMatchObject({ ok: true, origin: `unleash+${u.ctx.url}`, sealedSince: expect.any(String) });
    expect(doc['notice']).toBe(
      `sealed locally since ${String(doc['sealedSince'])} — Unleash's history before that is not provable`,
    );
    expect(statSync(`${db}.seal-key`).mode & 0o777).toBe(0o600);
    const leaves = leavesOf(db, flag);
    expect(leaves.map((l) => [l.refs['unleash_type'], l.action, l.env])).toEqual([
      ['feature-created', 'flag.created', null],
      ['feature-tagged', 'flag.updated', null],
      ['feature-tagged', 'flag.updated', null],
      ['feature-strategy-add', 'flag.updated', 'production'],
      ['feature-environment-enabled', 'flag.updated', 'production'],
      ['feature-strategy-update', 'flag.updated', 'production'],
      ['feature-strategy-update', 'flag.updated', 'production'],
    ]);
    expect(leaves.map((l) => l.idx)).toEqual([...leaves.map((l) => l.idx)].sort((a, b) => a - b));
    expect(leaves[2]!.after).toMatchObject({ owner: 'default', services: ['payments'], tier: 'HIGH' });
    expect(leaves.slice(5).map((l) => [l.before?.['rollout_pct'], l.after?.['rollout_pct']])).toEqual([
      [100, 20],
      [20, 50],
    ]);
    expect(leaves[0]!.actor).toEqual({ type: 'service', id: expect.any(String) });

    const [vStatus, vOut] = await cli(['verify', '--db', db, '--json']);
    expect(vStatus).toBe(0);
    expect(JSON.parse(vOut)).toMatchObject({ ok: true, verified_size: doc['size'] });

    await u.admin.setEnabled(flag, 'production', false);
    const [status2, doc2] = await jsonOnce(db);
    expect(status2).toBe(0);
    expect(doc2['sealedSince']).toBe(doc['sealedSince']);
    expect(doc2['size']).toBeGreaterThan(doc['size'] as number);
    const after = leavesOf(db, flag);
    expect(after).toHaveLength(8);
    expect(after[7]).toMatchObject({ env: 'production', after: { enabled: false }, before: { enabled: true } });
  });

  it('correlate --db ranks over the mirror: the causal toggle of an incident on its service ranks #1', async () => {
    const flag = await flagWithHistory('cli.rank');
    const other = uniqueFlag('cli.rank.other');
    await u.admin.createFlag(other);
    await u.admin.tag(other, 'simple', 'service:search');
    await u.admin.setEnabled(other, 'production', true);
    const db = join(dir, 'rank.sqlite');
    expect((await once(db))[0]).toBe(0);
    const at = new Date(Date.now() + 60_000).toISOString();
    const [status, out, err] = await cli([
      'correlate',
      '--db',
      db,
      '--service',
      'payments',
      '--env',
      'production',
      '--at',
      at,
      '--json',
    ]);
    expect([status, err]).toEqual([0, '']);
    const ranked = JSON.parse(out) as { candidates: Record<string, unknown>[] };
    expect(ranked.candidates[0]).toMatchObject({ flag_key: flag, candidate_rank: 1, environment: 'production' });
    expect(ranked.candidates.some((c) => c['flag_key'] === other && c['candidate_rank'] === 1)).toBe(false);
  });

  it('a leaf edited in the replica fails verify with its code, and the next sync refuses to build on it', async () => {
    await flagWithHistory('cli.tamper');
    const db = join(dir, 'tamper.sqlite');
    expect((await once(db))[0]).toBe(0);
    tamper(db, (d) =>
      d
        .prepare(
          'UPDATE entries SET leaf = CAST(replace(CAST(leaf AS TEXT), \'"rollout_pct":50\', \'"rollout_pct":5\') AS BLOB) WHERE CAST(leaf AS TEXT) LIKE \'%"rollout_pct":50%\'',
        )
        .run(),
    );
    const [vStatus, vOut] = await cli(['verify', '--db', db, '--json']);
    expect(vStatus).toBe(1);
    expect(JSON.parse(vOut)).toMatchObject({ ok: false, code: 'LEAF_HASH_MISMATCH' });
    const [status, doc] = await jsonOnce(db);
    expect(status).toBe(1);
    expect(doc).toMatchObject({ ok: false, code: 'LEAF_HASH_MISMATCH' });
  });

  it('an event rewritten in Unleash’s database raises E_UPSTREAM_REWRITE with both versions kept as evidence', async () => {
    const flag = await flagWithHistory('cli.rewrite');
    const db = join(dir, 'rewrite.sqlite');
    expect((await once(db))[0]).toBe(0);
    const { rows } = await pgc.query<{ id: number }>(
      "SELECT id FROM events WHERE feature_name = $1 AND type = 'feature-strategy-update' ORDER BY id DESC LIMIT 1",
      [flag],
    );
    const id = rows[0]!.id;
    await pgc.query(
      `UPDATE events SET data = jsonb_set(data::jsonb, '{parameters,rollout}', '"1"')::json WHERE id = $1`,
      [id],
    );
    const [status, doc, err] = await jsonOnce(db);
    expect(status).toBe(1);
    expect(doc).toMatchObject({ ok: false, code: 'E_UPSTREAM_REWRITE' });
    const alert = err
      .split('\n')
      .filter((l) => l.startsWith('{"alert"'))
      .map((l) => (JSON.parse(l) as { alert: Record<string, unknown> }).alert)
      .find((a) => a['eventId'] === id);
    expect(alert).toMatchObject({ code: 'E_UPSTREAM_REWRITE', kind: 'changed' });
    const r = new Database(db, { readonly: true });
    const stored = r.prepare('SELECT * FROM unleash_alerts WHERE event_id = ?').get(String(id)) as {
      idx: number;
      mirrored: string;
      upstream: string;
    };
    r.close();
    const mirrored = JSON.parse(stored.mirrored) as { event: { data: { parameters: { rollout: string } } } };
    const upstream = JSON.parse(stored.upstream) as { event: { data: { parameters: { rollout: string } } } };
    expect([mirrored.event.data.parameters.rollout, upstream.event.data.parameters.rollout]).toEqual(['50', '1']);
    expect(leavesOf(db, flag).find((l) => l.idx === stored.idx)?.refs['unleash_event']).toBe(String(id));
    // The sealed replica itself is intact: the rewrite is upstream's, not ours.
    expect((await cli(['verify', '--db', db]))[0]).toBe(0);
  });

  it('follow mode prints live and verified sizes, and exits 0 within 2 s of Ctrl-C', async () => {
    const db = join(dir, 'follow.sqlite');
    const child = spawn(
      join(REPO_ROOT, 'node_modules', '.bin', 'node'),
      [
        '--disable-warning=ExperimentalWarning',
        join(REPO_ROOT, 'main', 'cli', 'index.ts'),
        ...['sync', '--unleash', u.ctx.url, '--token-file', tokenFile, '--db', db, '--json', '--interval', '200'],
      ],
      { cwd: REPO_ROOT, env: { ...process.env, TOMBSTONE_TOKEN: '' } },
    );
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const end = Date.now() + 30_000;
    while (!out.includes('"kind":"live"') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.some((l) => l['event'] === 'ledger:verified')).toBe(true);
    expect(lines.some((l) => (l['state'] as { kind?: string } | undefined)?.kind === 'live')).toBe(true);
    const started = Date.now();
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(2000);
    expect((await cli(['verify', '--db', db]))[0]).toBe(0);
  });

  it('bad token, bad URL, a server that is not Unleash, a foreign key file: each has its code and exit status', async () => {
    const db = join(dir, 'bad.sqlite');
    const bad = join(dir, 'bad-token');
    writeFileSync(bad, 'not-a-real-token\n', { mode: 0o600 });
    let [status, doc] = await cli([
      'sync',
      '--unleash',
      u.ctx.url,
      '--token-file',
      bad,
      '--db',
      db,
      '--once',
      '--json',
    ]).then(([s, o]) => [s, JSON.parse(o) as Record<string, unknown>] as const);
    expect([status, doc['code']]).toEqual([1, 'E_UNLEASH_AUTH']);
    [status, doc] = await cli([
      'sync',
      '--unleash',
      'ftp://example.invalid',
      '--token-file',
      tokenFile,
      '--db',
      join(dir, 'b2.sqlite'),
      '--once',
      '--json',
    ]).then(([s, o]) => [s, JSON.parse(o) as Record<string, unknown>] as const);
    expect([status, (doc['error'] as Record<string, unknown>)['code']]).toEqual([2, 'E_UNLEASH_URL']);

    const garbage: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>login</html>');
    });
    await new Promise<void>((r) => garbage.listen(0, '127.0.0.1', r));
    const port = (garbage.address() as { port: number }).port;
    try {
      [status, doc] = await cli([
        'sync',
        '--unleash',
        `http://127.0.0.1:${port}`,
        '--token-file',
        tokenFile,
        '--db',
        join(dir, 'b3.sqlite'),
        '--once',
        '--json',
      ]).then(([s, o]) => [s, JSON.parse(o) as Record<string, unknown>] as const);
      expect([status, doc['code']]).toEqual([1, 'E_UNLEASH_PROTOCOL']);
    } finally {
      garbage.close();
    }
    expect(existsSync(join(dir, 'b3.sqlite.seal-key'))).toBe(true);

    // A seal key others can read is refused like an ssh key.
    const open = join(dir, 'open.sqlite');
    expect((await once(open))[0]).toBe(0);
    chmodSync(`${open}.seal-key`, 0o644);
    [status, doc] = await cli([
      'sync',
      '--unleash',
      u.ctx.url,
      '--token-file',
      tokenFile,
      '--db',
      open,
      '--once',
      '--json',
    ]).then(([s, o]) => [s, JSON.parse(o) as Record<string, unknown>] as const);
    expect([status, (doc['error'] as Record<string, unknown>)['code']]).toEqual([2, 'E_SEAL_KEY_MODE']);
    // Another key than the one the replica was sealed with cannot extend it.
    chmodSync(`${open}.seal-key`, 0o600);
    [status, doc] = await cli([
      'sync',
      '--unleash',
      u.ctx.url,
      '--token-file',
      tokenFile,
      '--db',
      open,
      '--seal-key',
      join(dir, 'other.key'),
      '--once',
      '--json',
    ]).then(([s, o]) => [s, JSON.parse(o) as Record<string, unknown>] as const);
    expect([status, (doc['error'] as Record<string, unknown>)['code']]).toEqual([2, 'E_SEAL_KEY_MISSING']);
    [status, doc] = await cli([
      'sync',
      '--unleash',
      u.ctx.url,
      '--token-file',
      tokenFile,
      '--db',
      open,
      '--environment',
      'nope',
      '--once',
      '--json',
    ]).then(([s, o]) => [s, JSON.parse(o) as Record<string, unknown>] as const);
    expect([status, (doc['error'] as Record<string, unknown>)['code']]).toEqual([2, 'E_UNLEASH_ENV_UNKNOWN']);
  });
});
