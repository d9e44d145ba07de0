/**
 * The ledger on one PostgreSQL database shared by several instances, at the ledger layer and on the production path
 * (PgSyncDatabase, Store, LedgerWriter, Checkpointer): this process and two others (test-support/pg-appender.ts)
 * append and sign at once. The chain has no gap, duplicate or broken `prev`; every instance's tree is the table's;
 * every stored checkpoint is the one root of its size, signed by the log's key; an instance SIGKILLed mid-stream or
 * while it holds the ledger's sequence row leaves nothing half-done and stops nobody for longer than its death.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CompactRange,
  leafHash,
  parseLeafText,
  parseVerifierKey,
  toHex,
  utf8Encode,
  verifyCheckpoint,
} from '../../shared/ledger/index.ts';
import { freshPgDatabase } from '../../test-support/pg-context.ts';
import { ed25519Verify, sha256 } from '../crypto/node-crypto.ts';
import { openPgSql } from '../db/open-db.ts';
import { PgSyncDatabase } from '../db/pg-sync.ts';
import { Store } from '../db/store.ts';
import { Checkpointer } from './checkpointer.ts';
import { KeyRing } from './keys.ts';
import { LedgerWriter } from './writer.ts';
import { testEntry } from '../test-support/ledger-entry.ts';

const ORIGIN = 'shared.example/log';
const children: ChildProcess[] = [];
const closers: (() => void)[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const close of closers) close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Instance {
  url: string;
  dataDir: string;
  store: Store;
  writer: LedgerWriter;
  checkpoints: Checkpointer;
  keys: KeyRing;
}

/** A fresh database, migrated, with this process as its first instance (it creates the signing key). */
async function firstInstance(): Promise<Instance> {
  const url = await freshPgDatabase('shared');
  await (await openPgSql(url, 1)).close();
  const dataDir = mkdtempSync(join(tmpdir(), 'shared-ledger-'));
  dirs.push(dataDir);
  const db = new PgSyncDatabase(url);
  closers.push(() => db.close());
  const store = new Store(db, 'postgres');
  db.prepare("INSERT INTO meta (key, value) VALUES ('origin', ?)").run(ORIGIN);
  const writer = new LedgerWriter(store, ORIGIN);
  const keys = new KeyRing(store, dataDir, ORIGIN);
  const checkpoints = new Checkpointer(store, writer, keys, { every: 1, intervalMs: 20 }, Date.now);
  return { url, dataDir, store, writer, checkpoints, keys };
}

function startChild(
  inst: Instance,
  mode: 'loop' | 'hold',
  who: string,
  count = 0,
): { child: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const script = fileURLToPath(new URL('../test-support/pg-appender.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', script, inst.url, inst.dataDir, mode, who, String(count)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  const lines: string[] = [];
  let buf = '';
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    lines.push(...parts);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, lines, exited };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Every row, checked: contiguous from 0, each prev the previous leaf hash, each hash its leaf's. Returns reasons. */
function checkChain(inst: Instance): { reasons: string[]; hashes: Uint8Array[] } {
  const rows = inst.store.db.prepare('SELECT idx, leaf, leaf_hash FROM ledger ORDER BY idx').all() as {
    idx: number;
    leaf: string;
    leaf_hash: Buffer;
  }[];
  let prev = '';
  const hashes: Uint8Array[] = [];
  rows.forEach((r, i) => {
    expect(r.idx).toBe(i);
    const leaf = parseLeafText(r.leaf);
    expect([leaf.idx, leaf.prev]).toEqual([i, prev]);
    const hash = new Uint8Array(r.leaf_hash);
    expect(toHex(leafHash(sha256, utf8Encode(r.leaf)))).toBe(toHex(hash));
    hashes.push(hash);
    prev = toHex(hash);
  });
  return { reasons: rows.map((r) => parseLeafText(r.leaf).reason), hashes };
}

describe('one ledger, several instances', () => {
  it('three writers and signers at once: one chain, every tree the table, one signed root per size', async () => {
    const me = await firstInstance();
    const seen: number[] = [];
    me.writer.onCommitted((batch) => seen.push(...batch.map((e) => e.idx)));
    const b = startChild(me, 'loop', 'b', 150);
    const c = startChild(me, 'loop', 'c', 150);
    await until(() => b.lines.length > 0 && c.lines.length > 0, 'both children to append');
    for (let i = 0; i < 100; i++) {
      me.store.tx(() => me.writer.append(testEntry('a', i)));
      await tick();
    }
    expect(await b.exited).toBe(0);
    expect(await c.exited).toBe(0);
    me.writer.follow();
    const { reasons, hashes } = checkChain(me);
    expect(reasons.length).toBe(400);
    for (const who of ['a', 'b', 'c']) {
      const mine = reasons.filter((r) => r.startsWith(`${who} `));
      expect(new Set(mine).size, who).toBe(who === 'a' ? 100 : 150);
      expect(mine.length, who).toBe(new Set(mine).size);
    }
    // The three really ran at once: each child's entries are interleaved with this process's.
    const firstA = reasons.indexOf('a 0');
    const lastA = reasons.lastIndexOf('a 99');
    expect(reasons.slice(firstA, lastA).some((r) => !r.startsWith('a '))).toBe(true);
    // This instance's tree followed every entry once, in order, whoever wrote it.
    expect(seen).toEqual(Array.from({ length: 400 }, (_, i) => i));
    const all = new CompactRange(sha256);
    for (const h of hashes) all.append(h);
    expect(toHex(me.writer.range.root())).toBe(toHex(all.root()));
    // Every instance signed as entries came: every stored note is the root of its size, signed by the log's key.
    me.checkpoints.signNow();
    const cps = me.store.db.prepare('SELECT size, root, note FROM checkpoints ORDER BY size').all() as {
      size: number;
      root: Buffer;
      note: string;
    }[];
    expect(cps.length).toBeGreaterThan(20);
    expect(cps.at(-1)?.size).toBe(400);
    const trusted = me.keys.list().map((k) => parseVerifierKey(sha256, k.vkey));
    const range = new CompactRange(sha256);
    let at = 0;
    for (const cp of cps) {
      while (at < cp.size) range.append(hashes[at++] as Uint8Array);
      expect(toHex(new Uint8Array(cp.root)), `root at ${cp.size}`).toBe(toHex(range.root()));
      const parsed = verifyCheckpoint(sha256, ed25519Verify, cp.note, { origin: ORIGIN, trusted });
      expect([parsed.size, toHex(parsed.root)]).toEqual([cp.size, toHex(range.root())]);
    }
  }, 60_000);

  it('keeps sequencing when an instance is SIGKILLed mid-stream and while it holds the sequence row', async () => {
    const me = await firstInstance();
    const loop = startChild(me, 'loop', 'child', 100_000);
    for (let i = 0; i < 30; i++) {
      me.store.tx(() => me.writer.append(testEntry('a', i)));
      await tick();
    }
    await until(() => loop.lines.length >= 20, 'the child to commit 20 entries');
    loop.child.kill('SIGKILL');
    await loop.exited;

    const hold = startChild(me, 'hold', 'holder');
    await until(() => hold.lines.length === 1, 'the holder to hold the sequence row');
    expect(hold.lines[0]).toMatch(/^holding \d+$/);
    // The sequence row is held in another process: this instance's next transaction waits (its thread blocks, as
    // on SQLite's lock) until the holder dies; then PostgreSQL rolls the holder back and the append goes on.
    // This thread is about to block, so the kill comes from another process.
    spawn('sh', ['-c', `sleep 0.3; kill -9 ${String(hold.child.pid)}`], { stdio: 'ignore' });
    const started = Date.now();
    const after = me.store.tx(() => me.writer.append(testEntry('a', 99)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await hold.exited;

    const { reasons } = checkChain(me);
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
    me.writer.follow();
    expect(me.writer.size).toBe(reasons.length);
  }, 60_000);
});
