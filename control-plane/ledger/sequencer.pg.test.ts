/**
 * Several instances on one PostgreSQL database, at the ledger layer: concurrent writers on two pools (and in another
 * process, SIGKILLed while it holds the ledger lock) never produce a gap, a duplicate or a broken `prev` chain; every
 * instance's follower sees every entry once, in order; concurrent signers store one root per size; a break-glass
 * token raced across instances is used once; a schedule claimed from both instances runs once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CompactRange, keyId, parseLeafText, toHex, verifyCheckpoint } from '../../shared/ledger/index.ts';
import { freshPgDatabase } from '../../test-support/pg-context.ts';
import { ed25519Signer, ed25519Verify, sha256 } from '../crypto/node-crypto.ts';
import { migratePg } from '../db/pg-schema.ts';
import { PgSql, type Sql } from '../db/sql.ts';
import { appendSequenced, LedgerFollower, signCheckpointFromDb } from './sequencer.ts';

const ORIGIN = 'test.example/log';
const signer = ed25519Signer('test.example/key', new Uint8Array(32).fill(5));
const trusted = [
  { name: signer.name, keyId: keyId(sha256, signer.name, signer.publicKey), publicKey: signer.publicKey },
];
const opened: Sql[] = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const s of opened) await s.close();
});

async function instances(): Promise<{ url: string; a: PgSql; b: PgSql }> {
  const url = await freshPgDatabase('multi');
  const a = PgSql.connect(url, 8);
  const b = PgSql.connect(url, 8);
  opened.push(a, b);
  await Promise.all([migratePg(a), migratePg(b)]);
  return { url, a, b };
}

const entry = (who: string, i: number) => ({
  ts: Date.UTC(2026, 0, 1) + i,
  actor: { type: 'user' as const, id: who },
  action: 'flag.create' as const,
  flag: `${who}.flag${i}`,
  env: null,
  before: null,
  after: { i },
  reason: `${who} ${i}`,
});

/** Every row, checked: contiguous from 0, each prev the previous leaf hash, each hash the leaf's. */
async function checkChain(sql: Sql): Promise<string[]> {
  const rows = await sql.all<{ idx: number; leaf: string; leaf_hash: Buffer }>(
    'SELECT idx, leaf, leaf_hash FROM ledger ORDER BY idx',
  );
  let prev = '';
  rows.forEach((r, i) => {
    expect(r.idx).toBe(i);
    const leaf = parseLeafText(r.leaf);
    expect(leaf.idx).toBe(i);
    expect(leaf.prev).toBe(prev);
    prev = toHex(new Uint8Array(r.leaf_hash));
  });
  return rows.map((r) => parseLeafText(r.leaf).reason);
}

function startChild(url: string, mode: 'loop' | 'hold', count = 0): { child: ChildProcess; lines: string[] } {
  const script = fileURLToPath(new URL('../test-support/pg-appender.ts', import.meta.url));
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', script, url, mode, String(count)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const lines: string[] = [];
  let buf = '';
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    lines.push(...parts);
  });
  return { child, lines };
}

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('two instances on one database', () => {
  it('sequence 200 concurrent appends with no gap or duplicate, and both followers see all of them in order', async () => {
    const { a, b } = await instances();
    const fa = new LedgerFollower(a);
    const fb = new LedgerFollower(b);
    await Promise.all([fa.start(200), fb.start(200)]);
    const seenA: number[] = [];
    const seenB: number[] = [];
    fa.onCommitted((batch) => seenA.push(...batch.map((e) => e.idx)));
    fb.onCommitted((batch) => seenB.push(...batch.map((e) => e.idx)));
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const sql = i % 2 === 0 ? a : b;
        return sql.tx(() => appendSequenced(sql, ORIGIN, entry(i % 2 === 0 ? 'a' : 'b', i)));
      }),
    );
    expect(new Set(results.map((e) => e.idx)).size).toBe(200);
    const reasons = await checkChain(a);
    expect(reasons.length).toBe(200);
    expect(new Set(reasons).size).toBe(200);
    await until(() => seenA.length === 200 && seenB.length === 200, 5000);
    const all = Array.from({ length: 200 }, (_, i) => i);
    expect(seenA).toEqual(all);
    expect(seenB).toEqual(all);
    expect(toHex(fa.range.root())).toBe(toHex(fb.range.root()));
    await Promise.all([fa.stop(), fb.stop()]);
  });

  it('store one root per size when both instances sign concurrently while entries keep arriving', async () => {
    const { a, b } = await instances();
    const fa = new LedgerFollower(a);
    const fb = new LedgerFollower(b);
    const signs: Promise<unknown>[] = [];
    for (let round = 0; round < 20; round++) {
      await Promise.all([
        a.tx(() => appendSequenced(a, ORIGIN, entry('a', round))),
        b.tx(() => appendSequenced(b, ORIGIN, entry('b', round))),
      ]);
      signs.push(signCheckpointFromDb(a, ORIGIN, fa, () => [signer], round));
      signs.push(signCheckpointFromDb(b, ORIGIN, fb, () => [signer], round));
    }
    await Promise.all(signs);
    const cps = await a.all<{ size: number; root: Buffer; note: string }>(
      'SELECT size, root, note FROM checkpoints ORDER BY size',
    );
    expect(cps.length).toBeGreaterThan(0);
    const hashes = (await a.all<{ leaf_hash: Buffer }>('SELECT leaf_hash FROM ledger ORDER BY idx')).map(
      (r) => new Uint8Array(r.leaf_hash),
    );
    expect(hashes.length).toBe(40);
    for (const cp of cps) {
      const range = new CompactRange(sha256);
      for (const h of hashes.slice(0, cp.size)) range.append(h);
      expect(toHex(new Uint8Array(cp.root))).toBe(toHex(range.root()));
      const parsed = verifyCheckpoint(sha256, ed25519Verify, cp.note, { origin: ORIGIN, trusted });
      expect([parsed.size, toHex(parsed.root)]).toEqual([cp.size, toHex(range.root())]);
    }
    expect(new Set(cps.map((c) => c.size)).size).toBe(cps.length);
  });

  it('use a break-glass token raced from both instances once, with exactly one ledger entry', async () => {
    const { a, b } = await instances();
    await a.run(
      `INSERT INTO break_glass_tokens (id, token_hash, issued_by, justification, scope, expires_at, created_at)
       VALUES ('bg-1', 'th', 'rita', 'outage', '{}', 99, 0)`,
    );
    const attempts = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => {
        const sql = i % 2 === 0 ? a : b;
        return sql.tx(async () => {
          const e = await appendSequenced(sql, ORIGIN, entry(`use${i}`, i));
          await sql.run("UPDATE break_glass_tokens SET used_at = ?, used_idx = ? WHERE id = 'bg-1'", [i, e.idx]);
          return e.idx;
        });
      }),
    );
    const ok = attempts.filter((r) => r.status === 'fulfilled');
    const failed = attempts.filter((r) => r.status === 'rejected').map((r) => String(r.reason));
    expect(ok.length).toBe(1);
    expect(failed.length).toBe(19);
    for (const f of failed) expect(f).toBe('error: BREAK_GLASS_USED: break-glass tokens are single use');
    expect(await checkChain(a)).toHaveLength(1);
    expect(await a.get("SELECT used_idx FROM break_glass_tokens WHERE id = 'bg-1'")).toEqual({ used_idx: 0 });
  });

  it('run each schedule once when both instances claim every due schedule', async () => {
    const { a, b } = await instances();
    for (let i = 0; i < 10; i++) {
      await a.run(
        `INSERT INTO change_requests (id, flag_key, operation, env, requested_by, reason, before, after, payload_hash,
         required_approvals, status, created_at, updated_at) VALUES (?, 'a.b', 'state', 'prod', 'rita', 'r', '{}',
         '{}', 'h', 1, 'SCHEDULED', 0, 0)`,
        [`cr-${i}`],
      );
      await a.run(
        `INSERT INTO schedules (id, change_request_id, run_at, approved_hash, approvers, status, created_at)
         VALUES (?, ?, 5, 'h', '[]', 'PENDING', 0)`,
        [`sch-${i}`, `cr-${i}`],
      );
    }
    const tick = (sql: Sql, who: string) =>
      sql.tx(async () => {
        const due = await sql.all<{ id: string }>(
          "SELECT id FROM schedules WHERE status = 'PENDING' AND run_at <= ? ORDER BY run_at, id",
          [10],
        );
        for (const s of due) {
          const claimed = await sql.run(
            "UPDATE schedules SET status = 'EXECUTED' WHERE id = ? AND status = 'PENDING'",
            [s.id],
          );
          if (claimed.changes === 1) await appendSequenced(sql, ORIGIN, { ...entry(who, 0), reason: s.id });
        }
      });
    await Promise.all([tick(a, 'a'), tick(b, 'b'), tick(a, 'a'), tick(b, 'b')]);
    const reasons = await checkChain(a);
    expect(reasons.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `sch-${i}`).sort());
  });

  it('keep sequencing when an instance is SIGKILLed mid-stream and while it holds the ledger lock', async () => {
    const { url, a } = await instances();
    const follower = new LedgerFollower(a);
    await follower.start(100);
    const loop = startChild(url, 'loop', 100_000);
    const mine: Promise<unknown>[] = [];
    for (let i = 0; i < 30; i++) mine.push(a.tx(() => appendSequenced(a, ORIGIN, entry('a', i))));
    await until(() => loop.lines.length >= 20, 20_000);
    loop.child.kill('SIGKILL');
    await Promise.all(mine);
    const hold = startChild(url, 'hold');
    await until(() => hold.lines.length === 1, 20_000);
    expect(hold.lines[0]).toMatch(/^holding \d+$/);
    const blocked = a.tx(() => appendSequenced(a, ORIGIN, entry('a', 99)));
    const raced = await Promise.race([blocked, new Promise((r) => setTimeout(() => r('waiting'), 300))]);
    expect(raced).toBe('waiting');
    hold.child.kill('SIGKILL');
    const after = await blocked;
    const reasons = await checkChain(a);
    expect(after.idx).toBe(reasons.length - 1);
    // Every commit the killed loop reported is there (it may have committed one more before printing it); the held
    // transaction left nothing.
    const printed = loop.lines.filter((l) => l.startsWith('committed ')).map((l) => Number(l.slice(10)));
    const childRows = reasons.flatMap((r, idx) => (r.startsWith('child ') ? [idx] : []));
    expect(printed.every((idx) => childRows.includes(idx))).toBe(true);
    expect(childRows.length - printed.length).toBeGreaterThanOrEqual(0);
    expect(childRows.length - printed.length).toBeLessThanOrEqual(1);
    expect(reasons).not.toContain('held');
    expect(reasons.filter((r) => r.startsWith('a ')).length).toBe(31);
    await until(() => follower.size === reasons.length, 5000);
    await follower.stop();
  });
});
