/**
 * The server on PostgreSQL (`database`), in-process: two instances on one database see each other's entries in their
 * trees, checkpoints and SDK streams; an instance whose secret differs is refused; a ledger lock held elsewhere for longer than
 * the lock timeout answers 503 DATABASE_UNAVAILABLE and changes nothing; `serve --database` works from the CLI.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { SdkDelta } from '../shared/protocol/sdk.ts';
import { freshPgDatabase } from '../test-support/pg-context.ts';
import { startControlPlane, type RunningControlPlane } from './server.ts';
import { code, obj, startHarness, startPeer, type Harness } from './test-support/harness.ts';
import { openSse } from './test-support/sse-client.ts';

const harnesses: Harness[] = [];
const servers: RunningControlPlane[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
  for (const h of harnesses) await h.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'cp-pg-'));
  dirs.push(d);
  return d;
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A second instance on the harness's database (test-support/harness.ts startPeer), closed after the file. */
async function secondInstance(h: Harness): Promise<RunningControlPlane> {
  const cp = await startPeer(h);
  servers.push(cp);
  return cp;
}

const FLAG = {
  type: 'release',
  owner: 'pg',
  services: ['pg'],
  tier: 'LOW',
  description: 'a flag on PostgreSQL',
};

describe('the server on PostgreSQL', () => {
  it('two instances on one database: each follows the entries the other writes, with one checkpoint per size', async () => {
    const h = await startHarness({ database: await freshPgDatabase('two') });
    harnesses.push(h);
    const b = await secondInstance(h);
    expect(b.origin).toBe(h.cp.origin);
    expect(b.verifierKeys).toEqual(h.cp.verifierKeys);
    const created = await h.req('alice', 'POST', '/api/v1/flags', { key: 'pg.follow.flag', ...FLAG });
    expect(created.status).toBe(201);
    // B wrote nothing, yet its tree follows the table: the notification (or the poll) brings A's entry.
    await until(() => b.app.ledger.size === h.cp.app.ledger.size, 'B to follow A');
    // A notification names the size after its entry: one this tree holds (its own commit) needs no read.
    const size = b.app.ledger.size;
    expect([String(size), String(size + 1), ''].map((p) => b.app.ledger.behind(p))).toEqual([false, true, true]);
    const viaB = await fetch(`${b.url}/api/v1/flags/pg.follow.flag/environments/production`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${h.tokens['alice'] ?? ''}`, 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: true, rollout_pct: 5, reason: 'written through B' }),
    });
    expect(viaB.status).toBe(200);
    const idx = Number(((await viaB.json()) as { idx: number }).idx);
    await until(() => h.cp.app.ledger.size === idx + 1, 'A to follow B');
    expect(h.cp.app.ledger.texts(idx, idx + 1)).toEqual(b.app.ledger.texts(idx, idx + 1));
    expect(Buffer.from(h.cp.app.ledger.range.root())).toEqual(Buffer.from(b.app.ledger.range.root()));
    // Both sign at the same size: one row, and each instance serves that same note.
    const [na, nb] = [h.cp.app.checkpoints.signNow(), b.app.checkpoints.signNow()];
    expect(na).toEqual(nb);
    expect(na.size).toBe(idx + 1);
  });

  it('streams a kill written on one instance to an SDK connected to the other, as one delta', async () => {
    const h = await startHarness({ database: await freshPgDatabase('sdk') });
    harnesses.push(h);
    const b = await secondInstance(h);
    expect((await h.req('alice', 'POST', '/api/v1/flags', { key: 'pg.sdk.flag', ...FLAG })).status).toBe(201);
    const on = await h.req('alice', 'PATCH', '/api/v1/flags/pg.sdk.flag/environments/production', {
      enabled: true,
      rollout_pct: 100,
      reason: 'on everywhere',
    });
    expect(on.status).toBe(200);
    const made = await h.req('alice', 'POST', '/api/v1/sdk/keys', { environment: 'production', name: 'checkout' });
    const sdkKey = obj(made)['key'] as string;
    await until(() => b.app.ledger.size === h.cp.app.ledger.size, 'B to follow A');
    const stream = await openSse(`${b.url}/api/v1/sdk/stream`, { Authorization: `Bearer ${sdkKey}` });
    try {
      await stream.waitFor((ev) => ev.some((e) => e.event === 'ready'));
      const kill = await h.req('rita', 'POST', '/api/v1/flags/pg.sdk.flag/kill', {
        environment: 'production',
        reason: 'errors in checkout',
      });
      expect(kill.status).toBe(200);
      const idx = Number(obj(kill)['idx']);
      await stream.waitFor((ev) => ev.some((e) => e.event === 'delta'));
      const deltas = stream.events.filter((e) => e.event === 'delta');
      expect(deltas).toHaveLength(1);
      const d = JSON.parse(deltas[0]?.data ?? '') as SdkDelta;
      expect([d.version, deltas[0]?.id]).toEqual([idx + 1, String(idx + 1)]);
      expect(d.upserts.map((f) => [f.key, f.enabled])).toEqual([['pg.sdk.flag', false]]);
    } finally {
      stream.close();
    }
  });

  it('honours an Idempotency-Key across instances: replayed by the other one, applied once when raced', async () => {
    const h = await startHarness({ database: await freshPgDatabase('idem') });
    harnesses.push(h);
    const b = await secondInstance(h);
    expect((await h.req('alice', 'POST', '/api/v1/flags', { key: 'pg.idem.flag', ...FLAG })).status).toBe(201);
    const send = (base: string, key: string, pct: number): Promise<Response> =>
      fetch(`${base}/api/v1/flags/pg.idem.flag/environments/production`, {
        method: 'PATCH',
        headers: {
          authorization: `Bearer ${h.tokens['alice'] ?? ''}`,
          'content-type': 'application/json',
          'idempotency-key': key,
        },
        body: JSON.stringify({ enabled: true, rollout_pct: pct, reason: `idempotent ${key}` }),
      });
    // Sent to A, then again to B (a client whose answer from A was lost): B answers from the shared table.
    const first = await send(h.url, 'idem-1', 10);
    const again = await send(b.url, 'idem-1', 10);
    expect([first.status, again.status]).toEqual([200, 200]);
    expect([first.headers.get('idempotent-replayed'), again.headers.get('idempotent-replayed')]).toEqual([
      null,
      'true',
    ]);
    expect(await again.json()).toEqual(await first.json());
    // The same key with another body on the other instance is refused.
    const other = await send(b.url, 'idem-1', 20);
    expect(other.status).toBe(422);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    // Raced on both at once: one applies, the other replays it.
    const raced = await Promise.all([send(h.url, 'idem-2', 30), send(b.url, 'idem-2', 30)]);
    expect(raced.map((r) => r.status)).toEqual([200, 200]);
    expect(raced.map((r) => r.headers.get('idempotent-replayed')).sort()).toEqual([null, 'true'].sort());
    await until(() => h.cp.app.ledger.size === b.app.ledger.size, 'both instances to follow the table');
    const reasons = h.cp.app.ledger
      .texts(0, h.cp.app.ledger.size)
      .map((t) => (JSON.parse(t) as { reason: string }).reason)
      .filter((r) => r.startsWith('idempotent '));
    expect(reasons).toEqual(['idempotent idem-1', 'idempotent idem-2']);
  });

  it('refuses an instance whose data dir holds another secret (SECRET_MISMATCH), changing nothing', async () => {
    const h = await startHarness({ database: await freshPgDatabase('secret') });
    harnesses.push(h);
    const dataDir = tempDir();
    cpSync(join(h.dataDir, 'keys'), join(dataDir, 'keys'), { recursive: true });
    writeFileSync(join(dataDir, 'secret'), `${'ab'.repeat(32)}\n`, { mode: 0o600 });
    await expect(startControlPlane({ dataDir, database: h.database, log: () => undefined })).rejects.toThrow(
      /^SECRET_MISMATCH: .*secret differs from the secret the other instances of this database use; copy the secret file/,
    );
    const again = await h.req('alice', 'POST', '/api/v1/flags', { key: 'pg.secret.flag', ...FLAG });
    expect(again.status).toBe(201);
  });

  it('answers 503 DATABASE_UNAVAILABLE when another connection holds the ledger lock too long, and applies nothing', async () => {
    const h = await startHarness({ database: await freshPgDatabase('lock') });
    harnesses.push(h);
    expect((await h.req('alice', 'POST', '/api/v1/flags', { key: 'pg.lock.flag', ...FLAG })).status).toBe(201);
    const size = h.cp.app.ledger.size;
    const holder = new pg.Client({ connectionString: h.database ?? '' });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT size FROM ledger_head WHERE id = 1 FOR UPDATE');
      const started = Date.now();
      const res = await h.req('alice', 'PATCH', '/api/v1/flags/pg.lock.flag/environments/production', {
        enabled: true,
        reason: 'while the ledger is locked elsewhere',
      });
      expect([res.status, code(res)]).toEqual([503, 'DATABASE_UNAVAILABLE']);
      expect(obj(res)['error']).toMatchObject({
        message:
          'the control plane could not reach its database in time, so nothing was changed; retry, or use another instance',
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(4_900);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    expect(h.cp.app.ledger.size).toBe(size);
    const retry = await h.req('alice', 'PATCH', '/api/v1/flags/pg.lock.flag/environments/production', {
      enabled: true,
      reason: 'after the lock is gone',
    });
    expect(retry.status).toBe(200);
    expect(h.cp.app.ledger.size).toBe(size + 1);
  }, 30_000);

  it('serve --database needs --data too, and says so', () => {
    const r = spawnSync(
      join(process.cwd(), 'node_modules', '.bin', 'node'),
      ['--disable-warning=ExperimentalWarning', 'control-plane/cli.ts', '--database', 'postgres://127.0.0.1:1/x'],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(
      '--data <dir> is required with --database too: it holds the signing keys and secret of this server',
    );
  });
});
